"""``--encoder_blocks`` / ``--decoder_blocks``: build fresh (``conv_encode`` /
``conv_decode``) or start from earlier runs' ``encoder_{tensor}.keras`` /
``decoder_{tensor}.keras`` files (fine-tuning)."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

__all__ = ["load_blocks", "BUILDERS"]

BUILDERS = {"encoder": "conv_encode", "decoder": "conv_decode"}


def load_blocks(entries: Sequence[str], kind: str, specs) -> dict:
    """Tensor name → loaded model for every path in ``entries``; builder names are skipped
    (those tensors get fresh blocks). A file must be named ``{kind}_{tensor}.keras`` for a
    tensor of this run, and hold a model of that name."""
    from zoo.models import load_model

    if kind not in BUILDERS:
        raise ValueError(f"Expected block kind in {tuple(BUILDERS)}, got {kind!r}")
    names = {s.name for s in specs}
    out = {}
    for entry in entries or ():
        if entry == BUILDERS[kind]:
            continue
        path = Path(entry)
        if not path.name.startswith(f"{kind}_") or path.suffix != ".keras":
            raise ValueError(f"--{kind}_blocks {entry}: expected {BUILDERS[kind]} or a file named "
                             f"{kind}_{{tensor}}.keras")
        tensor = path.stem[len(kind) + 1:]
        if tensor not in names:
            raise ValueError(f"--{kind}_blocks {entry}: tensor {tensor!r} is not among this run's "
                             f"tensors {sorted(names)}")
        model = load_model(path)
        if model.name != f"{kind}_{tensor}":
            raise ValueError(f"{path}: expected a model named {kind}_{tensor}, got {model.name!r}")
        out[tensor] = model
    return out
