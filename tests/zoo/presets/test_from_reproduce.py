"""``zoo presets build --from-reproduce``: a tiny finished ``zoo reproduce`` run published
into a mirror. Every latent space of the run becomes a preset named by the zoo's rule, at
the next free version (an existing version is never touched), with a card equal to its
registry entry, the run's own step results as metrics, and an encoder that ``zoo.embed``
turns the run's raw samples into the run's own latent rows with."""
from __future__ import annotations

import dataclasses
import json
import shutil

import numpy as np
import pandas as pd
import pytest

import zoo
from fastio.hdf5 import read_tensor
from zoo.commands.presets import main as presets_main
from zoo.presets.cards import hub_keys, parse_card, render_card
from zoo.presets.fetching import sha256_of
from zoo.presets.from_reproduce import MAX_FILE_BYTES, next_version
from zoo.presets.registry import PACKAGE_REGISTRY, Registry, read_registry_file, registry_json
from zoo.reproduce.plan import MODELS, SPACES

SHIPPED = Registry([PACKAGE_REGISTRY])
# the names the run's spaces publish as, by the rule <source>.<method>.<objective>
NAMES = {
    "t1_slice_80": "t1_slice_80.none.ae", "t1_slice_80_template": "t1_slice_80.template.ae",
    "t1_slice_80_voxelmorph": "t1_slice_80.voxelmorph.ae", "t1_mni_slice_80": "t1_mni_slice_80.none.ae",
    "dxa_2": "dxa_2.none.ae", "dxa_5": "dxa_5.none.ae", "dxa_11": "dxa_11.none.ae", "dxa_12": "dxa_12.none.ae",
    "dxa_12_homography": "dxa_12.homography.ae", "dxa_12_voxelmorph": "dxa_12.voxelmorph.ae",
    "ecg_rest": "ecg_rest.none.ae", "ecg_rest_median_beat": "ecg_rest.median_beat.ae",
    "lax_4ch_heart_center": "lax_4ch_heart_center.none.ae",
    "lax_4ch_heart_center_deepcycle": "lax_4ch_heart_center.deepcycle.ae",
    "lax_4ch_heart_center_voxelmorph": "lax_4ch_heart_center.voxelmorph.ae",
    "dxa_2@dropfuse_dxa_2_dxa_5": "dxa_2.none.dropfuse_dxa_5", "dxa_5@dropfuse_dxa_2_dxa_5": "dxa_5.none.dropfuse_dxa_2",
    "dxa_11@dropfuse_dxa_11_dxa_12": "dxa_11.none.dropfuse_dxa_12",
    "dxa_12@dropfuse_dxa_11_dxa_12": "dxa_12.none.dropfuse_dxa_11",
    "lax_4ch_heart_center@dropfuse_lax_4ch_heart_center_ecg_rest_median_beat":
        "lax_4ch_heart_center.none.dropfuse_ecg_rest_median_beat",
    "ecg_rest_median_beat@dropfuse_lax_4ch_heart_center_ecg_rest_median_beat":
        "ecg_rest.median_beat.dropfuse_lax_4ch_heart_center",
}
SEEDED = "dxa_2.none.ae"  # the mirror already holds version 3 of it


def test_next_version():
    shipped = SHIPPED.presets()
    newest = max(p.version for p in shipped if p.name == "dxa_2.none.ae")
    assert next_version("dxa_2.none.ae", shipped) == newest + 1
    assert next_version("dxa_2.none.never_published", shipped) == 1
    older = [p for p in shipped if not (p.name == "dxa_2.none.ae" and p.version == newest)]
    assert next_version("dxa_2.none.ae", older) == newest  # the next number after what the list holds


def test_a_preset_counts_as_this_runs_only_if_the_training_outcome_matches_too():
    """A resumed ``zoo reproduce`` retrains a changed model under the same run id and
    command: its new encoder must not be taken for the one published before."""
    from types import SimpleNamespace

    from zoo.presets.from_reproduce import _same_run

    preset = SimpleNamespace(training={"run_id": "ae_ecg_rest_seed0", "command": "zoo reproduce --out DIR",
                                       "best_val_loss": 0.546, "epochs_run": 15, "data": {"fingerprint": "f"}})
    args, summary = {"id": "ae_ecg_rest_seed0"}, {"best_val_loss": 0.546, "epochs_run": 15}
    assert _same_run(preset, (args, summary), "zoo reproduce --out DIR", lambda: "f")
    assert not _same_run(preset, (args, {**summary, "best_val_loss": 0.903}), "zoo reproduce --out DIR", lambda: "f")
    assert not _same_run(preset, (args, {**summary, "epochs_run": 9}), "zoo reproduce --out DIR", lambda: "f")
    assert not _same_run(preset, (args, summary), "zoo reproduce --quick --out DIR", lambda: "f")
    assert not _same_run(preset, (args, summary), "zoo reproduce --out DIR", lambda: "other data")


