"""The catalogue of known tensors: every tensor of ML4H_COMPAT.md, looked up by name.

Specs are data. Each entry exists at two scales: ``full`` (the UK Biobank shapes) and
``quick`` (reduced resolutions that the phantom cohort renders so that CPU training is
practical). Users add their own specs with :func:`register_spec` or a YAML/JSON file
(:func:`load_specs`).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable

from fastio.scales import SCALES
from fastio.spec import Normalization, TensorSpec

__all__ = [
    "DXA_CODEC",
    "ECG_CODEC",
    "ECG_LEADS",
    "IMAGE_CODEC",
    "LAX_4CH_LABELS",
    "LAX_4CH_HEART_LABELS",
    "SCALES",
    "short_name",
    "get_spec",
    "list_specs",
    "register_spec",
    "load_specs",
    "resolve_specs",
]

# ml4h's channel order for 12-lead resting ECGs.
ECG_LEADS = ("I", "II", "III", "V1", "V2", "V3", "V4", "V5", "V6", "aVF", "aVL", "aVR")

# ml4h's 4-chamber long-axis segmentation labels (defines.MRI_LAX_4CH_SEGMENTED_CHANNEL_MAP)
# and the ones its heart crop keeps (LAX_4CH_HEART_LABELS: all but background, thoracic
# cavity and breast prosthesis).
LAX_4CH_LABELS = {
    "background": 0, "RV_free_wall": 1, "RA_free_wall": 2, "LA_free_wall": 3, "LV_anterolateral_wall": 4,
    "interventricular_septum": 5, "interatrial_septum": 6, "crista_terminalis": 7, "RA_cavity": 8,
    "RV_cavity": 9, "LA_cavity": 10, "LV_cavity": 11, "descending_aorta": 12, "thoracic_cavity": 13,
    "ascending_aorta": 14, "breast_prosthesis": 15,
}
LAX_4CH_HEART_LABELS = {k: v for k, v in LAX_4CH_LABELS.items()
                        if k not in ("background", "thoracic_cavity", "breast_prosthesis")}

_ZSCORE = Normalization("zscore")

# The default codec is chosen per tensor by the loader benchmark (benchmarks/results/loader.md):
# the loader should run at >= half the rate of a bare memmap gather of the same bytes, i.e.
# spend at most 4x the gather's CPU per sample over its two threads (2x while another job
# holds one of two cores). Uncompressed tensors ("none") carry a crc32c per sample, checked
# on a row's first read, so a garbled sample is still an error. `fastio convert --codec`
# chooses otherwise; stores written with any codec read the same.
# ECG signals: decoding a 5000x12 strip with lz4 alone costs 47 µs of a 48-60 µs budget;
# with blosc-lz4 or blosc-lz4hc the loader reads a strip at 0.25-0.47x, uncompressed at
# 0.9-1.3x. The price is 2.5-2.7x the disk (240 kB a full strip, ~12 GB per 50,000 ECGs
# against 4.5-4.8 GB).
ECG_CODEC = "none"
# DXA images: lz4-decoding a 768x768 image costs 2.7x the gather's whole read, so with
# blosc-lz4 the loader reaches 0.6-0.7x on two free cores but only 0.33-0.6x while another
# job holds a core; uncompressed it reads 0.93-1.46x, quiet or loaded. The price is the
# largest of any tensor, because DXA compresses well: blosc-lz4 stores the phantom's
# 768x768 views 16-17x smaller, its 896x384/928x352 views 2.3x, fastio.synthetic's
# 768x768 images 9.8x; a 768x768 image takes 2.36 MB instead of 0.14-0.24 MB, 118 GB per 50,000
# images of one view instead of 7-12 GB (fastio/STORE.md, "Codecs": a store larger than
# the page cache may be better converted with --codec dxa_2=blosc-lz4).
DXA_CODEC = "none"
# Brain MRI slices and the cardiac cine keep lz4: the loader benchmark has no row for them,
# so no measurement says otherwise.
IMAGE_CODEC = "blosc-lz4"


def _entry(spec: TensorSpec, quick_shape: tuple[int, ...]) -> dict[str, TensorSpec]:
    return {"full": spec, "quick": spec.replace(shape=quick_shape)}


def _dxa(view: int, shape, quick) -> dict[str, TensorSpec]:
    full = _entry(
        TensorSpec(
            name=f"dxa_{view}", group="dxa", path_prefix="ukb_dxa", dataset=f"dxa_1_{view}",
            shape=shape, normalization=_ZSCORE, codec=DXA_CODEC, background=252.0, instance="last",
            description=f"DXA view {view}, last visit, per-image z-score, scanner background (252) erased",
        ),
        quick,
    )
    # ml4h's 20,000-pixel threshold is for full-resolution images: scale it by area.
    area = (quick[0] * quick[1]) / (shape[0] * shape[1])
    full["quick"] = full["quick"].replace(background_min_pixels=round(20_000 * area))
    return full


def _ecg(name, kind, shape, quick, normalization, description, ml4h_name="") -> dict[str, TensorSpec]:
    return _entry(
        TensorSpec(
            name=name, group="ecg", path_prefix="ukb_ecg_rest",
            dataset=tuple(f"{kind}_{lead}" for lead in ECG_LEADS), shape=shape,
            normalization=normalization, codec=ECG_CODEC, description=description,
            ml4h_name=ml4h_name,
        ),
        quick,
    )


def _brain(name, prefix, shape, quick, description) -> dict[str, TensorSpec]:
    return _entry(
        TensorSpec(
            name=name, group="mri_brain", path_prefix=prefix, dataset="axial_80",
            shape=shape, normalization=_ZSCORE, codec=IMAGE_CODEC, description=description,
        ),
        quick,
    )


def _builtin() -> dict[str, dict[str, TensorSpec]]:
    entries = {
        "dxa_2": _dxa(2, (768, 768, 1), (128, 128, 1)),
        "dxa_5": _dxa(5, (768, 768, 1), (128, 128, 1)),
        "dxa_6": _dxa(6, (864, 768, 1), (144, 128, 1)),
        "dxa_11": _dxa(11, (896, 384, 1), (112, 48, 1)),
        "dxa_12": _dxa(12, (928, 352, 1), (120, 48, 1)),
        "ecg_rest_median_raw_10": _ecg(
            "ecg_rest_median_raw_10", "median", (600, 12), (120, 12),
            Normalization("standardize", 0.0, 10.0), "12-lead median beat (1.2 s), x / 10",
        ),
        "ecg_rest_raw": _ecg(
            "ecg_rest_raw", "strip", (5000, 12), (1000, 12),
            Normalization("standardize", 0.0, 2000.0), "12-lead 10 s strip, x / 2000",
        ),
        "ecg_rest": _ecg(
            "ecg_rest", "strip", (5000, 12), (1000, 12), _ZSCORE,
            "12-lead 10 s strip, per-tensor z-score", ml4h_name="strip",
        ),
        "lax_4ch_heart_center": _entry(
            TensorSpec(
                name="lax_4ch_heart_center", group="mri", path_prefix="ukb_cardiac_mri",
                dataset="cine_segmented_lax_4ch/2", shape=(96, 96, 50),
                normalization=_ZSCORE, codec=IMAGE_CODEC, ml4h_name="lax_4ch_heart_center",
                crop_dataset="cine_segmented_lax_4ch_annotated_1",
                crop_labels=tuple(LAX_4CH_HEART_LABELS.values()),
                description="4-chamber long-axis cine, 50 frames, cut to the heart labels' "
                            "bounding box (frame 1's segmentation), padded from the top-left",
            ),
            (48, 48, 16),
        ),
        "t1_slice_80": _brain(
            "t1_slice_80", "ukb_brain_mri/T1", (216, 256, 1), (56, 64, 1),
            "native T1 brain MRI, axial slice 80",
        ),
        "t1_mni_slice_80": _brain(
            "t1_mni_slice_80", "ukb_brain_mri/T1_brain_to_MNI", (176, 216, 1), (48, 56, 1),
            "T1 brain MRI registered to MNI space, axial slice 80",
        ),
    }
    return entries


_REGISTRY: dict[str, dict[str, TensorSpec]] = {}


def _registry() -> dict[str, dict[str, TensorSpec]]:
    if not _REGISTRY:
        _REGISTRY.update(_builtin())
    return _REGISTRY


def short_name(name: str | TensorSpec) -> str:
    """``dxa.dxa_2`` → ``dxa_2`` (the two name the same tensor); a TensorSpec → its name."""
    if isinstance(name, TensorSpec):
        return name.name
    return str(name).rsplit(".", 1)[-1]


def get_spec(name: str | TensorSpec, scale: str = "full") -> TensorSpec:
    """Look a tensor up by ``group.name`` or ``name`` at a scale (``full`` or ``quick``)."""
    if isinstance(name, TensorSpec):
        return name
    if scale not in SCALES:
        raise ValueError(f"Expected scale in {SCALES}, got {scale!r}")
    registry = _registry()
    short = short_name(name)
    if short not in registry:
        raise KeyError(
            f"Unknown tensor {name!r}. Expected one of: {', '.join(sorted(registry))} "
            "(or register your own with fastio.register_spec / fastio.load_specs)"
        )
    spec = registry[short][scale]
    if "." in name and name.split(".", 1)[0] != spec.group:
        raise KeyError(f"Unknown tensor {name!r}: {short} belongs to group {spec.group!r}")
    return spec


def list_specs(scale: str = "full") -> list[TensorSpec]:
    return [get_spec(name, scale) for name in sorted(_registry())]


def register_spec(
    spec: TensorSpec, quick: TensorSpec | None = None, *, overwrite: bool = False
) -> TensorSpec:
    """Add a user spec; ``quick`` defaults to the same spec. A duplicate name is an error."""
    registry = _registry()
    if spec.name in registry and not overwrite:
        raise ValueError(f"Tensor {spec.name!r} is already registered (pass overwrite=True)")
    registry[spec.name] = {"full": spec, "quick": quick or spec}
    return spec


def load_specs(path: str | Path, *, register: bool = True) -> list[TensorSpec]:
    """Read specs from a YAML or JSON file: a list of TensorSpec dictionaries, or a
    mapping with a ``tensors`` list."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml

        data = yaml.safe_load(text)
    else:
        data = json.loads(text)
    if isinstance(data, dict):
        data = data.get("tensors")
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a list of tensor specs (or {{tensors: [...]}}), got {type(data).__name__}")
    specs = []
    for i, item in enumerate(data):
        try:
            specs.append(TensorSpec.from_dict(item))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{path}: tensor entry {i}: {exc}") from exc
    if register:
        for spec in specs:
            register_spec(spec, overwrite=True)
    return specs


def resolve_specs(names: Iterable[str | TensorSpec], scale: str = "full") -> list[TensorSpec]:
    return [get_spec(n, scale) for n in names]
