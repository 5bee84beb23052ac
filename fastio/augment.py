"""Data augmentation: what to randomise (:class:`Augment`) and the per-sample draws.

Randomness is counter-based: every number a sample uses is a hash of
``(seed, epoch, tensor, store row, field)``. A sample therefore gets the same
augmentation whichever thread processes it and whatever else is in its batch, which is
what makes the loader deterministic for a seed at any thread count.

Geometric augmentation applies to images (rank-3 tensors, H × W × C, channels such as
cine frames share one transform); time shift and per-lead amplitude apply to signals
(rank-2 tensors, T × C, e.g. ECG leads). Intensity scale/shift and Gaussian noise apply
to every tensor, in normalised units.

When one tensor is both a model input and its target (an autoencoder), the two kinds
are treated differently. *Geometric* augmentation (translate, flips, rotate, zoom,
time shift) moves values: the model cannot know where the sample was before, so the
target is moved the same way. *Value* augmentation (intensity scale/shift, per-lead
amplitude, noise) corrupts values: the target stays clean, so the model learns to undo
it rather than to reproduce it (:attr:`Augment.corrupts_values`).
"""
from __future__ import annotations

import dataclasses
import math
import zlib
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

__all__ = ["Augment", "BatchParams", "draw_params", "identity_params", "noise_table", "parse_augment",
           "hash_uniform", "table_size_for"]

NOISE_TABLE_SIZE = 1 << 20  # float32 standard normals (4 MiB), read sequentially


