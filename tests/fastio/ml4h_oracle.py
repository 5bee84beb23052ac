"""Run ml4h's own ``tensor_from_file`` over a folder of sample files (the oracle for
fastio's reading rules). Run in a subprocess with ml4h on the path:

    python tests/fastio/ml4h_oracle.py HD5_DIR OUT.npz TENSOR [TENSOR ...]

TENSOR is a catalogue name (``dxa_2``); ml4h's TensorMap is the attribute of that name in
``ml4h.tensormap.ukb.{group}``. Writes every array ml4h returned as ``{tensor}/{sample}``
in OUT.npz and a JSON list of ``[tensor, sample, error]`` for the files ml4h refused next
to it (OUT.npz.errors.json).

Importing ``ml4h.tensormap.ukb.mri_brain`` loads a CerebrA atlas NIfTI from its authors'
home folder (``/home/sam/...``) at import time; a zero volume of the atlas's cropped shape
stands in for that one file (the slice tensors read here never use it).
"""
from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import h5py
import numpy as np

ATLAS_HOME = "/home/sam/"
ATLAS_SHAPE = (176, 216, 182)  # what mri_brain crops the atlas to


def _stand_in_for_atlas() -> None:
    import nibabel

    real = nibabel.load

    def load(path, *args, **kwargs):
        if str(path).startswith(ATLAS_HOME):
            return nibabel.Nifti1Image(np.zeros(ATLAS_SHAPE, np.float32), np.eye(4))
        return real(path, *args, **kwargs)

    nibabel.load = load


def tensor_map(group: str, name: str):
    return getattr(importlib.import_module(f"ml4h.tensormap.ukb.{group}"), name)


def main(argv: list[str]) -> int:
    from fastio.catalogue import get_spec

    hd5_dir, out, names = Path(argv[0]), Path(argv[1]), argv[2:]
    _stand_in_for_atlas()
    maps = {name: tensor_map(get_spec(name).group, name) for name in names}
    arrays, errors = {}, []
    for path in sorted(hd5_dir.glob("*.hd5")):
        with h5py.File(path, "r") as hd5:
            for name, tm in maps.items():
                try:
                    arrays[f"{name}/{path.stem}"] = np.asarray(tm.tensor_from_file(tm, hd5))
                except Exception as exc:  # ml4h raises anything; the test reports it
                    errors.append([name, path.stem, f"{type(exc).__name__}: {exc}"])
    np.savez(out, **arrays)
    Path(str(out) + ".errors.json").write_text(json.dumps(errors))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
