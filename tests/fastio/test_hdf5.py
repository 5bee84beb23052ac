"""Reading one tensor of one ml4h file: layout rules and every kind of bad input."""
from __future__ import annotations

import numpy as np
import pytest

from .convert_fixtures import write_h5
from fastio.catalogue import ECG_LEADS, get_spec
from fastio.hdf5 import SampleError, fit_shape, read_sample, read_tensor, sample_id_of
from fastio.spec import TensorSpec


def _img_spec(shape=(6, 5, 1), resize="top_left", instance="first", **kw):
    return TensorSpec(name="img", group="test", path_prefix="p", dataset="img", shape=shape,
                      resize=resize, instance=instance, **kw)


def test_ecg_leads_stacked_in_catalogue_order_whatever_the_file_order(tmp_path):
    spec = get_spec("ecg_rest", "quick")  # (1000, 12)
    rng = np.random.default_rng(0)
    leads = {lead: rng.integers(-2000, 2000, size=1000).astype(np.int16) for lead in ECG_LEADS}
    order = list(ECG_LEADS)
    rng.shuffle(order)  # creation order in the file must not matter
    path = write_h5(tmp_path / "1.hd5", {f"ukb_ecg_rest/strip_{lead}/instance_0": leads[lead] for lead in order})
    x = read_tensor(path, spec)
    assert x.shape == (1000, 12) and x.dtype == np.float32
    expected = np.stack([leads[lead] for lead in ECG_LEADS], axis=-1).astype(np.float32)
    np.testing.assert_array_equal(x, expected)
    assert ECG_LEADS[9:] == ("aVF", "aVL", "aVR")


@pytest.mark.parametrize("keys, rule, picked", [
    (["instance_0", "instance_2", "instance_10"], "first", "instance_0"),
    (["instance_0", "instance_2", "instance_10"], "last", "instance_10"),
    (["instance_10", "instance_2"], "first", "instance_2"),   # string order would say instance_10
    (["instance_10", "instance_2"], "last", "instance_10"),   # string order would say instance_2
    (["instance_9", "instance_11"], "last", "instance_11"),
])
def test_instance_rule_is_numeric_aware(tmp_path, keys, rule, picked):
    data = {f"p/img/{k}": np.full((6, 5), i + 1.0) for i, k in enumerate(keys)}
    x = read_tensor(write_h5(tmp_path / "s.hd5", data), _img_spec(instance=rule))
    assert x[0, 0, 0] == keys.index(picked) + 1.0


def test_missing_channel_axis_is_added(tmp_path):
    img = np.arange(30, dtype=np.uint16).reshape(6, 5)
    x = read_tensor(write_h5(tmp_path / "s.hd5", {"p/img/instance_0": img}), _img_spec())
    assert x.shape == (6, 5, 1)
    np.testing.assert_array_equal(x[..., 0], img.astype(np.float32))


@pytest.mark.parametrize("disk_shape", [(4, 3), (9, 8), (4, 8), (9, 3), (6, 5)])
@pytest.mark.parametrize("rule", ["top_left", "center"])
def test_pad_and_crop_match_a_numpy_reference(tmp_path, disk_shape, rule):
    img = np.arange(1, np.prod(disk_shape) + 1, dtype=np.float32).reshape(disk_shape)
    x = read_tensor(write_h5(tmp_path / "s.hd5", {"p/img/instance_0": img}), _img_spec(resize=rule))
    ref = np.zeros((6, 5), np.float32)
    h, w = min(6, disk_shape[0]), min(5, disk_shape[1])
    if rule == "top_left":
        ref[:h, :w] = img[:h, :w]
    else:
        sy, sx = (disk_shape[0] - h) // 2, (disk_shape[1] - w) // 2
        dy, dx = (6 - h) // 2, (5 - w) // 2
        ref[dy:dy + h, dx:dx + w] = img[sy:sy + h, sx:sx + w]
    np.testing.assert_array_equal(x[..., 0], ref)


