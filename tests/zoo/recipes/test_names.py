"""ml4h's file, layer and model names from a recipe run of one tensor per modality (DXA in
test_runs), and runs made before ml4h naming (catalogue names) still read."""
from __future__ import annotations

import csv

import h5py
import numpy as np
import pytest

from fastio import convert
from fastio.catalogue import ECG_LEADS, LAX_4CH_HEART_LABELS, get_spec

N = 24
# modality -> (catalogue tensor at a tiny shape, ml4h's tm.name)
RUNS = {
    "ecg": (get_spec("ecg_rest").replace(shape=(64, 12)), "strip"),
    "cardiac": (get_spec("lax_4ch_heart_center").replace(shape=(16, 16, 4)), "lax_4ch_heart_center"),
    "brain": (get_spec("t1_slice_80").replace(shape=(16, 16, 1)), "axial_80"),
}
MNI = get_spec("t1_mni_slice_80").replace(shape=(16, 16, 1))


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """N files in ml4h's layout holding an ECG, a cine with its segmentation and both
    brain slices (random values: names are under test, not learning)."""
    root = tmp_path_factory.mktemp("names")
    rng = np.random.default_rng(0)
    labels = np.zeros((20, 20), np.uint8)
    labels[2:18, 3:19] = LAX_4CH_HEART_LABELS["LV_cavity"]
    for i in range(N):
        with h5py.File(root / f"{500 + i}.hd5", "w") as f:
            for lead in ECG_LEADS:
                f[f"ukb_ecg_rest/strip_{lead}/instance_0"] = rng.normal(0, 100, 64).astype("float32")
            f["ukb_ecg_rest/ecg_rest_text/instance_0"] = "Sinus rhythm"
            f["ukb_cardiac_mri/cine_segmented_lax_4ch/2/instance_0"] = rng.normal(500, 50, (20, 20, 4)).astype("float32")
            f["ukb_cardiac_mri/cine_segmented_lax_4ch_annotated_1/instance_0"] = labels
            for prefix in ("T1", "T1_brain_to_MNI"):
                f[f"ukb_brain_mri/{prefix}/axial_80/instance_0"] = rng.normal(300, 30, (16, 16)).astype("float32")
    path = root / "store.zarr"
    convert(root, path, [spec for spec, _ in RUNS.values()] + [MNI], workers=1, executor="thread", progress=False)
    return path


def _train(store, out, run_id, tensors, tiny, extra=()):
    from zoo.recipes import train

    return train(["--tensors", str(store), "--output_folder", str(out), "--id", run_id,
                  "--input_tensors", *tensors, "--output_tensors", *tensors, *tiny["arch"],
                  *tiny["fit"], "--epochs", "1", "--training_steps", "2", "--validation_steps", "1",
                  "--test_steps", "0", *extra])


def _infer(store, out, run_id, tensor, extra=()):
    from zoo.recipes import infer

    (path,) = infer(["--mode", "infer_encoders", "--tensors", str(store), "--output_folder", str(out),
                     "--id", run_id, "--input_tensors", tensor, *extra])
    with open(path) as f:
        return path.name, np.array([r[1:] for r in list(csv.reader(f, delimiter="\t"))[1:]], dtype=float)


@pytest.mark.parametrize("modality", sorted(RUNS))
def test_run_writes_ml4h_names(modality, store, tiny, tmp_path):
    from zoo.models import encoders_of, load_model

    spec, tm = RUNS[modality]
    run = _train(store, tmp_path, f"{modality}_ae", [spec.full_name], tiny)
    for name in (f"encoder_{tm}.keras", f"decoder_{tm}.keras", f"{modality}_ae.keras"):
        assert (run / name).is_file(), name
    encoder, decoder = load_model(run / f"encoder_{tm}.keras"), load_model(run / f"decoder_{tm}.keras")
    assert encoder.name == f"encode_{tm}" and decoder.name == f"decode_{tm}"
    assert encoder.inputs[0].name.startswith(f"input_{tm}_continuous")
    model = load_model(run / f"{modality}_ae.keras")
    assert [t.name.split(":")[0] for t in model.inputs] == [f"input_{tm}_continuous"]
    assert list(encoders_of(model)) == [tm] and list(encoders_of(model, [spec])) == [spec.name]
    name, latents = _infer(store, tmp_path, f"{modality}_ae", spec.full_name)
    assert name == f"hidden_{tm}_{modality}_ae.tsv" and latents.shape[0] == N


def test_runs_made_before_ml4h_naming_still_read(store, tiny, tmp_path):
    """An earlier run named its files, models and inputs by the catalogue name
    (encoder_ecg_rest.keras holding model encoder_ecg_rest): --encoder_blocks, the run
    folder and --model_file all still find that encoder."""
    import keras

    from zoo.models import load_model

    spec, tm = RUNS["ecg"]
    new = _train(store, tmp_path, "new", [spec.full_name], tiny)
    _, expected = _infer(store, tmp_path, "new", spec.full_name)
    old = tmp_path / "old"
    old.mkdir()
    x = keras.Input(spec.shape, name="input_ecg_rest_continuous")
    legacy = keras.Model(x, load_model(new / f"encoder_{tm}.keras")(x), name="encoder_ecg_rest")
    legacy.save(old / "encoder_ecg_rest.keras")
    x = keras.Input(spec.shape, name="input_ecg_rest_continuous")
    keras.Model(x, legacy(x), name="old").save(tmp_path / "old_model.keras")
    for run_id, extra in (("from_blocks", ["--encoder_blocks", str(old / "encoder_ecg_rest.keras")]),
                          ("old", []),  # the run folder's encoder_ecg_rest.keras
                          ("from_model", ["--model_file", str(tmp_path / "old_model.keras")])):
        name, got = _infer(store, tmp_path, run_id, spec.full_name, extra)
        assert name == f"hidden_strip_{run_id}.tsv"
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    # fine-tuning from the old block writes ml4h's names
    tuned = _train(store, tmp_path, "tuned", [spec.full_name], tiny,
                   ["--encoder_blocks", str(old / "encoder_ecg_rest.keras")])
    assert (tuned / "encoder_strip.keras").is_file() and not (tuned / "encoder_ecg_rest.keras").exists()


def test_both_brain_slices_in_one_model_are_refused_by_name(store, tiny, tmp_path):
    # ml4h names both axial_80: their input layers and files would collide
    with pytest.raises(ValueError, match="t1_slice_80 and t1_mni_slice_80 \\(both 'axial_80'\\)"):
        _train(store, tmp_path, "both", ["mri_brain.t1_slice_80", "mri_brain.t1_mni_slice_80"], tiny)
