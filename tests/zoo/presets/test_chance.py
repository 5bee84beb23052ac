"""The chance rate of GWAS-locus precision: printed beside every precision on a card, and
filled into an earlier build's presets from its own cohort without touching weights."""
from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

from zoo.evaluate.bedfile import write_bfile
from zoo.evaluate.latents import write_latents
from zoo.presets.cards import parse_card, render_card
from zoo.presets.chance import fill_chance
from zoo.presets.registry import read_registry_file, registry_json

from .presetkit import make_preset


def _with_gwas(preset, gwas):
    return dataclasses.replace(preset, metrics={"n_samples": 8, "gwas": gwas})


def test_every_precision_prints_its_chance_rate():
    preset = _with_gwas(make_preset({"encoder.keras": b"x"}),
                        {"loci_min_p": 2, "precision_min_p": 1.0, "loci_manova": 4,
                         "precision_manova": 0.5, "null_rate": 0.25})
    row = next(line for line in render_card(preset).splitlines() if line.startswith("| gwas |"))
    assert "precision_min_p 1 (chance 0.25)" in row and "precision_manova 0.5 (chance 0.25)" in row
    assert "null_rate" not in row   # printed beside the precisions, not as a row of its own
    bare = _with_gwas(preset, {"loci_min_p": 2, "precision_min_p": 1.0})
    assert "precision_min_p 1 (chance not recorded)" in render_card(bare)


@pytest.fixture
def build(tmp_path):
    """A finished build's folder: 10 samples, 8 of them in every latent table; chr1 holds
    the one causal variant (pos 120), the compare window is 50 bp."""
    out = tmp_path / "presets_build"
    (out / "cohort").mkdir(parents=True)
    (out / "comparison").mkdir()
    ids = [f"s{i}" for i in range(10)]
    common = np.array([0, 1, 2, 1, 0, 1, 2, 1, 0, 1], np.float32)
    # pos 150 is monomorphic in the 8 shared samples, common only with the 2 others
    rare_in_shared = np.array([0] * 8 + [2, 2], np.float32)
    geno = np.stack([common, rare_in_shared, common, common, common], axis=1)
    write_bfile(out / "cohort" / "genotypes", geno, sample_ids=ids,
                chromosome=["1", "1", "1", "1", "2"], bp_position=[100, 150, 400, 1000, 100],
                variant_id=[f"v{i}" for i in range(5)], allele_1=["C"] * 5, allele_2=["A"] * 5)
    (out / "cohort" / "truth.json").write_text(json.dumps(
        {"causal_variants": [{"id": "c", "chromosome": "1", "position": 120, "factor": "f"}]}))
    (out / "comparison" / "comparison.json").write_text(json.dumps(
        {"config": {"window": 50, "min_maf": 0.01, "threshold": 5e-8}}))
    latents = {}
    for name, keep in (("a", ids), ("b", ids[:8])):
        frame = pd.DataFrame({"latent_0": np.arange(len(keep), dtype=float)},
                             index=pd.Index(keep, name="sample_id"))
        latents[name] = str(write_latents(frame, tmp_path / f"hidden_{name}.tsv"))
    (out / "build.json").write_text(json.dumps({"published": ["tiny.none.ae@1"], "latents": latents}))
    mirror, cards = tmp_path / "mirror", tmp_path / "cards"
    mirror.mkdir()
    cards.mkdir()
    built = _with_gwas(make_preset({"encoder.keras": b"weights"}),
                       {"n_variants_counted": 4, "loci_min_p": 1, "precision_min_p": 1.0})
    other = _with_gwas(make_preset({"encoder.keras": b"other"}, name="other.none.ae"),
                       {"n_variants_counted": 4, "precision_min_p": 0.0})
    (mirror / "registry.json").write_text(registry_json([built, other]))
    return out, mirror, cards, built, other


def test_fill_chance_from_the_build_cohort(build):
    out, mirror, cards, built, other = build
    changed, rate, counted = fill_chance(out, mirror, cards)
    # counted over the 8 shared samples: v0, v2, v3 (chr1) and chr2's v4; of those only
    # v0 (pos 100) lies within 50 bp of the causal pos 120 -> 1/4 (all 10 samples: 2/5)
    assert (changed, rate, counted) == (["tiny.none.ae@1"], 0.25, 4)
    entries = {p.ref: p for p in read_registry_file(mirror / "registry.json")}
    filled = entries["tiny.none.ae@1"]
    assert filled.metrics["gwas"] == {**built.metrics["gwas"], "null_rate": 0.25}
    assert filled.files == built.files and filled.version == built.version
    assert entries["other.none.ae@1"] == other          # not from this build: untouched
    front, body = parse_card((cards / "tiny.none.ae@1.md").read_text(encoding="utf-8"))
    assert {k: front[k] for k in filled.to_dict()} == filled.to_dict()
    assert "precision_min_p 1 (chance 0.25)" in body
    assert not (cards / "other.none.ae@1.md").exists()


def test_fill_chance_refuses_a_different_variant_count(build):
    out, mirror, cards, built, other = build
    wrong = _with_gwas(built, {"n_variants_counted": 5, "precision_min_p": 1.0})
    written = registry_json([wrong, other])
    (mirror / "registry.json").write_text(written)
    with pytest.raises(ValueError, match="expected 4 variants counted"):
        fill_chance(out, mirror, cards)
    assert not list(cards.iterdir())
    assert (mirror / "registry.json").read_text() == written   # nothing written
