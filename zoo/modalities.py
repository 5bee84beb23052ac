"""The modalities and their tensors as typed records: what each tensor shows (its latent
factors, strongest first), what nuisance it carries, and which registration methods remove
(part of) that nuisance — by name in :data:`zoo.registration.methods.METHODS`, checked on
construction. The phantom writes them into ``truth.json``; ``zoo reproduce`` and the zoo's
presets pair tensors with methods only as listed here (a test checks both).

DropFuse is not a store registration: it is cross-modal fusion while training a pair model
(``zoo train --pair_merge dropout``), so a tensor names its DropFuse partner instead.
No Keras here: the records are data.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from zoo.registration.methods import METHODS

__all__ = ["DROPFUSE", "MODALITIES", "TENSORS", "Modality", "ModalityTensor", "modality_of", "tensor_record"]

DROPFUSE = "dropfuse"
_COVARIATES = ("sex", "age")


@dataclass(frozen=True)
class ModalityTensor:
    """One tensor of a modality. ``methods`` remove (part of) its nuisance (``none``, the
    unregistered baseline, applies to every tensor); ``registered`` is this tensor already
    registered (ml4h's own), ``dropfuse_with`` its DropFuse partner."""

    name: str
    factors: tuple[str, ...]
    nuisance: tuple[str, ...]
    methods: tuple[str, ...]
    dropfuse_with: str | None = None
    registered: str | None = None
    covariates: tuple[str, ...] = _COVARIATES

    def __post_init__(self) -> None:
        for key in ("factors", "nuisance", "methods", "covariates"):
            object.__setattr__(self, key, tuple(getattr(self, key)))
        unknown = [m for m in self.methods if m not in METHODS]
        if unknown:
            raise ValueError(f"Tensor {self.name}: expected registration methods in {tuple(METHODS)}, got {unknown}")
        if not self.factors:
            raise ValueError(f"Tensor {self.name}: expected at least one latent factor, got none")

    def allows(self, method: str) -> bool:
        """May ``method`` register this tensor? ``none`` (the unregistered baseline) always may."""
        return method == "none" or method in self.methods

    @property
    def counterpart(self) -> str | None:
        return self.dropfuse_with or self.registered

    def to_dict(self) -> dict:
        """The record as ``truth.json`` holds it (``registration`` lists the methods, and
        ``dropfuse`` when the tensor has a DropFuse partner)."""
        return {"factors": list(self.factors), "covariates": list(self.covariates), "nuisance": list(self.nuisance),
                "registration": [*self.methods, *([DROPFUSE] if self.dropfuse_with else [])],
                "counterpart": self.counterpart}

    @classmethod
    def from_dict(cls, name: str, data) -> "ModalityTensor":
        data = dict(data)
        fused = DROPFUSE in data["registration"]
        return cls(name=name, factors=data["factors"], nuisance=data["nuisance"], covariates=data["covariates"],
                   methods=[m for m in data["registration"] if m != DROPFUSE],
                   dropfuse_with=data["counterpart"] if fused else None,
                   registered=None if fused else data["counterpart"])


@dataclass(frozen=True)
class Modality:
    """A modality: its tensors, whose names start with ``prefix``."""

    name: str
    prefix: str
    description: str
    tensors: tuple[ModalityTensor, ...]

    def __post_init__(self) -> None:
        wrong = [t.name for t in self.tensors if t.name.split("_")[0] != self.prefix]
        if wrong:
            raise ValueError(f"Modality {self.name}: expected tensor names starting with {self.prefix}_, got {wrong}")

    @property
    def methods(self) -> tuple[str, ...]:
        """Every registration method applicable to one of its tensors, in registry order."""
        used = {m for t in self.tensors for m in t.methods}
        return tuple(m for m in METHODS if m in used)

    @property
    def factors(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f for t in self.tensors for f in t.factors))

    def to_dict(self) -> dict:
        return {"name": self.name, "prefix": self.prefix, "description": self.description,
                "tensors": {t.name: t.to_dict() for t in self.tensors}}


