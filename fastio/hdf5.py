"""Read one tensor of one ml4h sample file, as a :class:`TensorSpec` describes it.

Every way a file can be unusable raises :class:`SampleError` (a ``ValueError``) that names
the file, the tensor and what was expected, so conversion can record it instead of
skipping the sample.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

import numpy as np

from fastio.background import erase_background
from fastio.spec import TensorSpec, pick_instance

__all__ = ["SampleError", "read_tensor", "read_sample", "fit_shape", "sample_id_of"]

HDF5_SUFFIX = ".hd5"
# Also read: the same files renamed by hand or by other exporters (.HD5, .h5, .hdf5).
HDF5_SUFFIXES = (".hd5", ".h5", ".hdf5")


class SampleError(ValueError):
    """A sample file that cannot give a tensor. ``reason`` is short and stable enough to
    group failures by; the message adds the file and tensor."""

    def __init__(self, file: str | os.PathLike, tensor: str, reason: str) -> None:
        self.file, self.tensor, self.reason = str(file), tensor, reason
        super().__init__(f"{self.file}: tensor {tensor}: {reason}")


def is_sample_file(name: str) -> bool:
    """A ``{sample_id}.hd5`` name (suffix in any case, or .h5/.hdf5)."""
    return name.lower().endswith(HDF5_SUFFIXES) and Path(name).stem != ""


def sample_id_of(path: str | os.PathLike) -> str:
    """ml4h names a sample file ``{sample_id}.hd5``."""
    name = Path(path).name
    for suffix in HDF5_SUFFIXES:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return Path(path).stem


def fit_shape(x: np.ndarray, shape: tuple[int, ...], rule: str) -> np.ndarray:
    """Pad with zeros / crop every axis to ``shape``: from the top-left corner (ml4h) or
    around the centre. ``exact`` refuses any mismatch (the caller reports it)."""
    if x.shape == tuple(shape):
        return x
    if rule == "exact":
        raise ValueError(f"expected shape {tuple(shape)}, got {x.shape}")
    out = np.zeros(shape, dtype=x.dtype)
    src, dst = [], []
    for have, want in zip(x.shape, shape):
        n = min(have, want)
        if rule == "center":
            a, b = (have - n) // 2, (want - n) // 2
        elif rule == "top_left":
            a = b = 0
        else:
            raise ValueError(f"Expected resize rule top_left|center|exact, got {rule!r}")
        src.append(slice(a, a + n))
        dst.append(slice(b, b + n))
    out[tuple(dst)] = x[tuple(src)]
    return out


def _open(path: Path, tensor: str):
    import h5py

    if not path.is_file():  # h5py.is_hdf5 says False for a file that is gone
        raise SampleError(path, tensor, "file missing (listed when the conversion started; moved or deleted since)")
    try:
        if not h5py.is_hdf5(str(path)):
            raise SampleError(path, tensor, "not an HDF5 file (expected an ml4h .hd5 sample file)")
        return h5py.File(str(path), "r")
    except SampleError:
        raise
    except FileNotFoundError:
        raise SampleError(path, tensor, "file not found") from None
    except OSError as exc:
        raise SampleError(path, tensor, f"truncated or corrupt HDF5 file ({_short(exc)})") from None


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:160]


def _node(h5, path: Path, spec: TensorSpec, group_path: str):
    try:
        node = h5.get(group_path)
    except (OSError, RuntimeError, KeyError) as exc:
        raise SampleError(path, spec.name, f"truncated or corrupt HDF5 file ({_short(exc)})") from None
    if node is None:
        raise SampleError(path, spec.name, f"dataset missing: expected {group_path}/<instance>")
    return node


def _instances(node) -> list[str]:
    import h5py

    return list(node.keys()) if isinstance(node, h5py.Group) else []


def _read_dataset(h5, path: Path, spec: TensorSpec, group_path: str, instance: str | None = None) -> np.ndarray:
    """Read ``group_path/<instance>``: the given instance, or the one the spec's rule picks."""
    import h5py

    node = _node(h5, path, spec, group_path)
    if isinstance(node, h5py.Group):
        keys = _instances(node)
        if not keys:
            raise SampleError(path, spec.name, f"dataset missing: no instance dataset under {group_path}")
        if instance is None:
            instance = pick_instance(keys, spec.instance)
        elif instance not in keys:
            raise SampleError(path, spec.name, f"dataset missing: expected {group_path}/{instance} "
                              f"(the instance the other channels use), found {sorted(keys)}")
        dataset = node[instance]
        if not isinstance(dataset, h5py.Dataset):
            raise SampleError(path, spec.name, f"expected instance datasets under {group_path}, "
                              f"got a group at {dataset.name}")
    elif isinstance(node, h5py.Dataset):
        # Some exports drop the instance level; the dataset itself is then the tensor.
        dataset = node
    else:
        raise SampleError(path, spec.name, f"expected a group or dataset at {group_path}")
    if dataset.dtype.kind not in "biuf":
        raise SampleError(path, spec.name, f"expected numeric data at {dataset.name}, got dtype {dataset.dtype}")
    if dataset.size == 0:  # padding would turn it into a present all-zero tensor
        raise SampleError(path, spec.name, f"empty dataset at {dataset.name} (shape {dataset.shape})")
    try:
        return np.asarray(dataset[()])
    except (OSError, RuntimeError, ValueError) as exc:
        raise SampleError(path, spec.name, f"truncated or corrupt data at {dataset.name} ({_short(exc)})") from None


