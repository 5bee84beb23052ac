import json

import numpy as np
import pytest

from fastio.spec import TensorSpec
from zoo.registration.alignment import warp_image
from zoo import cli
from zoo.registration.pipeline import register_store, work_dir_for

from .regsynth import synthetic_strip


def main(argv):
    """``zoo register ARGS`` through the command table (its error convention included)."""
    return cli.main(["register", *argv])


def _pose(rng, center):
    t = np.deg2rad(rng.uniform(-8, 8))
    r = rng.uniform(0.95, 1.05) * np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    m = np.eye(3)
    m[:2, :2] = r
    m[:2, 2] = center - r @ center + rng.uniform(-3, 3, 2)
    return m


@pytest.fixture
def image_store(tmp_path, blobs, make_store):
    rng = np.random.default_rng(0)
    base = blobs((40, 40), seed=30)
    n = 10
    poses = [_pose(rng, np.array([19.5, 19.5])) for _ in range(n)]
    values = np.stack([warp_image(base, p)[..., None] * rng.uniform(0.8, 1.2) for p in poses])
    present = np.ones(n, bool)
    present[3] = False
    spec = TensorSpec(name="img", group="test", path_prefix="p", dataset="img", shape=(40, 40, 1))
    make_store(tmp_path / "s.zarr", {"img": (spec, values, present)})
    return tmp_path / "s.zarr", base, values, present


def _spread(x, present):
    inner = x[present][:, 8:32, 8:32, 0]
    inner = inner / inner.std(axis=(1, 2), keepdims=True)
    return float(np.var(inner, axis=0).mean())


def test_template_method_writes_registered_tensor_with_provenance(image_store):
    from fastio import open_store

    path, base, values, present = image_store
    rc = main(["template", "--store", str(path), "--tensor", "img", "--quiet", "--iterations", "2"])
    assert rc == 0
    store = open_store(path)
    assert "img_registered" in store.tensors and "img_registered_transform" in store.tensors
    np.testing.assert_array_equal(store.present("img_registered"), present)
    out = np.asarray(store["img_registered"][:])
    assert _spread(out, present) < 0.3 * _spread(values, present)
    assert np.all(out[~present] == 0)
    attrs = store["img_registered"].attrs["registration"]
    assert attrs["config"]["method"] == "template" and attrs["complete"] and attrs["failures"] == []
    assert store.complete
    assert (work_dir_for(path, "img_registered") / "img_registered_before_after.png").is_file()
    mats = np.asarray(store["img_registered_transform"][:])
    assert mats.shape == (10, 3, 3) and np.allclose(mats[present][:, 2], [0, 0, 1], atol=1e-3)


def test_given_template_tensor_and_resume_gives_same_result(image_store, monkeypatch):
    from fastio import open_store
    from zoo.registration.methods import template as steps

    path, base, values, present = image_store
    np.save(path.parent / "t.npy", base)
    kwargs = dict(template=str(path.parent / "t.npy"), progress=False, plot=False)
    register_store(path, "homography", "img", out_tensor="clean", **kwargs)
    calls = {"n": 0}
    original = steps.TemplateStep.apply

    def flaky(self, v):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("killed")
        return original(self, v)

    monkeypatch.setattr(steps.TemplateStep, "apply", flaky)
    with pytest.raises(RuntimeError):
        register_store(path, "homography", "img", out_tensor="resumed", **kwargs)
    store = open_store(path)
    assert store.written("resumed").tolist() == [True, False, False]
    monkeypatch.setattr(steps.TemplateStep, "apply", original)
    register_store(path, "homography", "img", out_tensor="resumed", **kwargs)
    store = open_store(path)
    np.testing.assert_allclose(np.asarray(store["resumed"][:]), np.asarray(store["clean"][:]), atol=1e-6)
    # A different configuration under the same name is refused.
    with pytest.raises(ValueError, match="different registration"):
        register_store(path, "template", "img", out_tensor="resumed", progress=False, plot=False)


