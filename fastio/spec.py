"""The tensor vocabulary: where a tensor lives in an ml4h HDF5 file and how to read it.

A :class:`TensorSpec` is the regzoo equivalent of an ml4h TensorMap, reduced to the
facts the I/O layer needs. Specs are frozen, hashable and round-trip through plain
dictionaries (and so through YAML/JSON files and zarr attributes).
"""
from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from fastio import ml4h_names

__all__ = [
    "Normalization",
    "TensorSpec",
    "parse_normalization",
    "parse_shape",
    "instance_sort_key",
    "pick_instance",
    "INSTANCE_RULES",
    "RESIZE_RULES",
    "CODECS",
]

INSTANCE_RULES = ("first", "last")
# "top_left" is ml4h's rule (pad/crop from the top-left corner); "center" keeps the
# middle (for user specs; ml4h's heart crop is crop_dataset/crop_labels + top_left);
# "exact" refuses any size mismatch.
RESIZE_RULES = ("top_left", "center", "exact")
NORMALIZATION_KINDS = ("zscore", "standardize", "dataset_zscore", "none")
# Chosen per tensor by measured decode speed against size (benchmarks/README.md).
CODECS = ("none", "blosc-lz4", "blosc-lz4hc", "blosc-zstd", "zstd", "gzip")


@dataclass(frozen=True)
class Normalization:
    """How raw values become model inputs.

    - ``zscore``: each sample's tensor to mean 0, SD 1 (ml4h ``ZeroMeanStd1``).
    - ``standardize``: fixed ``(x - mean) / std`` (ml4h ``Standardize``; ``x / 10`` is
      ``mean=0, std=10``).
    - ``dataset_zscore``: ``(x - mean) / std`` with the cohort statistics the store
      computed during conversion.
    - ``none``: raw values.
    """

    kind: str = "zscore"
    mean: float = 0.0
    std: float = 1.0

    def __post_init__(self) -> None:
        if self.kind not in NORMALIZATION_KINDS:
            raise ValueError(
                f"Expected normalization kind in {NORMALIZATION_KINDS}, got {self.kind!r}"
            )
        if not self.std > 0:
            raise ValueError(f"Expected a positive normalization std, got {self.std!r}")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Normalization":
        return cls(**dict(data))


def parse_normalization(value: Any) -> Normalization:
    """Accept a :class:`Normalization`, a kind string or a dict."""
    if isinstance(value, Normalization):
        return value
    if isinstance(value, str):
        return Normalization(kind=value)
    if isinstance(value, Mapping):
        return Normalization.from_dict(value)
    raise ValueError(f"Expected a Normalization, kind string or mapping, got {value!r}")


def parse_shape(value: Any) -> tuple[int, ...]:
    try:
        shape = tuple(int(v) for v in value)
    except TypeError as exc:
        raise ValueError(f"Expected a shape (sequence of positive ints), got {value!r}") from exc
    if not shape or any(s <= 0 for s in shape):
        raise ValueError(f"Expected a shape of positive ints, got {value!r}")
    return shape


_NUMBER = re.compile(r"(\d+)")


def instance_sort_key(key: str) -> tuple:
    """Numeric-aware ordering: ``instance_2 < instance_10`` (plain string order says the
    opposite, which is ml4h's trap)."""
    return tuple(int(part) if part.isdigit() else part for part in _NUMBER.split(key))


def pick_instance(keys, rule: str) -> str:
    """Choose the instance key a spec reads, by its instance rule."""
    keys = sorted(keys, key=instance_sort_key)
    if not keys:
        raise KeyError("no instance keys")
    if rule == "first":
        return keys[0]
    if rule == "last":
        return keys[-1]
    raise ValueError(f"Expected instance rule in {INSTANCE_RULES}, got {rule!r}")