def _crop_to_labels(h5, path: Path, spec: TensorSpec, x: np.ndarray) -> np.ndarray:
    """ml4h's heart crop: rows and columns of ``x`` inside the bounding box of the label
    map's pixels that hold one of ``spec.crop_labels`` (the label map is read with the
    spec's instance rule, on its own keys, as ml4h reads it)."""
    group = f"/{spec.path_prefix}/{spec.crop_dataset}"
    labels = _read_dataset(h5, path, spec, group)
    if labels.ndim == 3 and labels.shape[-1] == 1:
        labels = labels[..., 0]
    if labels.ndim != 2:
        raise SampleError(path, spec.name, f"wrong rank at {group}: expected a 2-D label map, got shape {labels.shape}")
    rows, cols = np.nonzero(np.isin(labels, spec.crop_labels))
    if rows.size == 0:
        raise SampleError(path, spec.name, f"no heart label at {group}: expected a pixel with one of "
                          f"the labels {list(spec.crop_labels)}")
    r0, r1, c0, c1 = rows.min(), rows.max() + 1, cols.min(), cols.max() + 1
    if r1 > x.shape[0] or c1 > x.shape[1]:
        raise SampleError(path, spec.name, f"label map {group} reaches ({r1}, {c1}), outside the "
                          f"image of shape {x.shape}")
    return x[r0:r1, c0:c1]


def _from_file(h5, path: Path, spec: TensorSpec) -> np.ndarray:
    shape = tuple(spec.shape)
    if spec.per_channel:
        # Each channel (ECG lead) is a 1-D dataset; stack them in the spec's order.
        # One instance (visit) for every channel: the rule picks among all channels' keys,
        # and a channel lacking that instance is a failure, never a silent mix of visits.
        groups = spec.hdf5_groups()
        keys = {k for g in groups for k in _instances(_node(h5, path, spec, g))}
        instance = pick_instance(keys, spec.instance) if keys else None
        channels = []
        for group_path in groups:
            x = _read_dataset(h5, path, spec, group_path, instance)
            if x.ndim == 2 and 1 in x.shape:
                x = x.reshape(-1)
            if x.ndim != 1:
                raise SampleError(path, spec.name, f"wrong rank at {group_path}: expected a 1-D channel, got shape {x.shape}")
            channels.append(fit_shape(x, shape[:-1], spec.resize) if spec.resize != "exact" else x)
        lengths = {c.shape for c in channels}
        if len(lengths) != 1:
            raise SampleError(path, spec.name, f"channels of different lengths {sorted(lengths)}; expected {shape[:-1]}")
        x = np.stack(channels, axis=-1)
    else:
        x = _read_dataset(h5, path, spec, spec.hdf5_groups()[0])
        if x.ndim == len(shape) - 1 and shape[-1] == 1:
            x = x[..., np.newaxis]  # ml4h allows a missing trailing channel axis
        if x.ndim != len(shape):
            raise SampleError(
                path, spec.name,
                f"wrong rank: expected shape {shape} (or {shape[:-1]} without the channel axis), got {x.shape}",
            )
        if spec.crop_dataset:
            x = _crop_to_labels(h5, path, spec, x)
    if spec.background is not None:
        # On the image as stored, before pad/crop: the border is the scanner's border.
        x = erase_background(x, spec.background, spec.background_min_pixels)
    try:
        x = fit_shape(x, shape, spec.resize)
    except ValueError as exc:
        raise SampleError(path, spec.name, str(exc)) from None
    with np.errstate(over="ignore", invalid="ignore"):
        out = x.astype(spec.dtype, copy=False)
    if not np.isfinite(out).all():
        bad = int(np.size(out) - np.isfinite(out).sum())
        raise SampleError(path, spec.name, f"contains NaN/inf ({bad} values; expected finite values in {spec.dtype})")
    return out


def read_tensor(path: str | os.PathLike, spec: TensorSpec) -> np.ndarray:
    """Read ``spec`` from one sample file; raises :class:`SampleError` when unusable."""
    path = Path(path)
    with _open(path, spec.name) as h5:
        return _from_file(h5, path, spec)


def read_sample(path: str | os.PathLike, specs: Iterable[TensorSpec]) -> dict[str, np.ndarray | SampleError]:
    """Read every spec from one file (opened once). A value is the array, or the
    :class:`SampleError` explaining why that tensor could not be read."""
    path, specs = Path(path), list(specs)
    try:
        h5 = _open(path, specs[0].name if specs else "*")
    except SampleError as exc:
        return {s.name: SampleError(path, s.name, exc.reason) for s in specs}
    out: dict[str, np.ndarray | SampleError] = {}
    with h5:
        for spec in specs:
            try:
                out[spec.name] = _from_file(h5, path, spec)
            except SampleError as exc:
                out[spec.name] = exc
            except Exception as exc:  # anything h5py raises on a damaged file
                out[spec.name] = SampleError(path, spec.name, f"unreadable ({type(exc).__name__}: {_short(exc)})")
    return out