def test_median_beat_method_and_failures_recorded(tmp_path, make_store):
    from fastio import open_store
    from fastio.catalogue import ECG_LEADS

    strips = np.stack([synthetic_strip(fs=100.0, seed=s, ectopic=False)[0] for s in range(5)]).astype(np.float32)
    strips[2] = 0.0  # a flat line: no beats to find
    spec = TensorSpec(name="ecg_rest", group="ecg", path_prefix="ukb_ecg_rest",
                      dataset=tuple(f"strip_{l}" for l in ECG_LEADS), shape=(1000, 12))
    path = make_store(tmp_path / "e.zarr", {"ecg_rest": (spec, strips, np.ones(5, bool))})
    assert main(["median_beat", "--store", str(path), "--tensor", "ecg_rest", "--out-tensor", "ecg_median",
                 "--quiet"]) == 0
    store = open_store(path)
    out = np.asarray(store["ecg_median"][:])
    assert out.shape == (5, 120, 12)
    assert store.present("ecg_median").tolist() == [True, True, False, True, True]
    assert np.all(np.abs(np.argmax(out[[0, 1, 3, 4], :, 1], axis=1) - 40) <= 1)
    assert store.spec("ecg_median").dataset[0] == "median_I"
    failures = store["ecg_median"].attrs["registration"]["failures"]
    assert [f["sample_id"] for f in failures] == ["s002"] and "median_beat" in failures[0]["reason"]
    table = store.failures
    assert table[table.tensor == "ecg_median"].sample_id.tolist() == ["s002"]
    rate = np.asarray(store["ecg_median_heart_rate"][:])[:, 0]
    assert np.all((rate[[0, 1, 3, 4]] > 50) & (rate[[0, 1, 3, 4]] < 62))


def test_cli_errors_name_the_problem(image_store, capsys):
    path = image_store[0]
    assert main(["template", "--store", str(path), "--tensor", "nope", "--quiet"]) == 2
    assert "nope" in capsys.readouterr().err
    assert main(["median_beat", "--store", str(path), "--tensor", "img", "--quiet"]) == 2
    assert "strip" in capsys.readouterr().err


def test_deepcycle_method_rolls_cines_and_resume_reuses_the_model(tmp_path, make_store, monkeypatch):
    from fastio import open_store
    from .regsynth import synthetic_cines
    from zoo.registration.methods import deepcycle as learned_steps

    cines, starts = synthetic_cines(n=8, size=16, frames=8, seed=3)
    spec = TensorSpec(name="cine", group="mri", path_prefix="p", dataset="cine", shape=(16, 16, 8))
    path = make_store(tmp_path / "c.zarr", {"cine": (spec, cines, np.ones(8, bool))})
    summary = register_store(path, "deepcycle", "cine", progress=False, epochs=2, batch_size=4)
    store = open_store(path)
    out = np.asarray(store["cine_registered"][:])
    phase = np.asarray(store["cine_registered_phase"][:])
    assert out.shape == cines.shape and phase.shape == (8, 2)
    for i in range(8):  # each output is its cine rolled by the recorded shift
        np.testing.assert_array_equal(out[i], np.roll(cines[i], int(phase[i, 1]), axis=-1))
    assert len(summary["fit"]["loss_history"]) == 2
    # A rerun (e.g. after a kill) reloads the saved weights instead of training again.
    monkeypatch.setattr(learned_steps.DeepCycleStep, "_train", lambda self, x: pytest.fail("retrained"))
    store = open_store(path, mode="r+")
    store.group["blocks/written/cine_registered"][1] = False
    register_store(path, "deepcycle", "cine", progress=False, plot=False, epochs=2, batch_size=4)
    np.testing.assert_array_equal(np.asarray(open_store(path)["cine_registered"][:]), out)


@pytest.mark.slow
@pytest.mark.parametrize("method", ["affine", "voxelmorph"])
def test_learned_image_methods_through_the_store(image_store, method):
    from fastio import open_store

    path, base, values, present = image_store
    extra_options = {"int_steps": 3} if method == "voxelmorph" else {}  # affine has no integration
    summary = register_store(path, method, "img", out_tensor=f"img_{method}", progress=False,
                             epochs=2, batch_size=4, **extra_options)
    store = open_store(path)
    out = np.asarray(store[f"img_{method}"][:])
    assert out.shape == values.shape and np.all(out[~present] == 0)
    extra = summary["extras"][0]
    assert extra.endswith("_transform" if method == "affine" else "_flow")
    assert np.all(np.isfinite(np.asarray(store[extra][:])))
    assert (work_dir_for(path, f"img_{method}") / "model.weights.h5").is_file()