@dataclass(frozen=True)
class Augment:
    """Augmentation ranges; every draw is uniform in the given symmetric range.

    translate: max shift as a fraction of each image side (a random crop/pad).
    flip_lr, flip_ud: flip left-right / up-down with probability 1/2.
    rotate: max rotation in degrees.  zoom: max relative scale change (1 ± zoom).
    intensity_scale: multiplicative factor 1 ± intensity_scale (after normalisation).
    intensity_shift: additive offset ± intensity_shift (normalised units).
    noise: SD of additive Gaussian noise (normalised units).
    time_shift: max circular shift of a signal as a fraction of its length.
    amplitude: per-channel (per-lead) amplitude factor 1 ± amplitude.
    """

    translate: float = 0.0
    flip_lr: bool = False
    flip_ud: bool = False
    rotate: float = 0.0
    zoom: float = 0.0
    intensity_scale: float = 0.0
    intensity_shift: float = 0.0
    noise: float = 0.0
    time_shift: float = 0.0
    amplitude: float = 0.0

    def __post_init__(self) -> None:
        for name, upper in (("translate", 1.0), ("rotate", 180.0), ("zoom", 0.9),
                            ("intensity_scale", 0.99), ("intensity_shift", math.inf),
                            ("noise", math.inf), ("time_shift", 1.0), ("amplitude", 0.99)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= upper:
                raise ValueError(f"Augment.{name}: expected a number in [0, {upper}], got {value!r}")
            object.__setattr__(self, name, float(value))
        for name in ("flip_lr", "flip_ud"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise ValueError(f"Augment.{name}: expected a bool, got {getattr(self, name)!r}")
            object.__setattr__(self, name, bool(getattr(self, name)))

    @property
    def geometric(self) -> bool:
        return bool(self.translate or self.flip_lr or self.flip_ud or self.rotate or self.zoom)

    @property
    def temporal(self) -> bool:
        return bool(self.time_shift or self.amplitude)

    @property
    def corrupts_values(self) -> bool:
        """Intensity scale/shift, per-lead amplitude or noise: a target of the same
        tensor must then be computed without them (the geometry alone)."""
        return bool(self.intensity_scale or self.intensity_shift or self.noise or self.amplitude)

    @property
    def active(self) -> bool:
        return any(bool(v) for v in dataclasses.astuple(self))

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Augment":
        unknown = set(data) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise ValueError(f"Unknown Augment fields {sorted(unknown)}; expected some of "
                             f"{[f.name for f in dataclasses.fields(cls)]}")
        return cls(**dict(data))


def parse_augment(value: Any) -> Augment | None:
    """None, an :class:`Augment` or a dict of its fields."""
    if value is None or isinstance(value, Augment):
        return value
    if isinstance(value, Mapping):
        return Augment.from_dict(value)
    raise ValueError(f"Expected augment to be None, an Augment or a dict, got {type(value).__name__}")


# --- counter-based random numbers -------------------------------------------------------

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _mix(z: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser, vectorised (uint64 arithmetic wraps, as intended)."""
    z = z.copy()
    z ^= z >> np.uint64(30)
    z *= _M1
    z ^= z >> np.uint64(27)
    z *= _M2
    z ^= z >> np.uint64(31)
    return z


def _key(*parts: int) -> np.ndarray:
    h = np.zeros(1, dtype=np.uint64)
    for part in parts:
        h = _mix(h ^ np.uint64(part & 0xFFFFFFFFFFFFFFFF) + _GOLDEN)
    return h


def hash_uniform(seed: int, epoch: int, stream: int, rows: np.ndarray, n_fields: int) -> np.ndarray:
    """Uniform [0, 1) numbers, shape (len(rows), n_fields), each a pure function of
    (seed, epoch, stream, row, field)."""
    key = _key(seed, epoch, stream)
    rows = np.asarray(rows, dtype=np.uint64).reshape(-1, 1)
    fields = np.arange(n_fields, dtype=np.uint64).reshape(1, -1)
    h = _mix(_mix(rows * _GOLDEN ^ key) + fields * _GOLDEN)
    return (h >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))


def tensor_stream(name: str) -> int:
    """A stable per-tensor stream id, so two tensors of one sample draw independently."""
    return zlib.crc32(name.encode("utf-8"))


def noise_table(seed: int, size: int = NOISE_TABLE_SIZE) -> np.ndarray:
    """Standard normals the kernels read sequentially from a random per-sample offset.
    A sample of m values needs ``size >= m``; samples overlap in the table, shifted."""
    rng = np.random.default_rng([int(seed), 0x5EED])
    return rng.standard_normal(int(size), dtype=np.float32)


def table_size_for(sample_size: int) -> int:
    """A table at least twice the largest sample, so offsets have room to vary."""
    return max(NOISE_TABLE_SIZE, 2 * int(sample_size))


@dataclass(frozen=True)
class BatchParams:
    """Per-sample draws for one tensor of one batch (arrays indexed by batch slot)."""

    matrix: np.ndarray      # (B, 2, 3) output pixel -> source coordinate, images only
    warp: np.ndarray        # (B,) bool: the geometric transform is not the identity
    roll: np.ndarray        # (B,) int time shift, signals only
    chan_scale: np.ndarray  # (B, C) per-channel amplitude, signals only
    scale: np.ndarray       # (B,) intensity factor
    shift: np.ndarray       # (B,) intensity offset
    offset: np.ndarray      # (B,) noise-table offset
    sigma: float


_N_FIELDS = 10  # fields of hash_uniform used per sample (channels come from a second stream)


def identity_params(b: int, shape: tuple[int, ...]) -> BatchParams:
    """What :func:`draw_params` gives ``b`` samples of a tensor without augmentation (no
    transform, intensity 1 + 0, no noise, so the noise offsets are 0), without hashing a
    draw per sample: the loader's per-batch work for a plain tensor."""
    matrix = np.zeros((b, 2, 3))
    matrix[:, 0, 0] = matrix[:, 1, 1] = 1.0
    return BatchParams(matrix, np.zeros(b, dtype=bool), np.zeros(b, dtype=np.int64), np.ones((b, shape[-1])),
                       np.ones(b), np.zeros(b), np.zeros(b, dtype=np.int64), 0.0)


def draw_params(aug: Augment | None, shape: tuple[int, ...], seed: int, epoch: int,
                name: str, rows: np.ndarray, table_size: int = NOISE_TABLE_SIZE) -> BatchParams:
    """Draw every sample's augmentation for tensor ``name`` of the given sample shape
    (noise offsets leave room for the whole sample in a table of ``table_size``)."""
    rows = np.asarray(rows, dtype=np.int64)
    b = rows.size
    aug = aug or Augment()
    stream = tensor_stream(name)
    u = hash_uniform(seed, epoch, stream, rows, _N_FIELDS)
    sym = 2.0 * u - 1.0  # uniform [-1, 1)
    matrix = np.zeros((b, 2, 3))
    matrix[:, 0, 0] = matrix[:, 1, 1] = 1.0
    warp = np.zeros(b, dtype=bool)
    roll = np.zeros(b, dtype=np.int64)
    n_chan = shape[-1]
    chan_scale = np.ones((b, n_chan))
    if len(shape) == 3 and aug.geometric:
        n_h, n_w = shape[0], shape[1]
        flip_y = np.where(aug.flip_ud & (u[:, 0] < 0.5), -1.0, 1.0)
        flip_x = np.where(aug.flip_lr & (u[:, 1] < 0.5), -1.0, 1.0)
        theta = np.deg2rad(aug.rotate * sym[:, 2])
        zoom = 1.0 + aug.zoom * sym[:, 3]
        t_y = aug.translate * n_h * sym[:, 4]
        t_x = aug.translate * n_w * sym[:, 5]
        c_y, c_x = (n_h - 1) / 2.0, (n_w - 1) / 2.0
        cos, sin = np.cos(theta), np.sin(theta)
        # Inverse of (rotate ∘ zoom ∘ flip about the centre, then translate):
        # source = F · R(−θ) / zoom · (out − centre − t) + centre.
        a = np.empty((b, 2, 2))
        a[:, 0, 0] = flip_y * cos / zoom
        a[:, 0, 1] = flip_y * sin / zoom
        a[:, 1, 0] = -flip_x * sin / zoom
        a[:, 1, 1] = flip_x * cos / zoom
        cy, cx = c_y + t_y, c_x + t_x
        matrix[:, :, :2] = a
        matrix[:, 0, 2] = c_y - (a[:, 0, 0] * cy + a[:, 0, 1] * cx)
        matrix[:, 1, 2] = c_x - (a[:, 1, 0] * cy + a[:, 1, 1] * cx)
        identity = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
        warp = ~np.all(np.isclose(matrix, identity, rtol=0.0, atol=1e-12), axis=(1, 2))
    if len(shape) == 2 and aug.temporal:
        n_t = shape[0]
        roll = np.rint(aug.time_shift * n_t * sym[:, 6]).astype(np.int64)
        if aug.amplitude:
            v = hash_uniform(seed, epoch, stream ^ 0xA5A5A5A5, rows, n_chan)
            chan_scale = 1.0 + aug.amplitude * (2.0 * v - 1.0)
    scale = 1.0 + aug.intensity_scale * sym[:, 7]
    shift = aug.intensity_shift * sym[:, 8]
    room = max(int(table_size) - int(np.prod(shape)) + 1, 1)
    offset = (u[:, 9] * room).astype(np.int64)
    return BatchParams(matrix, warp, roll, chan_scale, scale, shift, offset, aug.noise)
