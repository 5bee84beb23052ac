"""A generated cohort: ml4h layout, instances, phenotypes, PLINK, truth, determinism, CLI."""
from __future__ import annotations

import hashlib
import importlib
import json
import subprocess

import h5py
import numpy as np
import pandas as pd
import pytest

from fastio.catalogue import ECG_LEADS, get_spec
from fastio.spec import pick_instance
from zoo.phantom import PhantomCohort, generate, load_truth
from zoo.cli import main as zoo_main
from zoo.commands.phantom import main as cli_main
from zoo.phantom.layout import GROUPS
from zoo.phantom.render_cardiac import padded_shape

TENSORS = [t for group in GROUPS.values() for t in group]


def _expected(spec):
    """(hdf5 group, shape of one dataset) per channel/dataset of a spec."""
    if spec.per_channel:
        return [(g, spec.shape[:-1]) for g in spec.hdf5_groups()]
    if spec.crop_dataset:  # the cine is written larger, with its first frame's segmentation
        shape = padded_shape(spec.shape)
        return [(spec.hdf5_groups()[0], shape), (f"/{spec.path_prefix}/{spec.crop_dataset}", shape[:2])]
    return [(spec.hdf5_groups()[0], spec.shape)]


def _dtype(spec, group):
    if spec.group == "ecg":
        return np.float32
    if spec.group == "dxa":
        return np.uint16  # DXA exports are non-negative integers (ml4h np.bincount's them)
    return np.uint8 if group.endswith("_annotated_1") else np.int16


def test_files_follow_the_catalogue(cohort):
    truth = load_truth(cohort.truth_json)
    assert sorted(p.stem for p in cohort.hd5_dir.glob("*.hd5")) == sorted(cohort.sample_ids)
    assert not list(cohort.hd5_dir.glob("*.tmp"))
    for sid in cohort.sample_ids:
        missing = set(truth["missing"].get(sid, []))
        with h5py.File(cohort.hd5_path(sid), "r") as f:
            for name in TENSORS:
                spec = get_spec(name, "quick")
                for group, shape in _expected(spec):
                    if name in missing:
                        assert group not in f, (sid, name)
                        continue
                    keys = list(f[group].keys())
                    assert keys[0] == "instance_0"  # visits numbered from 0, as ml4h's writer does
                    ds = f[group]["instance_0"]
                    assert ds.shape == tuple(shape), (sid, group, ds.shape, shape)
                    assert ds.dtype == _dtype(spec, group), (group, ds.dtype)
                    assert ds.compression == "gzip"
                    assert len(ds.attrs["date"]) == 10
            if "ecg_rest" not in missing:  # ml4h's ECG reader requires the interpretation text
                text = f["ukb_ecg_rest/ecg_rest_text/instance_0"][()].decode()
                assert text.startswith("Sinus") and "BPM" in text


def test_instances_and_missing_modalities(cohort):
    truth = load_truth(cohort.truth_json)
    repeat = truth["instances"]["repeat_sample_ids"]
    assert 1 <= len(repeat) < len(cohort.sample_ids)
    assert len(truth["missing"]) <= max(1, 0.1 * len(cohort.sample_ids))
    for sid in repeat:
        with h5py.File(cohort.hd5_path(sid), "r") as f:
            keys = sorted(f["ukb_brain_mri/T1/axial_80"].keys()) if "ukb_brain_mri" in f else sorted(f["ukb_dxa/dxa_1_2"].keys())
            assert keys == ["instance_0", "instance_1"]
            assert pick_instance(keys, "last") == "instance_1"
            d2 = f["ukb_ecg_rest/strip_I/instance_0"].attrs["date"] if "ukb_ecg_rest" in f else "0"
            d3 = f["ukb_ecg_rest/strip_I/instance_1"].attrs["date"] if "ukb_ecg_rest" in f else "1"
            assert d2 < d3
    for sid, tensors in truth["missing"].items():
        assert set(tensors) in [set(g) for g in GROUPS.values()]


def test_ecg_in_files_is_consistent(cohort):
    truth = load_truth(cohort.truth_json)
    peaks = truth["nuisance"]["instance_0"]["ecg_rest"]["r_peak_samples"]
    s = get_spec("ecg_rest_median_raw_10", "quick").shape[0]
    pre = round(0.4 * s)
    for k, sid in enumerate(cohort.sample_ids):
        with h5py.File(cohort.hd5_path(sid), "r") as f:
            if "ukb_ecg_rest" not in f:
                continue
            strip = np.stack([f[f"ukb_ecg_rest/strip_{lead}/instance_0"][()] for lead in ECG_LEADS], axis=-1)
            median = np.stack([f[f"ukb_ecg_rest/median_{lead}/instance_0"][()] for lead in ECG_LEADS], axis=-1)
        i, ii = strip[:, 0], strip[:, 1]
        np.testing.assert_array_equal(strip[:, 2], ii - i)
        np.testing.assert_array_equal(strip[:, 11], -(i + ii) / np.float32(2))
        np.testing.assert_array_equal(median[:, 10], median[:, 0] - median[:, 1] / np.float32(2))
        r = np.array(peaks[k])
        r = r[(r >= pre) & (r - pre + s <= len(strip))]
        mean = np.stack([strip[j - pre : j - pre + s] for j in r]).mean(axis=0)
        wander = truth["nuisance"]["instance_0"]["ecg_rest"]["wander_uv"][k]
        tol = 3 * (wander / np.sqrt(len(r)) + 12.0)  # see test_render
        assert np.sqrt(((median - mean) ** 2).mean(axis=0)).max() < tol


