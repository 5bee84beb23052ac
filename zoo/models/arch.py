"""The hyperparameters of ``conv_encode``/``conv_decode`` as one frozen record.

Field names and defaults are ml4h's recipe flags, so a parsed command line maps onto an
:class:`Arch` one to one (``Arch.from_namespace``).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Mapping

from fastio import ml4h_names
from fastio.spec import parse_shape
from zoo.models.blocks import as_int_list
from zoo.models.vocabulary import ACTIVATIONS, BOTTLENECKS, NORMALIZATIONS, POOL_TYPES

__all__ = ["Arch", "arch_from", "resolve_tensor"]


def _ints(value, name) -> tuple[int, ...]:
    return tuple(as_int_list(value, name))


@dataclass(frozen=True)
class Arch:
    conv_layers: tuple[int, ...] = (32,)
    conv_width: tuple[int, ...] = (71,)
    conv_x: tuple[int, ...] = (3,)
    conv_y: tuple[int, ...] = (3,)
    conv_z: tuple[int, ...] = (2,)
    dense_blocks: tuple[int, ...] = (32, 32, 32)
    dense_layers: tuple[int, ...] = (256,)
    block_size: int = 3
    pool_type: str = "max"
    pool_x: int = 2
    pool_y: int = 2
    pool_z: int = 1
    activation: str = "swish"
    dense_normalize: str | None = None
    dropout: float = 0.0
    bottleneck_type: str = "flatten_restructure"

    def __post_init__(self) -> None:
        for name in ("conv_layers", "conv_width", "conv_x", "conv_y", "conv_z", "dense_layers"):
            object.__setattr__(self, name, _ints(getattr(self, name), name))
        # An empty dense_blocks list is legal: no pooling, no dense conv blocks.
        blocks = self.dense_blocks
        object.__setattr__(self, "dense_blocks", _ints(blocks, "dense_blocks") if len(tuple(blocks)) else ())
        for name in ("block_size", "pool_x", "pool_y", "pool_z"):
            value = int(getattr(self, name))
            if value < 1:
                raise ValueError(f"Expected {name} >= 1, got {value}")
            object.__setattr__(self, name, value)
        if self.pool_type not in POOL_TYPES:
            raise ValueError(f"Expected pool_type in {POOL_TYPES}, got {self.pool_type!r}")
        if self.bottleneck_type not in BOTTLENECKS:
            raise ValueError(f"Expected bottleneck_type in {BOTTLENECKS}, got {self.bottleneck_type!r}")
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"Expected activation in {ACTIVATIONS}, got {self.activation!r}")
        normalize = self.dense_normalize if self.dense_normalize not in ("", "none") else None
        if normalize not in NORMALIZATIONS:
            raise ValueError(f"Expected dense_normalize in {NORMALIZATIONS}, got {normalize!r}")
        object.__setattr__(self, "dense_normalize", normalize)
        if not 0.0 <= float(self.dropout) < 1.0:
            raise ValueError(f"Expected dropout in [0, 1), got {self.dropout!r}")
        object.__setattr__(self, "dropout", float(self.dropout))

    @property
    def latent_dim(self) -> int:
        return self.dense_layers[-1]

    def replace(self, **changes: Any) -> "Arch":
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(self).items()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Arch":
        unknown = set(data) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise ValueError(f"Unknown architecture fields {sorted(unknown)}")
        return cls(**dict(data))

    @classmethod
    def from_namespace(cls, ns) -> "Arch":
        """Pick the architecture flags out of an argparse namespace (other flags ignored).
        A per-input ``bottleneck_type`` list (several values) is left to the caller."""
        names = [f.name for f in dataclasses.fields(cls)]
        values = {n: getattr(ns, n) for n in names if getattr(ns, n, None) is not None}
        bottleneck = values.pop("bottleneck_type", None)
        if isinstance(bottleneck, str):
            values["bottleneck_type"] = bottleneck
        elif bottleneck is not None and len(bottleneck) == 1:
            values["bottleneck_type"] = bottleneck[0]
        return cls(**values)


def resolve_tensor(spec_or_shape, name: str | None) -> tuple[tuple[int, ...], str, str, str]:
    """(shape, name, input_name, output_name) from a TensorSpec or a bare shape."""
    if hasattr(spec_or_shape, "shape") and hasattr(spec_or_shape, "input_name"):
        spec = spec_or_shape
        return tuple(spec.shape), name or ml4h_names.tm_name(spec), spec.input_name, spec.output_name
    shape = parse_shape(spec_or_shape)   # not a TensorSpec: a bare shape, checked
    if not name:
        raise ValueError("Expected a name when building from a bare shape")
    return shape, name, ml4h_names.input_layer(name), ml4h_names.output_layer(name)


def arch_from(arch: "Arch | Mapping | None", overrides: Mapping[str, Any]) -> Arch:
    """An Arch from a base (record, dict or None for the defaults) plus keyword overrides
    (``None`` means "keep the base value")."""
    if isinstance(arch, Mapping):
        arch = Arch.from_dict(arch)
    base = arch or Arch()
    overrides = {k: v for k, v in overrides.items() if v is not None}
    return base.replace(**overrides) if overrides else base
