"""``python -m zoo.presets.chance --out DIR``: add the chance rate of GWAS-locus precision
(``metrics.gwas.null_rate``) to presets an earlier ``zoo presets build --out DIR`` published
without it, from that build's own cohort (genotypes and ``truth.json``) and ``zoo compare``
settings (window, MAF floor). Nothing is retrained and no weights file changes, so versions
stay; the registry entries and their cards are rewritten from the same records.

The variants counted are those with MAF >= the floor over the samples the comparison
shared (every latent table's samples); their number must equal each preset's recorded
``n_variants_counted``, or nothing is written.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from fastio.safefs import atomic_write_text
from zoo.evaluate.bedfile import open_bfile
from zoo.evaluate.latents import read_latents
from zoo.evaluate.loci import null_rate, read_truth
from zoo.presets.cards import render_card
from zoo.presets.registry import read_registry_file, registry_json

__all__ = ["build_null_rate", "fill_chance", "main"]


def build_null_rate(out: Path) -> tuple[float, int]:
    """(null rate, variants counted) of the build in ``out``."""
    out = Path(out)
    record = json.loads((out / "build.json").read_text(encoding="utf-8"))
    config = json.loads((out / "comparison" / "comparison.json").read_text(encoding="utf-8"))["config"]
    bfile = out / "cohort" / "genotypes"
    samples = None
    for path in record["latents"].values():
        # build.json names tables relative to the folder the build ran in (OUT's parent)
        table = Path(path) if Path(path).is_file() else out.parent / path
        ids = set(read_latents(table).index.astype(str))
        samples = ids if samples is None else samples & ids
    fam = pd.read_csv(f"{bfile}.fam", sep=r"\s+", header=None, dtype=str)
    rows = np.flatnonzero(fam[1].isin(samples or set()).to_numpy())
    if rows.size != len(samples or ()):
        raise ValueError(f"{bfile}.fam: expected all {len(samples or ())} shared samples, found {rows.size}")
    dosage = open_bfile(bfile).read(index=np.s_[rows, :], dtype="float64")
    freq = np.nanmean(dosage, axis=0) / 2.0
    common = np.minimum(freq, 1.0 - freq) >= float(config["min_maf"])
    bim = pd.read_csv(f"{bfile}.bim", sep=r"\s+", header=None, dtype={0: str},
                      names=["#CHROM", "ID", "CM", "POS", "A1", "A2"])
    truth = read_truth(out / "cohort" / "truth.json")
    return null_rate(bim, truth, window=int(config["window"]), mask=common), int(common.sum())


def fill_chance(out, mirror, cards) -> tuple[list[str], float, int]:
    """Add ``null_rate`` to every preset of ``mirror``'s registry that the build in ``out``
    published; rewrite the registry and the cards. Returns (refs changed, null rate,
    variants counted)."""
    out, mirror, cards = Path(out), Path(mirror), Path(cards)
    published = set(json.loads((out / "build.json").read_text(encoding="utf-8"))["published"])
    rate, counted = build_null_rate(out)
    presets, changed = [], []
    for preset in read_registry_file(mirror / "registry.json"):
        gwas = dict(preset.metrics.get("gwas") or {})
        if preset.ref in published and gwas:
            if gwas.get("n_variants_counted") != counted:
                raise ValueError(f"{preset.ref}: expected {counted} variants counted (this build's cohort), "
                                 f"got {gwas.get('n_variants_counted')}")
            gwas["null_rate"] = round(rate, 4)
            preset = dataclasses.replace(preset, metrics={**preset.metrics, "gwas": gwas})
            changed.append(preset.ref)
        presets.append(preset)
    for preset in presets:
        if preset.ref in changed:
            atomic_write_text(cards / f"{preset.ref}.md", render_card(preset))
    atomic_write_text(mirror / "registry.json", registry_json(presets))
    return changed, rate, counted


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m zoo.presets.chance", description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True, help="the work folder of the `zoo presets build` run")
    p.add_argument("--publish-to", required=True, help="the mirror it published into")
    p.add_argument("--cards", required=True, help="its card folder")
    args = p.parse_args(sys.argv[1:] if argv is None else argv)
    changed, rate, counted = fill_chance(args.out, args.publish_to, args.cards)
    print(f"null rate {rate:.4f} over {counted} counted variants; {len(changed)} presets updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
