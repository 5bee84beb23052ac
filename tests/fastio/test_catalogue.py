"""The tensor vocabulary: every tensor of ML4H_COMPAT.md, lookups, user specs."""
from __future__ import annotations

import json

import pytest

from fastio.catalogue import ECG_LEADS, get_spec, list_specs, load_specs, register_spec, resolve_specs
from fastio.spec import Normalization, TensorSpec, instance_sort_key, pick_instance

# ml4h 0.1.4's TensorMaps: attribute -> (dataset, path prefix, shape, tm.name, visit rule)
ML4H_TABLE = {
    "dxa.dxa_2": ("dxa_1_2", "ukb_dxa", (768, 768, 1), "dxa_1_2", "last"),
    "dxa.dxa_5": ("dxa_1_5", "ukb_dxa", (768, 768, 1), "dxa_1_5", "last"),
    "dxa.dxa_6": ("dxa_1_6", "ukb_dxa", (864, 768, 1), "dxa_1_6", "last"),
    "dxa.dxa_11": ("dxa_1_11", "ukb_dxa", (896, 384, 1), "dxa_1_11", "last"),
    "dxa.dxa_12": ("dxa_1_12", "ukb_dxa", (928, 352, 1), "dxa_1_12", "last"),
    "ecg.ecg_rest_median_raw_10": ("median", "ukb_ecg_rest", (600, 12), "ecg_rest_median_raw_10", "first"),
    "ecg.ecg_rest_raw": ("strip", "ukb_ecg_rest", (5000, 12), "ecg_rest_raw", "first"),
    "ecg.ecg_rest": ("strip", "ukb_ecg_rest", (5000, 12), "strip", "first"),
    "mri.lax_4ch_heart_center": ("cine_segmented_lax_4ch/2", "ukb_cardiac_mri", (96, 96, 50),
                                 "lax_4ch_heart_center", "first"),
    "mri_brain.t1_slice_80": ("axial_80", "ukb_brain_mri/T1", (216, 256, 1), "axial_80", "first"),
    "mri_brain.t1_mni_slice_80": ("axial_80", "ukb_brain_mri/T1_brain_to_MNI", (176, 216, 1), "axial_80", "first"),
}


@pytest.mark.parametrize("full_name", sorted(ML4H_TABLE))
def test_catalogue_matches_the_ml4h_table(full_name):
    dataset, prefix, shape, tm_name, instance = ML4H_TABLE[full_name]
    spec = get_spec(full_name)
    assert spec is get_spec(full_name.split(".")[1])
    assert spec.full_name == full_name and spec.path_prefix == prefix and spec.shape == shape
    assert spec.tm_name == tm_name and spec.instance == instance
    if spec.per_channel:
        assert spec.dataset == tuple(f"{dataset}_{lead}" for lead in ECG_LEADS)
        assert spec.hdf5_groups()[0] == f"/{prefix}/{dataset}_I"
    else:
        assert spec.dataset == dataset and spec.hdf5_groups() == (f"/{prefix}/{dataset}",)
    quick = get_spec(full_name, "quick")
    assert len(quick.shape) == len(shape) and quick.name == spec.name


def test_normalisations_follow_ml4h():
    assert get_spec("ecg_rest_median_raw_10").normalization == Normalization("standardize", 0.0, 10.0)
    assert get_spec("ecg_rest_raw").normalization == Normalization("standardize", 0.0, 2000.0)
    assert get_spec("dxa_2").normalization.kind == "zscore"
    assert len(list_specs()) == len(ML4H_TABLE)


def test_lookup_errors():
    with pytest.raises(KeyError, match="Unknown tensor 'nope'"):
        get_spec("nope")
    with pytest.raises(KeyError, match="belongs to group 'dxa'"):
        get_spec("ecg.dxa_2")
    with pytest.raises(ValueError, match="scale"):
        get_spec("dxa_2", "huge")


def test_heart_crop_uses_ml4h_heart_labels():
    spec = get_spec("lax_4ch_heart_center")
    assert spec.crop_dataset == "cine_segmented_lax_4ch_annotated_1" and spec.resize == "top_left"
    # ml4h's LAX_4CH_HEART_LABELS: every label but background (0), thoracic cavity (13)
    # and breast prosthesis (15)
    assert spec.crop_labels == (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14)


def test_spec_round_trip_and_validation():
    cine = get_spec("lax_4ch_heart_center")
    assert TensorSpec.from_dict(json.loads(json.dumps(cine.to_dict()))) == cine
    spec = get_spec("ecg_rest")
    assert TensorSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec
    with pytest.raises(ValueError, match="one dataset per channel"):
        spec.replace(shape=(5000, 11))
    with pytest.raises(ValueError, match="codec"):
        spec.replace(codec="lzma")
    with pytest.raises(ValueError, match="instance rule"):
        spec.replace(instance="middle")
    with pytest.raises(ValueError, match="Unknown TensorSpec fields"):
        TensorSpec.from_dict({**spec.to_dict(), "colour": 1})
    with pytest.raises(ValueError, match="crop_dataset and crop_labels together"):
        cine.replace(crop_dataset="seg", crop_labels=())
    with pytest.raises(ValueError, match="label crop on a one-dataset image"):
        spec.replace(crop_dataset="seg", crop_labels=(1,))


def test_instance_order_is_numeric():
    keys = ["instance_10", "instance_2", "instance_0"]
    assert sorted(keys, key=instance_sort_key) == ["instance_0", "instance_2", "instance_10"]
    assert pick_instance(keys, "first") == "instance_0" and pick_instance(keys, "last") == "instance_10"


@pytest.fixture()
def scratch_registry():
    """User specs registered by a test must not leak into other tests."""
    import fastio.catalogue as cat

    cat._registry()
    saved = dict(cat._REGISTRY)
    yield
    cat._REGISTRY.clear()
    cat._REGISTRY.update(saved)


def test_user_specs_from_yaml(tmp_path, scratch_registry):
    path = tmp_path / "specs.yaml"
    path.write_text(
        "tensors:\n"
        "  - {name: my_slice, group: mine, path_prefix: ukb_brain_mri/T2, dataset: axial_40,\n"
        "     shape: [64, 64, 1], normalization: {kind: none}, codec: zstd}\n"
    )
    (spec,) = load_specs(path)
    assert get_spec("mine.my_slice") == spec and spec.codec == "zstd"
    assert resolve_specs(["my_slice", spec]) == [spec, spec]
    with pytest.raises(ValueError, match="already registered"):
        register_spec(spec)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"name": "x", "group": "g", "path_prefix": "p", "dataset": "d", "shape": [0]}]))
    with pytest.raises(ValueError, match=r"bad.json: tensor entry 0"):
        load_specs(bad)
