"""What the steps of the registration methods share (:mod:`zoo.registration.method` has
the protocol): the spec of an extra output, the template a user gives, and the fitted
state a rerun reloads from the work folder."""
from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from fastio.safefs import atomic_output, atomic_write_text
from fastio.spec import Normalization, TensorSpec

if TYPE_CHECKING:  # annotations only; numpy itself loads where a step runs
    import numpy as np

__all__ = ["TEMPLATE_HELP", "extra_spec", "load_template", "save_json", "save_npy"]

TEMPLATE_HELP = ("a tensor of the store (its mean image) or a .npy/.png file; default: built from the data "
                 "(iterated mean) or learned")


def extra_spec(spec: TensorSpec, name: str, shape, description: str) -> TensorSpec:
    """A float32 side output of a registration (transforms, flows, phases)."""
    # a plain array of the store: none of the source's reading rules (label crop, scanner
    # background, ml4h name) applies to it
    return spec.replace(name=name, shape=tuple(shape), dataset=name, normalization=Normalization("none"),
                        codec="zstd", resize="exact", description=description, crop_dataset=None,
                        crop_labels=(), background=None, ml4h_name="")


def load_template(template, store, spec: TensorSpec) -> np.ndarray | None:
    """``template`` is None (build from data), a ``.npy``/image file path, or the name of a
    store tensor whose mean over present samples is the template (e.g. an MNI-space tensor)."""
    if template is None:
        return None
    import numpy as np  # here, not at import: the method registry loads this module
    if template in store:
        arr, mask = store[template], store.present(template)
        total, count = None, 0
        for block in range(store.n_blocks()):
            a, b = store.block_range(block)
            rows = np.flatnonzero(mask[a:b])
            if rows.size:
                x = np.asarray(arr[a:b], dtype=np.float64)[rows]
                total = x.sum(0) if total is None else total + x.sum(0)
                count += rows.size
        if not count:
            raise ValueError(f"{store.path}: template tensor {template!r} has no present samples")
        return (total / count).astype(np.float32)
    path = Path(template)
    if not path.is_file():
        raise ValueError(
            f"Expected --template to be a tensor of {store.path} ({', '.join(store.tensors)}) or an "
            f"existing .npy/.png file, got {template!r}"
        )
    if path.suffix.lower() == ".npy":
        return np.load(path).astype(np.float32)
    import cv2

    img = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    if img is None:
        raise ValueError(f"{path}: could not read the template image (expected .npy or an image file)")
    return img.astype(np.float32)


def save_json(path: Path, data) -> None:
    atomic_write_text(path, json.dumps(data, indent=1, sort_keys=True, default=str))


def save_npy(path: Path, array: np.ndarray) -> None:
    """Fitted state a rerun reloads: whole or absent, never a truncated ``.npy``."""
    import numpy as np

    with atomic_output(path) as tmp, open(tmp, "wb") as fh:
        np.save(fh, array)
