"""ml4h's names for a tensor: the one place they are spelled.

ml4h names every file, layer and model of a tensor after its TensorMap's *name*
(``tm.name``, the TensorMap's first argument), which is not the attribute a user types:
``dxa.dxa_2`` is ``dxa_1_2``, ``ecg.ecg_rest`` is ``strip``, both brain slices are
``axial_80``. Recipes write these names and recognise them (and the names of runs made
before this module, which used the catalogue name, e.g. ``encoder_dxa_2.keras``).

Every function takes a :class:`~fastio.spec.TensorSpec` or a plain name (a model built
from a bare shape), so models and recipes spell names the same way.
"""
from __future__ import annotations

from typing import Iterable

__all__ = [
    "tm_name", "input_layer", "output_layer", "encoder_model", "decoder_model",
    "encoder_file", "decoder_file", "hidden_file", "block_tokens", "legacy_name",
    "check_distinct", "MODEL_PREFIXES", "TSV_STYLES",
]

# Keras model name prefixes: ml4h's (encode_/decode_) first, then this project's old ones.
MODEL_PREFIXES = {"encoder": ("encode_", "encoder_"), "decoder": ("decode_", "decoder_")}
# ml4h's --tsv_style: a latent table's id header is 'sample_id' (standard) or PLINK's
# 'FID IID' (genetics).
TSV_STYLES = ("standard", "genetics")


def tm_name(spec) -> str:
    """ml4h's ``tm.name``: the spec's ``ml4h_name`` when set, else its dataset name for a
    one-dataset tensor (``dxa_1_2``, ``axial_80``), else its own name (per-lead ECG)."""
    if isinstance(spec, str):
        return spec
    if spec.ml4h_name:
        return spec.ml4h_name
    return spec.dataset if isinstance(spec.dataset, str) and "/" not in spec.dataset else spec.name


def legacy_name(spec) -> str:
    """The token runs made before ml4h naming used (the catalogue name, ``dxa_2``)."""
    return spec if isinstance(spec, str) else spec.name


def input_layer(spec) -> str:
    return f"input_{tm_name(spec)}_continuous"


def output_layer(spec) -> str:
    return f"output_{tm_name(spec)}_continuous"


def encoder_model(spec) -> str:
    return f"encode_{tm_name(spec)}"


def decoder_model(spec) -> str:
    return f"decode_{tm_name(spec)}"


def encoder_file(spec) -> str:
    return f"encoder_{tm_name(spec)}.keras"


def decoder_file(spec) -> str:
    return f"decoder_{tm_name(spec)}.keras"


def hidden_file(spec, run_id: str) -> str:
    """``infer_encoders``' latent table, e.g. ``hidden_dxa_1_2_dxa_2_autoencoder_256d.tsv``."""
    return f"hidden_{tm_name(spec)}_{run_id}.tsv"


def block_tokens(spec) -> tuple[str, ...]:
    """The names an ``encoder_*.keras`` / ``decoder_*.keras`` file or a nested model may
    carry for this tensor: ml4h's ``tm.name``, then the old catalogue name."""
    new, old = tm_name(spec), legacy_name(spec)
    return (new,) if new == old else (new, old)


def check_distinct(specs: Iterable) -> None:
    """Two tensors of one model with one ml4h name would share input layers and files
    (ml4h cannot hold both brain slices in one model either): refuse it by name."""
    seen: dict[str, str] = {}
    for spec in specs:
        token, name = tm_name(spec), legacy_name(spec)
        if token in seen and seen[token] != name:
            raise ValueError(f"Expected tensors with distinct ml4h names in one model, got "
                             f"{seen[token]} and {name} (both {token!r})")
        seen[token] = name
