"""``EmbeddingTransformer``: a preset as a scikit-learn transformer.

``make_pipeline(EmbeddingTransformer("ecg_rest.median_beat.ae"), RidgeCV())`` fits a
phenotype model on registered latents of raw tensors; the encoder is frozen (``fit``
learns nothing), loaded once per process.
"""
from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from zoo.presets.embedding import get_encoder

__all__ = ["EmbeddingTransformer"]


class EmbeddingTransformer(TransformerMixin, BaseEstimator):
    """Raw tensors ``(N, *source shape)`` → ``(N, embedding_dim)`` float32 latents, as a
    scikit-learn transformer; ``fit`` pins the preset's version and learns nothing.

    Args:
        preset: ``"name"`` (newest version at ``fit``) or ``"name@N"``, looked up in the
            shipped registry plus ``ZOO_REGISTRY``.
        batch_size: samples per encoder call.

    Example:
        >>> import numpy as np, zoo
        >>> from sklearn.linear_model import Ridge
        >>> from sklearn.pipeline import make_pipeline
        >>> rng = np.random.default_rng(0)
        >>> x, y = rng.normal(size=(8, 128, 128, 1)).astype(np.float32), rng.normal(size=8)
        >>> model = make_pipeline(zoo.EmbeddingTransformer("dxa_2.none.ae"), Ridge()).fit(x, y)
        >>> model.predict(x).shape
        (8,)
    """

    def __init__(self, preset: str, batch_size: int = 64):
        self.preset = preset
        self.batch_size = batch_size

    def fit(self, X, y=None):
        encoder = get_encoder(self.preset)
        self.preset_ref_ = encoder.preset.ref
        self.n_features_out_ = encoder.preset.embedding_dim
        return self

    def transform(self, X) -> np.ndarray:
        if not hasattr(self, "preset_ref_"):
            raise ValueError("EmbeddingTransformer: expected fit() before transform()")
        # the fitted ref pins the version: a newer version published meanwhile is not used
        return get_encoder(self.preset_ref_).embed(X, self.batch_size)

    def get_feature_names_out(self, input_features=None):
        return np.asarray([f"latent_{j}" for j in range(self.n_features_out_)], dtype=object)
