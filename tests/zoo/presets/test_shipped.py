"""Every shipped preset on fresh phantom subjects: ``zoo.embed`` of the .hd5 files equals
the recipe's own path — ``zoo register`` resumed from the preset's shipped state into a
store, then ``zoo infer`` with the preset's encoder — to 1e-5."""
from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

import zoo
from zoo.presets.build import SOURCE_TENSORS
from zoo.presets.preprocess import step_options
from zoo.presets.registry import PACKAGE_REGISTRY, Registry

pytestmark = pytest.mark.slow

SHIPPED = Registry([PACKAGE_REGISTRY])
ENTRIES = [SHIPPED.entries[k] for k in sorted(SHIPPED.entries)]
PARAMS = [pytest.param(e, id=e.preset.ref) for e in ENTRIES] or [pytest.param(None, id="empty-registry")]


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    import fastio
    from zoo.phantom import generate

    root = tmp_path_factory.mktemp("shipped")
    # a seed the presets were not trained on: new people
    cohort = generate(root / "cohort", n=24, seed=11, scale="quick", progress=False)
    fastio.convert(cohort.hd5_dir, root / "store.zarr", SOURCE_TENSORS, scale="quick", progress=False)
    return root, cohort


def _recipe_latents(root, entry) -> pd.DataFrame:
    from zoo.recipes.run import run as recipe_run
    from zoo.registration.pipeline import register_store, work_dir_for

    preset, store = entry.preset, root / "store.zarr"
    tensor = preset.source.name
    if preset.method != "none":
        tensor = f"{preset.input.name}_{preset.version}"
        work = work_dir_for(store, tensor)
        work.mkdir(parents=True, exist_ok=True)
        for f in preset.files:
            if f.role == "registration":
                shutil.copyfile(entry.bundled(f.name), work / f.name)  # a resumed `zoo register`
        options = step_options(preset)
        register_store(store, preset.method, preset.source.name, out_tensor=tensor, progress=False, plot=False,
                       seed=options.pop("seed", 0), **options)
    run_id = preset.ref.replace("@", "_v").replace(".", "_")
    run_dir = root / "runs" / run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(entry.bundled(preset.encoder_file.name), run_dir / f"encoder_{tensor}.keras")
    assert recipe_run(["--mode", "infer_encoders", "--tensors", str(store), "--output_folder",
                       str(root / "runs"), "--id", run_id, "--input_tensors", tensor, "--batch_size", "8"]) == 0
    path = next(run_dir.glob("hidden_*.tsv"))
    return pd.read_csv(path, sep="\t", dtype={"sample_id": str}).set_index("sample_id")


@pytest.mark.parametrize("entry", PARAMS)
def test_embed_equals_recipe_infer(entry, cohort):
    if entry is None:
        return  # nothing shipped yet (test_registry checks that no card exists either)
    root, phantom = cohort
    expected = _recipe_latents(root, entry)
    got = zoo.embed(phantom.hd5_dir, entry.preset.ref, registry=SHIPPED)
    assert list(got.index) == list(expected.index)
    np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(), atol=1e-5, rtol=0)
