"""``Encoder``: a preset's Keras encoder with its own preprocessing.

``Encoder.from_preset("dxa_12.homography.ae@1")`` resolves and verifies the files
(:mod:`zoo.presets.fetching`), loads the model in Keras safe mode (no Lambda layers, no
pickles) and checks it against the record; ``.embed(x)`` takes tensors as ml4h stores
them and returns ``(N, embedding_dim)`` float32.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from zoo.models import load_model
from zoo.presets.cards import render_card
from zoo.presets.fetching import fetch
from zoo.presets.preprocess import Preprocessor
from zoo.presets.record import Preset
from zoo.presets.registry import Registry, load_registry

__all__ = ["Encoder"]


class Encoder:
    """A loaded preset: its encoder, registration state and normalisation.

    Build it with :meth:`from_preset`; :meth:`embed` takes raw tensors, :meth:`encode`
    already preprocessed ones, :attr:`card` is the model card.

    Args:
        preset: the registry record.
        paths: the preset's verified local files by name (:func:`~zoo.presets.fetching.fetch`).

    Example:
        >>> import numpy as np, zoo
        >>> encoder = zoo.Encoder.from_preset("dxa_2.none.ae")
        >>> encoder
        Encoder('dxa_2.none.ae@2': dxa_2 (128, 128, 1) → 16-d)
        >>> encoder.embed(np.zeros((2, *encoder.preset.source.shape), np.float32)).shape
        (2, 16)
    """

    def __init__(self, preset: Preset, paths: dict[str, Path]):
        self.preset = preset
        self.paths = dict(paths)
        self._model = None
        self._preprocessor = None

    @classmethod
    def from_preset(cls, ref: str | Preset, *, registry: Registry | None = None, **fetch_options) -> "Encoder":
        """``ref`` is ``name`` (newest version) or ``name@N``; ``fetch_options`` go to
        :func:`zoo.presets.fetching.fetch` (``cache``, ``offline``, ``base_url``, ...)."""
        registry = registry or load_registry()
        preset = registry.get(ref)
        return cls(preset, fetch(preset, registry=registry, **fetch_options))

    @property
    def card(self) -> str:
        """The model card (YAML front matter = the registry entry, then the prose)."""
        return render_card(self.preset)

    @property
    def keras_model(self):
        """The encoder, loaded once in safe mode and checked against the record."""
        if self._model is None:
            path = self.paths[self.preset.encoder_file.name]
            model = load_model(path)
            expected = tuple(self.preset.input.shape)
            got = tuple(model.inputs[0].shape[1:])
            if len(model.inputs) != 1 or got != expected:
                raise ValueError(f"{path}: preset {self.preset.ref} expects an encoder with one input of shape "
                                 f"{expected}, the file has inputs {[tuple(t.shape[1:]) for t in model.inputs]}")
            dim = int(model.outputs[0].shape[-1])
            if dim != self.preset.embedding_dim:
                raise ValueError(f"{path}: preset {self.preset.ref} records embedding_dim "
                                 f"{self.preset.embedding_dim}, the encoder outputs {dim}")
            self._model = model
        return self._model

    @property
    def preprocessor(self) -> Preprocessor:
        if self._preprocessor is None:
            self._preprocessor = Preprocessor(self.preset, self.paths)
        return self._preprocessor

    def preprocess(self, x, ids=None, erase: bool = True) -> np.ndarray:
        """Raw tensors → what the encoder reads (registered, normalised float32).
        ``erase=False`` for tensors read through fastio (background already erased)."""
        return self.preprocessor(x, ids, what=f"preset {self.preset.ref}", erase=erase)

    def encode(self, x: np.ndarray, batch_size: int = 64) -> np.ndarray:
        """Already preprocessed tensors ``(N, *preset.input.shape)`` → ``(N, dim)`` float32."""
        x = np.asarray(x)
        expected = tuple(self.preset.input.shape)
        if x.dtype != np.float32 or x.ndim != len(expected) + 1 or x.shape[1:] != expected:
            raise ValueError(f"Preset {self.preset.ref}: expected preprocessed float32 input of shape "
                             f"(N, {', '.join(map(str, expected))}), got {x.dtype} {x.shape}")
        if int(batch_size) < 1:
            raise ValueError(f"Expected a positive batch_size, got {batch_size!r}")
        model = self.keras_model
        out = np.empty((len(x), self.preset.embedding_dim), np.float32)
        for a in range(0, len(x), batch_size):
            out[a:a + batch_size] = np.asarray(model.predict_on_batch(x[a:a + batch_size]), dtype=np.float32)
        return out

    def embed(self, x, batch_size: int = 64, ids=None, erase: bool = True) -> np.ndarray:
        """Tensors as ml4h stores them ``(N, *preset.source.shape)`` → ``(N, dim)`` float32."""
        return self.encode(self.preprocess(x, ids, erase), batch_size)

    def __repr__(self) -> str:
        return f"Encoder({self.preset.ref!r}: {self.preset.source.name} {tuple(self.preset.source.shape)} → " \
               f"{self.preset.embedding_dim}-d)"