def test_top_left_is_ml4h_rule_on_a_known_case():
    x = np.array([[1, 2, 3], [4, 5, 6]], np.float32)
    np.testing.assert_array_equal(fit_shape(x, (3, 2), "top_left"), [[1, 2], [4, 5], [0, 0]])
    np.testing.assert_array_equal(fit_shape(x, (1, 1), "center"), [[2]])
    with pytest.raises(ValueError, match=r"expected shape \(3, 2\)"):
        fit_shape(x, (3, 2), "exact")


def test_short_ecg_lead_is_padded_per_lead(tmp_path):
    spec = get_spec("ecg_rest_median_raw_10", "quick")  # (120, 12)
    data = {f"ukb_ecg_rest/median_{lead}/instance_0": np.full(100 + i, i, np.int16)
            for i, lead in enumerate(ECG_LEADS)}
    x = read_tensor(write_h5(tmp_path / "s.hd5", data), spec)
    for i in range(12):
        assert (x[: 100 + i, i] == i).all() and (x[100 + i:, i] == 0).all()


def _message_checks(exc: SampleError, path, tensor: str, *words: str):
    text = str(exc)
    assert str(path) in text and f"tensor {tensor}" in text, text
    for word in words:
        assert word in text, text
    assert exc.file == str(path) and exc.tensor == tensor


def test_not_hdf5(tmp_path):
    path = tmp_path / "x.hd5"
    path.write_text("not hdf5")
    with pytest.raises(SampleError) as info:
        read_tensor(path, _img_spec())
    _message_checks(info.value, path, "img", "not an HDF5 file")
    assert isinstance(info.value, ValueError)


def test_truncated(tmp_path):
    path = write_h5(tmp_path / "t.hd5", {"p/img/instance_0": np.random.default_rng(0).normal(size=(60, 50))})
    size = (tmp_path / "t.hd5").stat().st_size
    with open(path, "r+b") as f:
        f.truncate(size // 2)
    with pytest.raises(SampleError) as info:
        read_tensor(path, _img_spec(shape=(60, 50, 1)))
    _message_checks(info.value, path, "img", "truncated")


def test_dataset_missing_names_the_expected_path(tmp_path):
    path = write_h5(tmp_path / "m.hd5", {"p/other/instance_0": np.zeros((6, 5))})
    with pytest.raises(SampleError) as info:
        read_tensor(path, _img_spec())
    _message_checks(info.value, path, "img", "dataset missing", "/p/img/<instance>")


def test_one_missing_ecg_lead(tmp_path):
    data = {f"ukb_ecg_rest/strip_{lead}/instance_0": np.zeros(1000, np.int16) for lead in ECG_LEADS if lead != "V4"}
    with pytest.raises(SampleError, match="strip_V4"):
        read_tensor(write_h5(tmp_path / "e.hd5", data), get_spec("ecg_rest", "quick"))


@pytest.mark.parametrize("value", [np.zeros(30), np.zeros((6, 5, 1, 2))])
def test_wrong_rank(tmp_path, value):
    path = write_h5(tmp_path / "r.hd5", {"p/img/instance_0": value})
    with pytest.raises(SampleError) as info:
        read_tensor(path, _img_spec())
    _message_checks(info.value, path, "img", "wrong rank", "(6, 5, 1)", str(value.shape))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf, 1e39])
def test_non_finite_values(tmp_path, bad):
    img = np.ones((6, 5))
    img[2, 3] = bad  # 1e39 is finite in float64 but overflows float32
    path = write_h5(tmp_path / "n.hd5", {"p/img/instance_0": img})
    with pytest.raises(SampleError) as info:
        read_tensor(path, _img_spec())
    _message_checks(info.value, path, "img", "NaN/inf", "1 values")


def test_non_numeric_and_empty_group(tmp_path):
    path = write_h5(tmp_path / "s.hd5", {"p/img/instance_0": np.array([b"abc", b"def"])})
    with pytest.raises(SampleError, match="expected numeric"):
        read_tensor(path, _img_spec())
    import h5py

    with h5py.File(tmp_path / "g.hd5", "w") as h5:
        h5.create_group("p/img")
    with pytest.raises(SampleError, match="no instance dataset"):
        read_tensor(tmp_path / "g.hd5", _img_spec())


