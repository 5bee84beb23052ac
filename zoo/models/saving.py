"""Loading saved models in safe mode.

Keras finds registered classes by name only once the module that registers them has
been imported; :func:`register_layers` imports them all, so a fresh process can load
any regzoo ``.keras`` file without ``custom_objects`` and without unsafe deserialisation.
"""
from __future__ import annotations

from pathlib import Path

__all__ = ["register_layers", "load_model"]


def register_layers() -> None:
    import zoo.models.losses  # noqa: F401  (registers PairLoss)
    import zoo.models.merges  # noqa: F401  (registers DropFuse, AverageMerge, KroneckerMerge)


def load_model(path, *, compile: bool = False):
    """Load a ``.keras`` file with ``safe_mode=True``; a clear error for a missing or
    foreign file."""
    import keras

    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path}: expected a saved Keras model file (.keras), found none")
    if path.suffix != ".keras":
        raise ValueError(f"{path}: expected a .keras file, got suffix {path.suffix!r}")
    register_layers()
    return keras.saving.load_model(path, compile=compile, safe_mode=True)