@pytest.fixture(scope="module")
def published(reproduce_run, tmp_path_factory):
    """The run published into a mirror that already holds ``SEEDED@3`` (a copy of @1)."""
    mirror = tmp_path_factory.mktemp("mirror")
    entry = SHIPPED.entry(f"{SEEDED}@1")
    seeded = dataclasses.replace(entry.preset, version=3)
    (mirror / "files" / seeded.ref).mkdir(parents=True)
    for f in seeded.files:
        shutil.copyfile(entry.bundled(f.name), mirror / "files" / seeded.ref / f.name)
    (mirror / "registry.json").write_text(registry_json([seeded]), encoding="utf-8")
    before = {f.name: sha256_of(mirror / "files" / seeded.ref / f.name) for f in seeded.files}
    argv = ["build", "--from-reproduce", str(reproduce_run), "--publish-to", str(mirror), "--cards",
            str(mirror / "cards")]
    assert presets_main(argv) == 0
    return mirror, seeded, before, argv


@pytest.mark.slow  # the tiny reproduce run behind `reproduce_run` trains for minutes
def test_every_space_is_published_at_its_next_version(published):
    mirror, seeded, before, _ = published
    presets = {p.name: p for p in read_registry_file(mirror / "registry.json") if p.ref != seeded.ref}
    assert sorted(presets) == sorted(NAMES.values())
    assert {s.name for s in SPACES} == set(NAMES)
    for name, preset in presets.items():
        expected = 4 if name == SEEDED else 1 + max(SHIPPED.versions(name), default=0)
        assert preset.version == expected, preset.ref
        assert all(f.size <= MAX_FILE_BYTES for f in preset.files), preset.ref
    # (a space the bundle does not ship yet starts at 1: the loop's default) the
    # registrations' state travels with their spaces
    assert {f.role for f in presets["t1_slice_80.voxelmorph.ae"].files} == {"encoder", "registration"}
    assert {f.role for f in presets["t1_slice_80.none.ae"].files} == {"encoder"}
    # the version already there is untouched: same entry, same bytes
    assert seeded in read_registry_file(mirror / "registry.json")
    assert before == {f.name: sha256_of(mirror / "files" / seeded.ref / f.name) for f in seeded.files}


@pytest.mark.slow
def test_a_batch_with_a_file_over_the_limit_publishes_nothing(reproduce_run, tmp_path, monkeypatch):
    """Every file is sized before the first preset is written: a run whose image encoders
    are over the limit leaves the mirror as it was (here: nothing), not with the spaces
    that happened to come before them published for good."""
    from zoo.presets import from_reproduce
    from zoo.presets.publishing import bundled_sizes

    monkeypatch.setattr(from_reproduce, "MAX_FILE_BYTES", 100_000)
    ecg = bundled_sizes(reproduce_run / "runs" / "ae_ecg_rest_seed0", "ecg_rest")
    brain = bundled_sizes(reproduce_run / "runs" / "ae_t1_slice_80_seed0", "t1_slice_80")
    assert list(ecg) == list(brain) == ["encoder.keras"]
    assert ecg["encoder.keras"] < 100_000 < brain["encoder.keras"]
    mirror = tmp_path / "mirror"
    argv = ["build", "--from-reproduce", str(reproduce_run), "--publish-to", str(mirror)]
    with pytest.raises(ValueError, match="at most 100000 bytes") as exc:   # zoo.cli: one line, exit 2
        presets_main(argv)
    assert "ae_t1_slice_80_seed0 t1_slice_80: encoder.keras" in str(exc.value)
    assert str(exc.value).endswith("nothing was published")
    assert not (mirror / "registry.json").exists() and not (mirror / "files").exists()


@pytest.mark.slow
def test_a_rerun_publishes_nothing_new(published):
    mirror, _, _, argv = published
    text = (mirror / "registry.json").read_text(encoding="utf-8")
    assert presets_main(argv) == 0
    assert (mirror / "registry.json").read_text(encoding="utf-8") == text