def _user_files(folder):
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("notes.txt", "data.csv"):
        (folder / name).write_text(f"user's {name}\n")
    return {p.name: p.read_text() for p in folder.iterdir() if p.is_file()}


@pytest.mark.parametrize("name", ["..", ".", "", "a/b", "../up", ".hidden", "x y"])
def test_overwrite_with_a_bad_out_tensor_name_touches_nothing(image_store, capsys, name):
    path = image_store[0]
    parent_files = _user_files(path.parent / "mine")
    before = sorted(p.name for p in path.parent.iterdir())
    rc = main(["template", "--store", str(path), "--tensor", "img", "--out-tensor", name,
               "--overwrite", "--quiet", "--no-plot"])
    assert rc == 2
    err = capsys.readouterr().err
    assert "output tensor name" in err and "Traceback" not in err
    assert sorted(p.name for p in path.parent.iterdir()) == before
    assert {p.name: p.read_text() for p in (path.parent / "mine").iterdir()} == parent_files


def test_overwrite_removes_only_a_work_folder_it_wrote(image_store, capsys):
    path = image_store[0]
    args = ["template", "--store", str(path), "--tensor", "img", "--out-tensor", "reg",
            "--quiet", "--no-plot", "--iterations", "1"]
    work = work_dir_for(path, "reg")
    # A folder of user files where the work folder would go: not ours, never removed.
    files = _user_files(work)
    assert main(args + ["--overwrite"]) == 2
    assert "refusing to remove" in capsys.readouterr().err
    assert {p.name: p.read_text() for p in work.iterdir()} == files
    # A symlink there (to the user's folder) is refused too, and its target kept.
    elsewhere = path.parent / "elsewhere"
    work.rename(elsewhere)
    work.symlink_to(elsewhere, target_is_directory=True)
    assert main(args + ["--overwrite"]) == 2
    assert "symlink" in capsys.readouterr().err
    assert {p.name: p.read_text() for p in elsewhere.iterdir()} == files
    work.unlink()
    # Its own folder (with the marker it wrote) is replaced on --overwrite.
    assert main(args) == 0
    assert (work / "template.npy").is_file()
    (work / "stale.npy").write_bytes(b"old state")
    assert main(args + ["--overwrite"]) == 0
    assert not (work / "stale.npy").exists() and (work / "template.npy").is_file()


def test_overwrite_refuses_a_tensor_registration_did_not_write(image_store, capsys):
    from fastio import open_store

    path = image_store[0]
    spec = TensorSpec(name="other", group="test", path_prefix="p", dataset="other", shape=(40, 40, 1))
    store = open_store(path, mode="r+")
    store.create_tensor(spec)
    assert main(["template", "--store", str(path), "--tensor", "img", "--out-tensor", "other",
                 "--overwrite", "--quiet", "--no-plot"]) == 2
    assert "not written by zoo register" in capsys.readouterr().err
    assert not work_dir_for(path, "other").exists()
    assert "registration" not in open_store(path).group["other"].attrs  # metadata only: the tensor holds no data


def test_extra_tensors_of_a_label_cropped_cine_inherit_no_crop():
    """The cine's spec cuts it to the heart labels; its DeepCycle phase (2 values) is no
    image and must not inherit that crop (it did, and the spec refused to exist)."""
    from fastio.catalogue import get_spec
    from zoo.registration.steps import extra_spec

    cine = get_spec("lax_4ch_heart_center", "quick")
    assert cine.crop_dataset  # the premise: the catalogue's cine is label-cropped
    phase = extra_spec(cine, "cine_phase", (2,), "phase")
    assert phase.shape == (2,) and phase.crop_dataset is None and phase.crop_labels == ()