def test_read_sample_reports_each_tensor(tmp_path):
    good = _img_spec()
    other = good.replace(name="other", dataset="other")
    path = write_h5(tmp_path / "s.hd5", {"p/img/instance_0": np.ones((6, 5))})
    out = read_sample(path, [good, other])
    assert out["img"].shape == (6, 5, 1)
    assert isinstance(out["other"], SampleError) and "dataset missing" in out["other"].reason
    (tmp_path / "bad.hd5").write_bytes(b"\x00" * 100)
    out = read_sample(tmp_path / "bad.hd5", [good, other])
    assert all(isinstance(v, SampleError) and v.tensor == k for k, v in out.items())


def test_sample_id_of():
    assert sample_id_of("/a/b/1234567.hd5") == "1234567"
    assert sample_id_of("x.y.hd5") == "x.y"


def test_dxa_background_rule(tmp_path):
    """Border-touching regions of the background value are zeroed when it covers more
    than the threshold; an enclosed region of the same value is anatomy and stays."""
    img = np.full((20, 16), 252, np.uint16)
    img[4:16, 3:13] = 900
    img[8:11, 6:9] = 252  # enclosed by tissue: not background
    spec = _img_spec(shape=(20, 16, 1), background=252, background_min_pixels=50)
    x = read_tensor(write_h5(tmp_path / "b.hd5", {"p/img/instance_0": img}), spec)[..., 0]
    expected = img.astype(np.float32)
    outside = np.ones(img.shape, bool)
    outside[4:16, 3:13] = False
    expected[outside] = 0
    np.testing.assert_array_equal(x, expected)
    # Below the threshold nothing is erased.
    few = spec.replace(background_min_pixels=500)
    np.testing.assert_array_equal(read_tensor(tmp_path / "b.hd5", few)[..., 0], img.astype(np.float32))
    assert get_spec("dxa_2").background == 252 and get_spec("ecg_rest").background is None
    # Derived tensors (registration transforms) inherit the field from a DXA spec.
    assert get_spec("dxa_12").replace(name="t", shape=(3, 3), dataset="t").background == 252
    with pytest.raises(ValueError, match="finite background"):
        get_spec("dxa_2").replace(background=float("nan"))


def test_synthetic_dxa_background_is_erased_in_conversion(tmp_path):
    from fastio.synthetic import BACKGROUND, dxa_image

    raw = dxa_image(np.random.default_rng(0), (128, 128))
    assert (raw == BACKGROUND).sum() > 0 and raw[0, 0] == BACKGROUND
    path = write_h5(tmp_path / "d.hd5", {"ukb_dxa/dxa_1_2/instance_0": raw})
    x = read_tensor(path, get_spec("dxa_2", "quick"))[..., 0]
    assert x[0, 0] == 0 and not (x == BACKGROUND).any()
    np.testing.assert_array_equal(x[raw != BACKGROUND], raw[raw != BACKGROUND].astype(np.float32))


def test_all_leads_come_from_one_instance(tmp_path):
    """Rule 'last' over all leads' keys picks instance_3; a lead without it is a failure,
    not a lead silently taken from another visit."""
    spec = get_spec("ecg_rest_median_raw_10", "quick").replace(instance="last")
    data = {}
    for i, lead in enumerate(ECG_LEADS):
        data[f"ukb_ecg_rest/median_{lead}/instance_2"] = np.full(120, 2, np.int16)
        data[f"ukb_ecg_rest/median_{lead}/instance_3"] = np.full(120, 3, np.int16)
    x = read_tensor(write_h5(tmp_path / "a.hd5", data), spec)
    assert (x == 3).all()
    del data["ukb_ecg_rest/median_V2/instance_3"]
    with pytest.raises(SampleError, match=r"median_V2/instance_3 \(the instance the other channels use\)"):
        read_tensor(write_h5(tmp_path / "b.hd5", data), spec)