@pytest.mark.slow
def test_every_card_is_its_registry_entry(published):
    mirror, seeded, _, _ = published
    for preset in read_registry_file(mirror / "registry.json"):
        if preset.ref == seeded.ref:
            continue
        text = (mirror / "cards" / f"{preset.ref}.md").read_text(encoding="utf-8")
        front, body = parse_card(text)
        assert front == {**hub_keys(preset), **preset.to_dict()} and text == render_card(preset)
        assert "Chance: a locus counts as true" in body and "Negative control (nuisance 0" in body
        assert preset.training["command"].startswith("python -c 'import zoo;")  # tiny settings: no CLI spelling
        assert preset.training["data"]["n"] == 50 and preset.training["data"]["nuisance"] == 0.25
        assert preset.training["seed"] == 0 and preset.training["run_id"].endswith("_seed0")


def _own_r2(run, space_name, seeds, traits):
    """Mean over seeds and splits of the mean R² over ``traits``, straight from the step files."""
    values = []
    for seed in range(seeds):
        step = json.loads((run / "steps" / f"measure_{space_name}_seed{seed}@nuisance0.25.json").read_text())
        scores = pd.DataFrame(step["result"]["scores"])
        part = scores[(scores["metric"] == "r2") & scores["phenotype"].isin(traits)]
        values += list(part.groupby("split")["value"].mean())
    return float(np.mean(values))


@pytest.mark.slow
def test_card_metrics_are_the_run_step_results(published, reproduce_run):
    mirror = published[0]
    spaces = pd.read_csv(reproduce_run / "spaces.csv").set_index("space")
    table2 = pd.read_csv(reproduce_run / "table2.csv").set_index("a")
    control = {r["a"]: r for r in json.loads((reproduce_run / "report.json").read_text())["negative_control"]}
    by_name = {p.name: p for p in read_registry_file(mirror / "registry.json")}
    for space_name, preset_name in NAMES.items():
        m = by_name[preset_name].metrics
        assert m["space"] == space_name
        own = m["own_r2"]["phenotypes"]
        assert m["own_r2"]["mean"] == pytest.approx(_own_r2(reproduce_run, space_name, 2, own), abs=1e-6)
        assert m["own_r2"]["mean"] == pytest.approx(spaces.loc[space_name, "own_r2"], abs=1e-6)
        assert m["own_r2"]["sd_over_seeds"] == pytest.approx(spaces.loc[space_name, "own_r2_sd_seeds"], abs=1e-6)
        g = m["gwas"]
        assert g["null_rate"] == pytest.approx(spaces.loc[space_name, "null_rate"], abs=1e-6)
        for key in ("loci_min_p", "loci_manova", "lambda_gc", "precision_manova", "recall_manova"):
            if pd.isna(spaces.loc[space_name, key]):
                assert g[key] is None
            else:
                assert g[key]["mean"] == pytest.approx(spaces.loc[space_name, key], abs=1e-6), (space_name, key)
        if space_name in table2.index:
            assert m["vs_baseline"]["delta_own_r2"] == pytest.approx(table2.loc[space_name, "own_r2_diff"], abs=1e-6)
            assert m["vs_baseline"]["p"] == float(f"{table2.loc[space_name, 'own_r2_p']:.3g}")  # 3 digits
        else:
            assert "vs_baseline" not in m
        if space_name in control:
            assert m["negative_control"]["delta_own_r2"] == pytest.approx(control[space_name]["diff"], abs=1e-6)
        else:
            assert isinstance(m["negative_control"], str)


@pytest.mark.slow
def test_embed_of_raw_samples_gives_the_run_latent_rows(published, reproduce_run):
    mirror = published[0]
    registry = Registry([PACKAGE_REGISTRY, mirror / "registry.json"])
    by_name = {p.name: p for p in read_registry_file(mirror / "registry.json")}
    hd5 = reproduce_run / "cohort" / "hd5"
    for model in MODELS:
        trained = json.loads((reproduce_run / "steps" / f"train_{model.name}_seed0@nuisance0.25.json").read_text())
        for tensor in model.inputs:
            space_name = tensor if not model.dropfuse else f"{tensor}@{model.name}"
            preset = by_name[NAMES[space_name]]
            table = pd.read_csv(trained["result"]["latents"][tensor], sep="\t", dtype={"sample_id": str})
            rows = table.set_index("sample_id")
            x = np.stack([read_tensor(hd5 / f"{sid}.hd5", preset.source) for sid in rows.index])
            got = zoo.embed(x, preset.ref, registry=registry)
            np.testing.assert_allclose(got, rows.to_numpy(np.float32), rtol=1e-5, atol=1e-5,
                                       err_msg=f"{preset.ref} vs {space_name}")
