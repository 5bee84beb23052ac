"""Files in ml4h's own layout (two visits, the cardiac cine with its segmentation, the ECG
text) read by fastio with known answers: ml4h's rule per tensor."""
from __future__ import annotations

import h5py
import numpy as np
import pytest

from .convert_fixtures import write_h5
from fastio.catalogue import ECG_LEADS, LAX_4CH_HEART_LABELS, LAX_4CH_LABELS, get_spec
from fastio.hdf5 import SampleError, read_tensor


def _dxa(rng, shape, body):
    """A DXA export: non-negative integer pixels, the scanner background 252 around a body."""
    img = np.full(shape, 252, dtype=np.uint16)
    r, c = body
    img[r, c] = rng.integers(300, 2000, size=img[r, c].shape)
    return img


def test_dxa_reads_the_last_visit_in_numeric_order(tmp_path):
    spec = get_spec("dxa_2", "quick")  # (128, 128, 1), background threshold 555 pixels
    rng = np.random.default_rng(0)
    body = (slice(10, 120), slice(30, 90))
    visits = {k: _dxa(rng, spec.shape[:2], body) for k in ("instance_0", "instance_1", "instance_2", "instance_10")}
    path = write_h5(tmp_path / "1.hd5", {f"ukb_dxa/dxa_1_2/{k}": v for k, v in visits.items()})
    expected = np.zeros(spec.shape, np.float32)
    expected[body] = visits["instance_10"][body][..., None]  # last by number; string max says instance_2
    np.testing.assert_array_equal(read_tensor(path, spec), expected)


def test_two_visits_ecg_reads_instance_0_and_ignores_the_text(tmp_path):
    spec = get_spec("ecg_rest", "quick")
    rng = np.random.default_rng(1)
    data = {}
    for visit in ("instance_0", "instance_1"):
        data[visit] = rng.integers(-900, 900, size=(spec.shape[0], 12)).astype(np.float32)
    sets = {f"ukb_ecg_rest/strip_{lead}/{v}": x[:, c] for v, x in data.items() for c, lead in enumerate(ECG_LEADS)}
    path = write_h5(tmp_path / "2.hd5", sets)
    with_text = tmp_path / "3.hd5"
    write_h5(with_text, sets)
    with h5py.File(with_text, "a") as h5:
        h5.create_dataset("ukb_ecg_rest/ecg_rest_text/instance_0", data="Sinus rhythm", dtype=h5py.string_dtype())
    for p in (path, with_text):
        np.testing.assert_array_equal(read_tensor(p, spec), data["instance_0"])


def _cine_file(path, cine, labels, cine_key="instance_0", label_key="instance_0"):
    return write_h5(path, {
        f"ukb_cardiac_mri/cine_segmented_lax_4ch/2/{cine_key}": cine,
        f"ukb_cardiac_mri/cine_segmented_lax_4ch_annotated_1/{label_key}": labels,
    })


def test_cine_is_cut_to_the_heart_labels_and_padded_from_the_top_left(tmp_path):
    spec = get_spec("lax_4ch_heart_center").replace(shape=(10, 8, 4))
    rng = np.random.default_rng(2)
    cine = rng.integers(0, 500, size=(20, 24, 6)).astype(np.int16)
    labels = np.zeros((20, 24), np.uint8)
    labels[1:19, 1:23] = LAX_4CH_LABELS["thoracic_cavity"]  # around the heart: not cropped to
    labels[5:13, 7:12] = LAX_4CH_HEART_LABELS["LV_cavity"]
    labels[9, 15] = LAX_4CH_HEART_LABELS["RA_cavity"]  # widens the box to columns 7..15
    expected = np.zeros(spec.shape, np.float32)
    expected[:8, :8] = cine[5:13, 7:15, :4]  # 8 rows padded to 10; 9 columns cut to 8; frames 0..3
    path = _cine_file(tmp_path / "4.hd5", cine, labels)
    np.testing.assert_array_equal(read_tensor(path, spec), expected)
    # the label map and the cine each read their own first visit
    path = _cine_file(tmp_path / "5.hd5", cine, labels, cine_key="instance_1", label_key="instance_0")
    np.testing.assert_array_equal(read_tensor(path, spec), expected)


def test_cine_without_a_heart_label_is_an_error_naming_file_and_tensor(tmp_path):
    spec = get_spec("lax_4ch_heart_center", "quick")
    labels = np.full((64, 64), LAX_4CH_LABELS["thoracic_cavity"], np.uint8)
    path = _cine_file(tmp_path / "6.hd5", np.ones((64, 64, 16), np.int16), labels)
    with pytest.raises(SampleError, match=r"6\.hd5: tensor lax_4ch_heart_center: no heart label"):
        read_tensor(path, spec)


def test_cine_without_its_segmentation_names_the_expected_path(tmp_path):
    spec = get_spec("lax_4ch_heart_center", "quick")
    path = write_h5(tmp_path / "7.hd5", {"ukb_cardiac_mri/cine_segmented_lax_4ch/2/instance_0": np.ones((64, 64, 16))})
    with pytest.raises(SampleError, match="cine_segmented_lax_4ch_annotated_1/<instance>"):
        read_tensor(path, spec)


def test_label_box_outside_the_cine_is_an_error(tmp_path):
    spec = get_spec("lax_4ch_heart_center", "quick")
    labels = np.zeros((64, 64), np.uint8)
    labels[40:60, 10:20] = LAX_4CH_HEART_LABELS["LV_cavity"]
    path = _cine_file(tmp_path / "8.hd5", np.ones((32, 64, 16), np.int16), labels)
    with pytest.raises(SampleError, match="outside the image"):
        read_tensor(path, spec)
