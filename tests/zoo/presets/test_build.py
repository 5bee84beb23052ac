"""The build plan: every latent space the experiment compares is trained, with the recipe
flags it means, and the metrics of a space are read from `zoo compare`'s own tables."""
from __future__ import annotations

import argparse

import pandas as pd
import pytest

from zoo.presets.build import COMPARED, RECIPES, REGISTRATIONS, _recipe_argv, _space_name, add_arguments, space_metrics
from zoo.recipes.args import parse_args


def _args(**changes):
    p = argparse.ArgumentParser()
    add_arguments(p)
    return p.parse_args(["--out", "x", *sum(([f"--{k}", str(v)] for k, v in changes.items()), [])])


def test_every_compared_space_is_trained():
    spaces = {_space_name(r, t) for r in RECIPES for t in r.inputs}
    assert {s for pair in COMPARED for s in pair} <= spaces
    registered = {r.out for r in REGISTRATIONS}
    trained = {t for r in RECIPES for t in r.inputs}
    assert registered <= trained  # no registration is computed and then left unused
    methods = {r.method for r in REGISTRATIONS}
    assert methods == {"template", "median_beat", "homography", "deepcycle", "voxelmorph"}
    pairs = {r.inputs for r in RECIPES if len(r.inputs) == 2}
    assert pairs == {("dxa_2", "dxa_5"), ("dxa_11", "dxa_12"), ("lax_4ch_heart_center", "ecg_rest_median_raw_10")}


@pytest.mark.parametrize("recipe", [r for r in RECIPES if r.run_id in ("dxa_12_homography_ae", "dxa_2_dxa_5_dropfuse")],
                         ids=lambda r: r.run_id)
def test_recipe_flags(recipe, tmp_path):
    argv = _recipe_argv(tmp_path / "store.zarr", tmp_path / "runs", recipe, _args(latent=8, epochs=2, seed=5))
    args = parse_args(["--mode", "train", *argv])
    assert args.id == recipe.run_id and args.input_tensors == list(recipe.inputs) == args.output_tensors
    assert (args.dense_layers, args.epochs, args.random_seed) == ([8], 2, 5)
    if len(recipe.inputs) == 2:
        assert args.pair_merge == "dropout" and args.pairs == [list(recipe.inputs)]
    else:
        assert args.pair_merge is None and not args.pairs


def test_space_metrics_reads_compare_tables():
    scores = pd.DataFrame({"space": ["a"] * 6 + ["b"] * 2, "phenotype": ["h", "w", "h", "w", "d", "d", "h", "h"],
                           "kind": "x", "metric": ["r2"] * 4 + ["auroc"] * 2 + ["r2"] * 2,
                           "split": [0, 0, 1, 1, 0, 1, 0, 1], "value": [0.2, 0.4, 0.1, 0.3, 0.6, 0.8, 9, 9]})
    comparison = {"n_samples": 40, "phewas_counts": [{"space": "a", "n_associated": 2}],
                  "gwas": [{"space": "a", "lambda_gc": 1.01234, "loci_min_p": 3, "half1_loci_min_p": 1,
                            "precision_min_p": None}]}
    m = space_metrics(comparison, scores, "a")
    # per split: mean over phenotypes (0.3, 0.2), then mean and SD over splits
    assert m["mean_r2"] == {"mean": 0.25, "sd_over_splits": round(0.0707107, 4), "phenotypes": 2, "splits": 2}
    assert m["mean_auroc"]["mean"] == 0.7 and m["phewas_diseases"] == 2
    assert m["gwas"] == {"lambda_gc": 1.0123, "loci_min_p": 3} and m["n_samples"] == 40
