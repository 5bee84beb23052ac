"""``--encoder_blocks`` / ``--decoder_blocks``: build fresh (``conv_encode`` /
``conv_decode``) or start from earlier runs' ``encoder_{tm.name}.keras`` /
``decoder_{tm.name}.keras`` files (fine-tuning; ml4h's names, :mod:`fastio.ml4h_names`)."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from fastio import ml4h_names
from zoo.models import load_model

__all__ = ["load_blocks", "BUILDERS"]

BUILDERS = {"encoder": "conv_encode", "decoder": "conv_decode"}


def load_blocks(entries: Sequence[str], kind: str, specs) -> dict:
    """Tensor name → loaded model for every path in ``entries``; builder names are skipped
    (those tensors get fresh blocks). As ml4h recognises a block, a path must end with
    ``{kind}_{tm.name}.keras`` for a tensor of this run (``encoder_dxa_1_2.keras``; an
    earlier run's ``encoder_dxa_2.keras`` is read too), and hold a model of that tensor
    (``encode_dxa_1_2``, or ``encoder_dxa_2`` from an earlier run)."""
    if kind not in BUILDERS:
        raise ValueError(f"Expected block kind in {tuple(BUILDERS)}, got {kind!r}")
    specs = list(specs)
    ml4h_names.check_distinct(specs)
    by_file = {f"{kind}_{token}.keras": spec for spec in specs for token in ml4h_names.block_tokens(spec)}
    out = {}
    for entry in entries or ():
        if entry == BUILDERS[kind]:
            continue
        path = Path(entry)
        # ml4h's test: the path ends with the file name (longest name first)
        spec = next((by_file[f] for f in sorted(by_file, key=len, reverse=True) if path.name.endswith(f)), None)
        if spec is None:
            if not path.name.startswith(f"{kind}_") or path.suffix != ".keras":
                raise ValueError(f"--{kind}_blocks {entry}: expected {BUILDERS[kind]} or a file named "
                                 f"{kind}_{{tm.name}}.keras")
            raise ValueError(f"--{kind}_blocks {entry}: expected a block of one of this run's tensors, "
                             f"a file named one of {sorted(by_file)}")
        model = load_model(path)
        model_of = ml4h_names.encoder_model if kind == "encoder" else ml4h_names.decoder_model
        accepted = {model_of(spec)} | {f"{kind}_{token}" for token in ml4h_names.block_tokens(spec)}
        if model.name not in accepted:
            raise ValueError(f"{path}: expected a model named {model_of(spec)}, got {model.name!r}")
        out[spec.name] = model
    return out
