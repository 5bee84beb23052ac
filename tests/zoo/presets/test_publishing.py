"""publish → embed on a real (small) phantom run: a median-beat ECG autoencoder trained by
the recipe, published to a mirror; embed() of the .hd5 files must give the recipe's own
`infer` latents, `zoo embed` must write a table `zoo gwas` reads, and a published
version can never be overwritten."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import zoo
from zoo.presets.publishing import publish
from zoo.presets.from_reproduce import next_version
from zoo.presets.registry import Registry, load_registry

pytestmark = pytest.mark.slow

TINY = ["--encoder_blocks", "conv_encode", "--decoder_blocks", "conv_decode", "--activation", "swish",
        "--conv_layers", "4", "--conv_width", "15", "--dense_blocks", "4", "4", "--dense_layers", "6",
        "--block_size", "1", "--batch_size", "8", "--epochs", "1", "--training_steps", "2",
        "--validation_steps", "1", "--random_seed", "1", "--verbose", "0", "--reconstructions", "0"]


# the next version of the shipped preset: a mirror entry never clashes with the package's
VERSION = next_version("ecg_rest.median_beat.ae", load_registry().presets())


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    import fastio
    from zoo.phantom import generate
    from zoo.recipes.run import run as recipe_run
    from zoo.registration.pipeline import register_store

    root = tmp_path_factory.mktemp("publish")
    cohort = generate(root / "cohort", n=60, seed=3, scale="quick", progress=False)
    store = root / "store.zarr"
    fastio.convert(cohort.hd5_dir, store, ["ecg_rest"], scale="quick", progress=False)
    register_store(store, "median_beat", "ecg_rest", out_tensor="ecg_rest_median_beat", progress=False, plot=False)
    argv = ["--tensors", str(store), "--output_folder", str(root / "runs"), "--id", "beat",
            "--input_tensors", "ecg_rest_median_beat", "--output_tensors", "ecg_rest_median_beat", *TINY]
    for mode in ("train", "infer_encoders"):
        assert recipe_run(["--mode", mode, *argv]) == 0
    mirror = root / "mirror"
    preset = publish(root / "runs" / "beat", version=VERSION, out=mirror, metrics={"note": "unit test"},
                     data={"name": "phantom", "kind": "phantom"}, command="pytest")
    return root, cohort, store, preset, Registry([mirror / "registry.json"])


def test_publish_records_the_run(run):
    root, _, store, preset, registry = run
    assert preset.ref == f"ecg_rest.median_beat.ae@{VERSION}" and registry.get(preset.name) == preset
    assert preset.source.name == "ecg_rest" and tuple(preset.input.shape) == (120, 12)
    assert preset.registration["method"] == "median_beat" and preset.embedding_dim == 6
    assert [f.role for f in preset.files] == ["encoder"]  # median_beat has no fitted state
    card = (root / "mirror" / "model_cards" / f"ecg_rest.median_beat.ae@{VERSION}.md").read_text()
    assert "not for clinical use" in card and "pytest" in card
    # one epoch under the recipe's patience: too short for the record to say it converged
    assert preset.training["max_epochs"] == 1 and preset.training["convergence"] == "too short to tell"
    assert "Training: 1 of at most 1 epochs" in card


def test_embed_of_hd5_files_equals_recipe_infer(run):
    root, cohort, store, preset, registry = run
    infer = pd.read_csv(next((root / "runs" / "beat").glob("hidden_*.tsv")), sep="\t", dtype={"sample_id": str})
    infer = infer.set_index("sample_id")
    df = zoo.embed(cohort.hd5_dir, preset.ref, registry=registry)
    assert list(df.index) == list(infer.index) and list(df.columns) == list(infer.columns)
    np.testing.assert_allclose(df.to_numpy(), infer.to_numpy(), atol=1e-5, rtol=0)
    from_store = zoo.embed(store, preset.ref, registry=registry)
    np.testing.assert_allclose(from_store.loc[df.index].to_numpy(), df.to_numpy(), atol=1e-5, rtol=0)


def test_publishing_a_version_twice_is_refused(run):
    root, _, _, preset, _ = run
    before = (root / "mirror" / "registry.json").read_text()
    with pytest.raises(ValueError, match="already published"):
        publish(root / "runs" / "beat", version=VERSION, out=root / "mirror")
    assert (root / "mirror" / "registry.json").read_text() == before


def test_zoo_embed_writes_a_table_zoo_gwas_reads(run, tmp_path):
    from zoo.cli import main

    root, cohort, _, preset, registry = run
    out = tmp_path / "hidden_beat.tsv"
    reg = str(root / "mirror" / "registry.json")
    assert main(["embed", preset.ref, "--input", str(cohort.hd5_dir), "--out", str(out), "--registry", reg]) == 0
    table = pd.read_csv(out, sep="\t", dtype={"sample_id": str}).set_index("sample_id")
    expected = zoo.embed(cohort.hd5_dir, preset.ref, registry=registry)
    np.testing.assert_allclose(table.to_numpy(), expected.loc[table.index].to_numpy(), atol=1e-6)
    assert main(["gwas", "--bfile", str(cohort.bfile), "--latents", str(out), "--covariates",
                 str(cohort.phenotypes_csv), "--covar-names", "age,sex", "--out", str(tmp_path / "gwas")]) == 0
    summary = json.loads((tmp_path / "gwas" / "summary.json").read_text())
    assert summary["n_samples"] == len(table)