def test_phenotypes_csv(cohort):
    df = pd.read_csv(cohort.phenotypes_csv, dtype={"sample_id": str})
    assert list(df["sample_id"]) == list(cohort.sample_ids)
    expected = ["age", "sex"] + [f"PC{i}" for i in range(1, 11)] + [
        "height", "bmi", "bone_density", "lv_mass", "lvedv", "lvef", "qrs_duration", "rr_interval",
        "brain_volume", "hypertension", "type2_diabetes", "atrial_fibrillation", "hypercholesterolemia",
    ]
    assert set(expected) <= set(df.columns)
    assert df[expected].notna().all().all()
    assert set(df["sex"].unique()) <= {0, 1}
    truth = load_truth(cohort.truth_json)
    pop = np.array(truth["subjects"]["population"])
    # PC1 is the genetic structure of the cohort
    assert max(abs(np.corrcoef(df["PC1"], pop == k)[0, 1]) for k in np.unique(pop)) > 0.5


def test_plink_files(cohort, plink2, tmp_path):
    from bed_reader import open_bed

    with open_bed(cohort.bfile.with_suffix(".bed")) as bed:
        assert list(bed.iid) == list(cohort.sample_ids) == list(bed.fid)
        dosage = bed.read(dtype="int8")
        sid = list(bed.sid)
    truth = load_truth(cohort.truth_json)
    assert dosage.shape == (len(cohort.sample_ids), truth["n_variants"])
    for row in truth["causal_variants"][:20]:
        assert sid[row["index"]] == row["id"]
        assert dosage[:, row["index"]].mean() / 2 == pytest.approx(row["alt_freq"], abs=1e-5)
    subprocess.run([plink2, "--bfile", str(cohort.bfile), "--freq", "--out", str(tmp_path / "f")], check=True, capture_output=True)
    freq = pd.read_csv(tmp_path / "f.afreq", sep="\t")
    np.testing.assert_allclose(freq["ALT_FREQS"].to_numpy(), dosage.mean(axis=0) / 2, atol=1e-4)


def test_truth_contents(cohort):
    truth = load_truth(cohort.root)
    n = len(cohort.sample_ids)
    assert truth["sample_ids"] == list(cohort.sample_ids)
    assert {f["name"] for f in truth["factors"]} == set(truth["subjects"]["factors"])
    for f in truth["factors"]:
        assert 0 < f["h2_target"] < 1 and 0 <= f["h2_realised"] < 1
    assert all(len(v) == n for v in truth["subjects"]["factors"].values())
    nuis = truth["nuisance"]["instance_0"]
    assert set(nuis) == set(TENSORS)
    assert len(nuis["t1_slice_80"]["rotation_deg"]) == n
    assert max(abs(a) for a in nuis["t1_slice_80"]["rotation_deg"]) <= 20
    assert np.asarray(nuis["dxa_12"]["homography"]).shape == (n, 3, 3)
    assert len(nuis["lax_4ch_heart_center"]["start_phase"]) == n
    rep = truth["nuisance"]["instance_1"]
    assert len(rep["t1_slice_80"]["rotation_deg"]) == len(rep["sample_ids"])
    for name, info in truth["modalities"].items():
        assert set(info["registration"]) <= set(truth["registration_methods"])
        assert set(info["factors"]) <= set(truth["subjects"]["factors"])


def test_load_truth_errors(tmp_path):
    with pytest.raises(ValueError, match="truth.json"):
        load_truth(tmp_path)
    (tmp_path / "truth.json").write_text("{not json")
    with pytest.raises(ValueError, match="JSON"):
        load_truth(tmp_path / "truth.json")
    (tmp_path / "truth.json").write_text(json.dumps({"format": "x"}))
    with pytest.raises(ValueError, match="missing"):
        load_truth(tmp_path / "truth.json")


def test_preview(cohort):
    data = cohort.preview_png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000


