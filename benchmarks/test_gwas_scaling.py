"""How the Dask variant-block latent GWAS grows with samples and variants, and what that
extrapolates to for a biobank (400k samples × 10M variants).

One simulated cohort (``BASE`` samples × variants, 50 latent dimensions) is tiled into the
larger filesets: samples repeated (new ids, latents and covariates copied with them) and
variants repeated (new ids and positions). Genotype content hardly changes the cost of a
scan (no missing calls here either way), only its shape does. Each size runs
``run_gwas_dask`` on a ``LocalCluster(processes=False)`` (what ``zoo gwas
--dask local`` starts) with ``--block-size`` 50,000, timing wall and the
process's CPU seconds (every worker thread included).

``python benchmarks/test_gwas_scaling.py`` prints the table of
``benchmarks/results/gwas.md`` (sizes 5k/10k/20k × 50k/100k, K = 16, plus 10k × 50k at
K = 50). The pytest run (CI) uses small sizes and checks the tiled filesets and results.
"""
from __future__ import annotations

import logging
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from zoo.evaluate.design import read_covariates
from zoo.evaluate.latents import read_latents
from zoo.evaluate.simulate import simulate_cohort

BLOCK = 50_000


def tile_fileset(base, out: Path, n_rep: int, m_rep: int, k: int):
    """``base`` (SimulatedCohort) tiled ``n_rep`` times over samples and ``m_rep`` times over
    variants into ``out/cohort.*``; returns (bfile, latents, covariates) with K = ``k``."""
    from bed_reader import open_bed

    src = open_bed(base.bfile + ".bed")
    n, m = src.iid_count, src.sid_count
    if n % 4:
        raise ValueError(f"Expected a sample count divisible by 4 to tile .bed bytes, got {n}")
    out.mkdir(parents=True, exist_ok=True)
    rows = np.fromfile(base.bfile + ".bed", np.uint8, offset=3).reshape(m, n // 4)
    with open(out / "cohort.bed", "wb") as fh:
        fh.write(bytes([0x6C, 0x1B, 0x01]))
        tiled = np.tile(rows, (1, n_rep))             # each variant: its n samples n_rep times
        for _ in range(m_rep):
            fh.write(tiled.tobytes())
    bim = pd.read_csv(base.bfile + ".bim", sep="\t", header=None,
                      names=["chrom", "id", "cm", "pos", "a1", "a2"], dtype={"chrom": str})
    span = int(bim["pos"].max()) + 5_000
    bim = pd.concat([bim.assign(id=bim["id"] + f"_{r}", pos=bim["pos"] + r * span)
                     for r in range(m_rep)], ignore_index=True)
    bim.to_csv(out / "cohort.bim", sep="\t", header=False, index=False)
    fam = pd.read_csv(base.bfile + ".fam", sep=" ", header=None,
                      names=["fid", "iid", "father", "mother", "sex", "pheno"])
    fam = pd.concat([fam.assign(fid=fam["fid"] + f"_{r}", iid=fam["iid"] + f"_{r}")
                     for r in range(n_rep)], ignore_index=True)
    fam.to_csv(out / "cohort.fam", sep=" ", header=False, index=False)
    latents = read_latents(base.latents).iloc[:, :k]
    covar = read_covariates(base.phenotypes, base.covar_names)

    def rename(frame):
        return pd.concat([frame.set_axis(frame.index + f"_{r}", axis=0) for r in range(n_rep)])

    return str(out / "cohort"), rename(latents), rename(covar)


def run_blocks(bfile: str, latents, covar, dtype: str = "float32") -> dict:
    """One Dask run: wall and CPU seconds, blocks, and the result's shape."""
    from fastio.cluster import dask_client
    from zoo.evaluate.export import run_gwas_dask
    from zoo.evaluate.gwas import GwasConfig

    config = GwasConfig(dtype=dtype, progress=False)
    # the local cluster `zoo gwas --dask local` starts, its logs silenced
    with dask_client("local", processes=False, dashboard_address=None,
                     silence_logs=logging.WARNING) as client:
        wall, cpu = time.perf_counter(), time.process_time()
        result = run_gwas_dask(client, bfile, latents, covar, config, block_size=BLOCK)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    m = len(result.variants)
    return {"wall_s": wall, "cpu_s": cpu, "blocks": -(-m // BLOCK), "result": result}


@pytest.fixture(scope="module")
def small_base(tmp_path_factory):
    return simulate_cohort(tmp_path_factory.mktemp("scaling"), n=400, m=600, k=6, n_chrom=2,
                           n_pcs=2, seed=3)


def test_tiled_fileset_scans_like_its_base(small_base, tmp_path):
    """A sample- and variant-tiled fileset gives, for its first copy of every variant, the
    statistics of the base scanned with duplicated samples — so the scaling runs do real
    work on the intended shapes."""
    from zoo.evaluate.gwas import GwasConfig, run_gwas

    bfile, latents, covar = tile_fileset(small_base, tmp_path / "t", 2, 3, 4)
    run = run_blocks(bfile, latents, covar, dtype="float64")
    result = run["result"]
    assert result.p.shape == (1800, 4) and result.n_samples == 800
    direct = run_gwas(bfile, latents, covar, GwasConfig(dtype="float64", progress=False))
    np.testing.assert_allclose(result.p, direct.p, rtol=1e-10)
    # the three variant copies carry the same genotypes: identical statistics
    np.testing.assert_allclose(result.stats["beta"][:600], result.stats["beta"][1200:],
                               rtol=1e-10)
    assert list(result.variants["ID"][:2]) == ["rs1_10000_0", "rs1_15000_0"]
    assert run["cpu_s"] > 0 and run["blocks"] == 1


def _table(base_dir: Path) -> None:
    import shutil
    import sys

    base = simulate_cohort(base_dir / "base", n=5_000, m=50_000, k=50, n_causal=10,
                           n_chrom=10, n_pcs=10, seed=11)
    print(f"base: 5,000 x 50,000 x 50 simulated; {os.cpu_count()} cpus, load average "
          f"{os.getloadavg()[0]:.1f}", file=sys.stderr)
    rows = [(n_rep, m_rep, 16) for m_rep in (1, 2) for n_rep in (1, 2, 4)] + [(2, 1, 50)]
    print("| samples | variants | K | blocks | wall (s) | CPU (s) | CPU s per block "
          "| CPU ns per sample × variant | load |\n|---|---|---|---|---|---|---|---|---|")
    fits, k50 = [], None
    for n_rep, m_rep, k in rows:
        out = base_dir / f"t{n_rep}x{m_rep}"
        bfile, latents, covar = tile_fileset(base, out, n_rep, m_rep, k)
        run = run_blocks(bfile, latents, covar)
        n, m = 5_000 * n_rep, 50_000 * m_rep
        per = run["cpu_s"] / (n * m) * 1e9
        if k == 16:
            fits.append((n, m, run["cpu_s"]))
        else:
            k50 = run["cpu_s"]
        print(f"| {n:,} | {m:,} | {k} | {run['blocks']} | {run['wall_s']:.1f} | "
              f"{run['cpu_s']:.1f} | {run['cpu_s'] / run['blocks']:.1f} | {per:.2f} | "
              f"{os.getloadavg()[0]:.1f} |", flush=True)
        shutil.rmtree(out)
    # CPU = c0 + a·variants + b·samples·variants: a per-variant part (statistics, p-values,
    # the variant table) and a per-genotype part (decoding, the product)
    n_m = np.array(fits, float)
    design = np.column_stack([np.ones(len(n_m)), n_m[:, 1], n_m[:, 0] * n_m[:, 1]])
    (c0, a, b), *_ = np.linalg.lstsq(design, n_m[:, 2], rcond=None)
    print(f"\nleast squares over the K = 16 rows: CPU s = {c0:.2f} + {a * 1e6:.2f} µs × variants "
          f"+ {b * 1e9:.3f} ns × samples × variants")
    k_ratio = k50 / next(cpu for n, m, cpu in fits if (n, m) == (10_000, 50_000))
    for n, m in ((400_000, 10_000_000), (400_000, 11_400_000)):
        hours = (c0 * m / BLOCK + a * m + b * n * m) / 3600
        print(f"extrapolated {n:,} × {m:,}: K = 16 {hours:.1f} CPU-h; K = 50 {hours * k_ratio:.1f} "
              f"CPU-h (× {k_ratio:.2f}, the K = 50 / K = 16 CPU ratio at 10,000 × 50,000; "
              f"c0 counted once per {BLOCK:,}-variant block)")


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        _table(Path(tmp))
