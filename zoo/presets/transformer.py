"""``EmbeddingTransformer``: a preset as a scikit-learn transformer.

``make_pipeline(EmbeddingTransformer("ecg_rest.median_beat.ae"), RidgeCV())`` fits a
phenotype model on registered latents of raw tensors; the encoder is frozen (``fit``
learns nothing), loaded once per process.
"""
from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from zoo.presets.embed import get_encoder

__all__ = ["EmbeddingTransformer"]


class EmbeddingTransformer(TransformerMixin, BaseEstimator):
    """Raw tensors ``(N, *source shape)`` → ``(N, embedding_dim)`` float32 latents."""

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