def _digest(root) -> dict[str, str]:
    """Hash of every array in every file, plus the text outputs."""
    out = {}
    for path in sorted((root / "hd5").glob("*.hd5")):
        h = hashlib.sha256()
        with h5py.File(path, "r") as f:
            def visit(name, obj):
                if isinstance(obj, h5py.Dataset):
                    h.update(name.encode())
                    value = obj[()]
                    h.update(value if isinstance(value, bytes) else value.tobytes())
            f.visititems(visit)
        out[path.name] = h.hexdigest()
    for name in ("phenotypes.csv", "genotypes.bed", "genotypes.bim", "genotypes.fam", "truth.json"):
        out[name] = hashlib.sha256((root / name).read_bytes()).hexdigest()
    return out


def test_same_seed_same_files_other_seed_other_people(tmp_path, capsys, monkeypatch):
    gen = importlib.import_module("zoo.phantom.generation")
    # blocks of 5 subjects, so that several blocks render concurrently
    monkeypatch.setattr(gen, "_BLOCK_BYTES", 5 * gen.layout.Geometry("quick").bytes_per_subject())
    a = generate(tmp_path / "a", n=20, seed=3, n_variants=1000, progress=False)
    # one rendering thread here, two above: the files must not depend on it
    rc = cli_main(["--n", "20", "--out", str(tmp_path / "b"), "--seed", "3", "--n-variants", "1000", "--quiet", "--workers", "1"])
    assert rc == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["n"] == 20 and summary["truth_json"].endswith("truth.json")
    assert _digest(a.root) == _digest(tmp_path / "b")
    c = generate(tmp_path / "c", n=20, seed=4, n_variants=1000, progress=False)
    assert set(c.sample_ids).isdisjoint(a.sample_ids)
    ta, tc = load_truth(a.truth_json), load_truth(c.truth_json)
    assert ta["subjects"]["factors"]["body_size"] != tc["subjects"]["factors"]["body_size"]
    assert PhantomCohort.from_dict(a.to_dict()) == a


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="scale"):
        generate(tmp_path, n=20, scale="huge")
    with pytest.raises(ValueError, match="n >= 20"):
        generate(tmp_path, n=5)
    with pytest.raises(ValueError, match="n_variants"):
        generate(tmp_path, n=20, n_variants=10)
    assert zoo_main(["phantom", "--n", "3", "--out", str(tmp_path), "--quiet"]) == 2


def test_whole_body_dxa_has_scanner_background(cohort):
    from fastio.background import erase_background

    spec = get_spec("dxa_2", "quick")
    with h5py.File(cohort.hd5_path(cohort.sample_ids[0]), "r") as f:
        for name in ("dxa_1_2", "dxa_1_5"):
            img = f[f"ukb_dxa/{name}/instance_0"][()]
            assert img[0, 0, 0] == img[-1, -1, 0] == 252
            assert (img == 252).sum() > spec.background_min_pixels
            erased = erase_background(img, 252.0, spec.background_min_pixels)
            assert erased[0, 0, 0] == 0 and (erased == 252).sum() < 0.01 * img.size


@pytest.mark.slow
def test_full_scale_shapes(tmp_path):
    cohort = generate(tmp_path, n=20, seed=1, scale="full", n_variants=1000, progress=False)
    truth = load_truth(cohort.truth_json)
    sid = next(s for s in cohort.sample_ids if s not in truth["missing"])
    with h5py.File(cohort.hd5_path(sid), "r") as f:
        for name in TENSORS:
            for group, shape in _expected(get_spec(name, "full")):
                assert f[group]["instance_0"].shape == tuple(shape), (name, group)
    assert get_spec("ecg_rest", "full").shape == (5000, 12)
    assert truth["nuisance_notes"]["ecg_sampling_hz"] == 500.0


def test_zoo_phantom_generate_is_the_function(tmp_path):
    import zoo.phantom
    import zoo.phantom.generation  # no submodule named generate can shadow the function

    assert zoo.phantom.generate is zoo.phantom.generation.generate is generate
    with pytest.raises(ValueError, match="scale"):
        zoo.phantom.generate(tmp_path, n=20, scale="nope")


def test_nuisance_as_read_follows_the_visit_rule(cohort):
    from zoo.phantom.truth import nuisance_as_read

    truth = load_truth(cohort.truth_json)
    rep = truth["nuisance"]["instance_1"]
    sid = rep["sample_ids"][0]
    ids = [sid, next(s for s in cohort.sample_ids if s not in rep["sample_ids"])]
    first = nuisance_as_read(truth, "dxa_12", "homography", ids, "first")
    last = nuisance_as_read(truth, "dxa_12", "homography", ids, "last")
    primary = truth["nuisance"]["instance_0"]["dxa_12"]["homography"]
    np.testing.assert_array_equal(first[0], primary[truth["sample_ids"].index(sid)])
    np.testing.assert_array_equal(last[0], rep["dxa_12"]["homography"][0])
    np.testing.assert_array_equal(last[1], first[1])  # no repeat visit: the primary
    assert not np.array_equal(last[0], first[0])
    with pytest.raises(ValueError, match="instance rule"):
        nuisance_as_read(truth, "dxa_12", "homography", ids, "middle")
