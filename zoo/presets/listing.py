"""``zoo.list_presets()``: the registry as a table (no Keras, no network)."""
from __future__ import annotations

import pandas as pd

from zoo.presets.record import Preset
from zoo.presets.registry import load_registry

__all__ = ["list_presets", "get_preset"]


def list_presets(registry=None) -> pd.DataFrame:
    """The zoo's presets as a table (no Keras, no network; ``zoo presets list``).

    Args:
        registry: a :class:`~zoo.presets.registry.Registry` (default: the shipped registry
            plus ``ZOO_REGISTRY``).

    Returns:
        One row per preset version: name, version, modality, registration, objective,
        dim (the embedding size) and card (the model card's path).

    Example:
        >>> import zoo
        >>> presets = zoo.list_presets()
        >>> list(presets.columns)
        ['name', 'version', 'modality', 'registration', 'objective', 'dim', 'card']
        >>> presets.loc[presets.name == "dxa_2.none.ae", ["version", "dim"]].values.tolist()
        [[1, 16], [2, 16]]
    """
    presets = (registry or load_registry()).presets()
    return pd.DataFrame(
        [{"name": p.name, "version": p.version, "modality": p.source.name, "registration": p.method,
          "objective": p.objective, "dim": p.embedding_dim, "card": p.card_path} for p in presets],
        columns=["name", "version", "modality", "registration", "objective", "dim", "card"])


def get_preset(ref: str, registry=None) -> Preset:
    """The record of ``name`` (newest version) or ``name@N``."""
    return (registry or load_registry()).get(ref)
