"""What :class:`fastio.loader.LoaderCore` holds for each tensor it loads, and how the
tensors and their augmentations are named by the caller."""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from fastio import augment as _aug
from fastio._kernels import api as _k
from fastio.catalogue import short_name
from fastio.reader import ChunkReader
from fastio.spec import TensorSpec

__all__ = ["LoadedTensor", "per_tensor_augment", "resolve_spec"]


class LoadedTensor:
    """Everything the hot path needs about one requested tensor."""

    @property
    def per_sample(self) -> bool:
        """Whether the loader handles this tensor's samples one by one (decoded, moved by
        augmentation, or with a target of their own) rather than gathered in one call."""
        aug = self.augment
        moves = aug is not None and ((len(self.shape) == 3 and aug.geometric)
                                     or (len(self.shape) == 2 and aug.temporal))
        return not self.in_place or moves or self.clean_target

    def __init__(self, view, spec: TensorSpec, reader: ChunkReader, augment: _aug.Augment | None):
        self.spec = spec
        self.name = spec.name
        self.shape = spec.shape
        self.reader = reader
        self.augment = augment if augment is not None and augment.active else None
        norm = spec.normalization
        self.code = _k.NORM_CODES[norm.kind]
        self.mean, self.std = norm.mean, norm.std
        if norm.kind == "dataset_zscore":
            stats = view.stats(spec.name)
            if not stats or "mean" not in stats or not stats.get("std", 0) > 0:
                raise ValueError(f"{view.path}: tensor {spec.name} uses dataset_zscore but the store "
                                 f"has no usable stats (got {stats})")
            self.mean, self.std = float(stats["mean"]), float(stats["std"])
        self.present = np.asarray(view.present(spec.name), dtype=bool)
        self.native = reader.dtype != np.float32
        # float32 stored uncompressed: the kernels read the sample from the file's mapping
        self.in_place = not self.native and reader.direct and reader.layout.compressor is None
        # A per-sample z-score's (mean, 1/(SD + eps)) per stored row, memoised on first
        # read (zeros: not yet): later epochs skip the statistics pass. The stored bytes
        # do not change under an open loader (its readers cache shard indexes too).
        self.moments = np.zeros((len(reader), 2)) if self.code == 2 else None
        # Set by the loader when this tensor is also an output and its augmentation
        # corrupts values: the target then gets its own, clean buffer.
        self.clean_target = False


def resolve_spec(view, item) -> TensorSpec:
    if isinstance(item, TensorSpec):
        stored = view.spec(item.name)
        if tuple(stored.shape) != tuple(item.shape):
            raise ValueError(f"{view.path}: tensor {item.name} is stored with shape {stored.shape}, "
                             f"the given spec expects {item.shape}")
        return item
    if not isinstance(item, str):
        raise ValueError(f"Expected a tensor name or TensorSpec, got {item!r}")
    return view.spec(short_name(item))


def per_tensor_augment(augment, names: Sequence[str], known: Sequence[str]) -> dict[str, _aug.Augment | None]:
    """One Augment for all inputs, or a mapping tensor name → Augment/dict (names of
    other store tensors are allowed so one mapping can serve several loaders)."""
    if isinstance(augment, Mapping) and augment and all(
            isinstance(v, (_aug.Augment, Mapping)) or v is None for v in augment.values()):
        unknown = set(augment) - set(known)
        if unknown:
            raise ValueError(f"Expected augment keys to be tensor names of the store {sorted(known)}, "
                             f"got {sorted(unknown)}")
        return {n: _aug.parse_augment(augment.get(n)) for n in names}
    aug = _aug.parse_augment(augment)
    return {n: aug for n in names}