_DXA_NUISANCE = ("view gain", "view noise")
_SCANNER = "scanner background value 252 outside the body"
_ECG_FACTORS = ("heart_rate", "conduction", "cardiac_size", "body_size")
_STRIP_NUISANCE = ("start phase", "heart-rate variability", "baseline wander", "noise")

MODALITIES: "MappingProxyType[str, Modality]" = MappingProxyType({m.name: m for m in (
    Modality("dxa", "dxa", "DXA whole-body views (bone and tissue images)", (
        ModalityTensor("dxa_2", ("body_size", "adiposity"), (*_DXA_NUISANCE, _SCANNER), (),
                       dropfuse_with="dxa_5"),
        ModalityTensor("dxa_5", ("body_size", "bone_density", "adiposity"), (*_DXA_NUISANCE, _SCANNER), (),
                       dropfuse_with="dxa_2"),
        ModalityTensor("dxa_11", ("bone_density", "body_size", "adiposity"), _DXA_NUISANCE, (),
                       dropfuse_with="dxa_12"),
        ModalityTensor("dxa_12", ("bone_density", "adiposity", "body_size"),
                       ("homography (corner offsets up to 8% of the size)", *_DXA_NUISANCE),
                       ("homography", "voxelmorph"), dropfuse_with="dxa_11"),
    )),
    Modality("ecg", "ecg", "12-lead resting ECG", (
        ModalityTensor("ecg_rest", _ECG_FACTORS, _STRIP_NUISANCE, ("median_beat",), registered="ecg_rest_median_raw_10"),
        ModalityTensor("ecg_rest_raw", _ECG_FACTORS, _STRIP_NUISANCE, ("median_beat",),
                       registered="ecg_rest_median_raw_10"),
        ModalityTensor("ecg_rest_median_raw_10", _ECG_FACTORS, ("residual noise",), (),
                       dropfuse_with="lax_4ch_heart_center"),
    )),
    Modality("cine", "lax", "cardiac MRI cine, 4-chamber long axis", (
        ModalityTensor("lax_4ch_heart_center", ("cardiac_size", "cardiac_function", "body_size"),
                       ("start phase of the cycle", "in-plane rotation and shift", "gain", "Rician noise"),
                       ("deepcycle", "voxelmorph"), dropfuse_with="ecg_rest_median_raw_10"),
    )),
    Modality("brain", "t1", "T1 brain MRI, axial slice 80", (
        ModalityTensor("t1_slice_80", ("brain_volume", "brain_atrophy"),
                       ("rotation ±20°", "shift ±15% of the field of view", "gain", "noise"),
                       ("template", "voxelmorph"), registered="t1_mni_slice_80"),
        ModalityTensor("t1_mni_slice_80", ("brain_volume", "brain_atrophy"), ("gain", "noise"), ("none",)),
    )),
)})

TENSORS: "MappingProxyType[str, ModalityTensor]" = MappingProxyType(
    {t.name: t for m in MODALITIES.values() for t in m.tensors})
_BY_PREFIX = {m.prefix: m.name for m in MODALITIES.values()}


def tensor_record(name: str) -> ModalityTensor:
    """The record of a source tensor (``dxa_12``, not a registered output)."""
    if name not in TENSORS:
        raise ValueError(f"Expected a tensor in {tuple(TENSORS)}, got {name!r}")
    return TENSORS[name]


def modality_of(tensor: str) -> str:
    """The modality (dxa, ecg, cine or brain) of a tensor or of one registered from it
    (``dxa_12_homography`` → ``dxa``), from the name's prefix."""
    prefix = tensor.split("_")[0]
    if prefix not in _BY_PREFIX:
        raise ValueError(f"Expected a tensor name starting with one of {tuple(_BY_PREFIX)}, got {tensor!r}")
    return _BY_PREFIX[prefix]