@dataclass(frozen=True)
class TensorSpec:
    """One tensor of the ml4h layout.

    ``dataset`` is either one dataset name or a tuple of per-channel dataset names that
    are stacked along the last axis in the given order (ECG leads). The HDF5 path of a
    single-dataset tensor is ``/{path_prefix}/{dataset}/{instance}``.
    """

    name: str
    group: str
    path_prefix: str
    dataset: str | tuple[str, ...]
    shape: tuple[int, ...]
    dtype: str = "float32"
    instance: str = "first"
    resize: str = "top_left"
    normalization: Normalization = field(default_factory=Normalization)
    codec: str = "blosc-lz4"
    description: str = ""
    # ml4h DXA rule (fastio.background): border-touching regions of this value are zeroed
    # when it covers more than background_min_pixels pixels. None: no erasing.
    background: float | None = None
    background_min_pixels: int = 20_000
    # ml4h's tm.name when it is not the dataset name (fastio.ml4h_names): "strip" for ecg_rest.
    ml4h_name: str = ""
    # ml4h's heart crop (_heart_mask_instances): a label map at
    # /{path_prefix}/{crop_dataset}/<instance>; the tensor is cut to the bounding box of
    # the pixels holding one of crop_labels before the resize rule applies.
    crop_dataset: str | None = None
    crop_labels: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if not self.name or not re.fullmatch(r"[A-Za-z0-9_]+", self.name):
            raise ValueError(f"Expected a tensor name of letters, digits and '_', got {self.name!r}")
        object.__setattr__(self, "shape", parse_shape(self.shape))
        if not isinstance(self.dataset, str):
            channels = tuple(str(d) for d in self.dataset)
            if len(channels) != self.shape[-1]:
                raise ValueError(
                    f"Tensor {self.name}: expected one dataset per channel "
                    f"({self.shape[-1]} for shape {self.shape}), got {len(channels)}"
                )
            object.__setattr__(self, "dataset", channels)
        if self.instance not in INSTANCE_RULES:
            raise ValueError(
                f"Tensor {self.name}: expected instance rule in {INSTANCE_RULES}, got {self.instance!r}"
            )
        if self.resize not in RESIZE_RULES:
            raise ValueError(
                f"Tensor {self.name}: expected resize rule in {RESIZE_RULES}, got {self.resize!r}"
            )
        if self.codec not in CODECS:
            raise ValueError(f"Tensor {self.name}: expected codec in {CODECS}, got {self.codec!r}")
        object.__setattr__(self, "normalization", parse_normalization(self.normalization))
        if self.background is not None:
            if isinstance(self.background, bool) or not math.isfinite(float(self.background)):
                raise ValueError(f"Tensor {self.name}: expected a finite background value or None, "
                                 f"got {self.background!r}")
            object.__setattr__(self, "background", float(self.background))
        if int(self.background_min_pixels) < 0:
            raise ValueError(f"Tensor {self.name}: expected background_min_pixels >= 0, "
                             f"got {self.background_min_pixels!r}")
        object.__setattr__(self, "background_min_pixels", int(self.background_min_pixels))
        if self.ml4h_name and not re.fullmatch(r"[A-Za-z0-9_]+", self.ml4h_name):
            raise ValueError(f"Tensor {self.name}: expected an ml4h name of letters, digits and '_', "
                             f"got {self.ml4h_name!r}")
        object.__setattr__(self, "crop_labels", tuple(int(v) for v in self.crop_labels))
        if bool(self.crop_dataset) != bool(self.crop_labels):
            raise ValueError(f"Tensor {self.name}: expected crop_dataset and crop_labels together, "
                             f"got {self.crop_dataset!r} and {self.crop_labels!r}")
        if self.crop_dataset and (self.per_channel or len(self.shape) < 2):
            raise ValueError(f"Tensor {self.name}: expected a label crop on a one-dataset image, "
                             f"got dataset {self.dataset!r} of shape {self.shape}")

    @property
    def full_name(self) -> str:
        """The ml4h attribute-style name, e.g. ``dxa.dxa_2``."""
        return f"{self.group}.{self.name}"

    @property
    def per_channel(self) -> bool:
        return not isinstance(self.dataset, str)

    @property
    def tm_name(self) -> str:
        """ml4h's ``tm.name`` (``dxa_1_2`` for ``dxa_2``), which names its files and layers."""
        return ml4h_names.tm_name(self)

    @property
    def dataset_name(self) -> str:
        """ml4h's ``tm.name`` by its older spelling here (``hidden_{dataset_name}_{id}.tsv``)."""
        return ml4h_names.tm_name(self)

    @property
    def input_name(self) -> str:
        """Keras input name, as ml4h spells it (``input_dxa_1_2_continuous``)."""
        return ml4h_names.input_layer(self)

    @property
    def output_name(self) -> str:
        """Keras output name, as ml4h spells it (``output_dxa_1_2_continuous``)."""
        return ml4h_names.output_layer(self)

    def hdf5_groups(self) -> tuple[str, ...]:
        """The HDF5 groups whose instance keys hold this tensor (one per channel for ECG)."""
        names = self.dataset if self.per_channel else (self.dataset,)
        return tuple(f"/{self.path_prefix}/{name}" for name in names)

    def replace(self, **changes: Any) -> "TensorSpec":
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["shape"] = list(self.shape)
        data["dataset"] = self.dataset if isinstance(self.dataset, str) else list(self.dataset)
        data["normalization"] = self.normalization.to_dict()
        data["crop_labels"] = list(self.crop_labels)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "TensorSpec":
        data = dict(data)
        unknown = set(data) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise ValueError(f"Unknown TensorSpec fields {sorted(unknown)} in {data.get('name', data)!r}")
        if isinstance(data.get("dataset"), list):
            data["dataset"] = tuple(data["dataset"])
        return cls(**data)
