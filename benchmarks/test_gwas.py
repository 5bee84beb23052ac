"""Latent GWAS vs plink2 --glm on the same PLINK files, covariates and K latent phenotypes.

Size from ``REGZOO_GWAS_BENCH`` = ``samples,variants,dims`` (default ``1000,2000,16``: the
single CI run stays small); rounds from ``REGZOO_GWAS_BENCH_ROUNDS``. Both sides read the
.bed, scan every variant against all K phenotypes with the same covariates, and write
their result tables. ``python benchmarks/test_gwas.py N,M,K ROUNDS [MISSING_RATE]
[--best-of R]`` runs the two side by side, alternating, so both see the same machine load,
and then compares every p-value of the last round (see ``benchmarks/results/gwas.md``).
With ``--best-of R`` each round runs every command R times, still alternating, and keeps
each one's least wall and least CPU seconds: on a shared VM one run's time moves by tens
of per cent (plink2's own CPU seconds too), and the least of a few is what the code costs
when nothing else takes the machine.

With ``REGZOO_GWAS_BEFORE=DIR`` (a checkout of an earlier commit, e.g. ``git worktree add
DIR REV``) each round also runs that checkout's ``zoo gwas --no-plots`` in float32 and
float64 beside this one's, and a second table gives before/after in the same rounds.

``test_same_p_values_as_plink2`` checks the values, not only the speed: every one of the
m × K p-values agrees with plink2's within 1e-4 in −log10 p (float32: where −log10 p < 10;
beyond, plink2's 6-digit T_STAT alone moves −log10 p by up to ~1e-3) and OBS_CT is equal.
Under CI (``CI`` set) a missing plink2 fails the run instead of skipping.
"""
from __future__ import annotations

import os
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

from zoo.evaluate.design import read_covariates
from zoo.evaluate.gwas import GwasConfig, run_gwas
from zoo.evaluate.latents import read_latents
from zoo.evaluate.simulate import simulate_cohort


def _size() -> tuple[int, int, int]:
    text = os.environ.get("REGZOO_GWAS_BENCH", "1000,2000,16")
    try:
        n, m, k = (int(x) for x in text.split(","))
    except ValueError as err:
        raise ValueError(f"REGZOO_GWAS_BENCH: expected 'samples,variants,dims', got {text!r}") from err
    return n, m, k


def _rounds() -> int:
    return int(os.environ.get("REGZOO_GWAS_BENCH_ROUNDS", "1"))


def make_cohort(out, n: int, m: int, k: int, missing_rate: float = 0.0):
    """Simulated cohort plus the plink2 phenotype/covariate files, written untimed."""
    cohort = simulate_cohort(out, n=n, m=m, k=k, n_causal=10, n_chrom=10, n_pcs=10, seed=7,
                             missing_rate=missing_rate)
    latents = read_latents(cohort.latents)
    covar = read_covariates(cohort.phenotypes, cohort.covar_names)
    # plink2 inputs, written once outside the timings
    ids = latents.index.to_numpy()
    pheno = latents.reset_index(drop=True)
    pheno.insert(0, "IID", ids)
    pheno.insert(0, "FID", ids)
    pheno.to_csv(out / "pheno.txt", sep="\t", index=False)
    cov = covar.reset_index().rename(columns={"sample_id": "IID"})
    cov.insert(0, "FID", cov["IID"])
    cov.to_csv(out / "covar.txt", sep="\t", index=False)
    return cohort, latents, covar, out


def plink2_command(plink2: str, cohort, out, stem: str = "plink2"):
    return [plink2, "--bfile", cohort.bfile, "--pheno", str(out / "pheno.txt"),
            "--covar", str(out / "covar.txt"), "--glm", "hide-covar", "omit-ref",
            "--covar-variance-standardize", "--threads", str(os.cpu_count() or 1),
            "--out", str(out / stem)]


def plink2_agreement(long: pd.DataFrame, prefix, names) -> dict:
    """Compare zoo's long table with plink2's ``{prefix}.{name}.glm.linear`` files: number of
    tests, max |Δ −log10 p| over all and where −log10 p < 10, and whether OBS_CT agrees."""
    deltas, small, obs_equal = [], [], True
    for name in names:
        theirs = pd.read_csv(f"{prefix}.{name}.glm.linear", sep="\t")
        mine = long[long["PHENO"] == name]
        if list(mine["ID"].astype(str)) != list(theirs["ID"].astype(str)):
            raise ValueError(f"{prefix}.{name}.glm.linear: expected the variants of zoo's table, "
                             f"got another order or set")
        obs_equal &= bool(np.array_equal(mine["OBS_CT"].to_numpy(), theirs["OBS_CT"].to_numpy()))
        lp_mine = -np.log10(mine["P"].to_numpy(np.float64))
        lp_theirs = -np.log10(theirs["P"].to_numpy(np.float64))
        deltas.append(np.abs(lp_mine - lp_theirs))
        small.append(deltas[-1][lp_theirs < 10])
    delta, below = np.concatenate(deltas), np.concatenate(small)
    return {"tests": int(delta.size), "max_delta": float(delta.max()),
            "max_delta_below_10": float(below.max()) if below.size else 0.0,
            "obs_ct_equal": obs_equal}


@pytest.fixture(scope="module")
def bench_cohort(tmp_path_factory):
    return make_cohort(tmp_path_factory.mktemp("gwas_bench"), *_size())


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_latent_gwas(benchmark, bench_cohort, dtype):
    cohort, latents, covar, out = bench_cohort
    config = GwasConfig(dtype=dtype, progress=False)

    def scan_and_write():
        result = run_gwas(cohort.bfile, latents, covar, config)
        result.write(out / f"zoo_{dtype}")
        return result

    result = benchmark.pedantic(scan_and_write, rounds=_rounds(), iterations=1, warmup_rounds=0)
    assert result.p.shape == (_size()[1], _size()[2])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_same_p_values_as_plink2(bench_cohort, dtype):
    plink2 = shutil.which("plink2")
    if plink2 is None:
        pytest.skip("plink2 is not installed")
    cohort, latents, covar, out = bench_cohort
    if not (out / f"check.{latents.columns[-1]}.glm.linear").exists():
        subprocess.run(plink2_command(plink2, cohort, out, "check"), check=True,
                       capture_output=True)
    result = run_gwas(cohort.bfile, latents, covar, GwasConfig(dtype=dtype, progress=False))
    agree = plink2_agreement(result.long_frame(), out / "check", latents.columns)
    assert agree["tests"] == _size()[1] * _size()[2] and agree["obs_ct_equal"]
    assert agree["max_delta_below_10"] <= 1e-4, agree
    assert agree["max_delta"] <= (1e-4 if dtype == "float64" else 1e-3), agree


def test_plink2_glm(benchmark, bench_cohort):
    plink2 = shutil.which("plink2")
    if plink2 is None:
        pytest.skip("plink2 is not installed")
    cohort, latents, _, out = bench_cohort
    cmd = plink2_command(plink2, cohort, out)
    benchmark.pedantic(lambda: subprocess.run(cmd, check=True, capture_output=True),
                       rounds=_rounds(), iterations=1, warmup_rounds=0)
    first = pd.read_csv(out / f"plink2.{latents.columns[0]}.glm.linear", sep="\t")
    assert len(first) == _size()[1]


def zoo_command(cohort, out, dtype: str, *extra: str, name: str | None = None) -> list[str]:
    """``zoo gwas`` end to end in a fresh interpreter: imports, reading the tables, the
    scan, loci, the long and MANOVA tables, summary.json and (unless ``--no-plots``) plots."""
    import sys

    return [sys.executable, "-m", "zoo.cli", "gwas", "--bfile", cohort.bfile,
            "--latents", cohort.latents, "--covariates", cohort.phenotypes,
            "--covar-names", ",".join(cohort.covar_names), "--out", str(out / f"cli_{name or dtype}"),
            "--dtype", dtype, "--quiet", *extra]


def _pythonpath(root) -> dict:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(root)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])}


def _timed(cmd: list[str], env: dict, cwd=None) -> tuple[float, float]:
    """Wall seconds and the child's CPU seconds (user + system, all its threads)."""
    import resource
    import time

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, env=env, cwd=cwd)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _side_by_side(size: str, rounds: int, missing_rate: float = 0.0, best_of: int = 1) -> None:
    """Alternate ``zoo gwas`` end to end (float32 with and without plots, float64) and
    plink2; print each round's wall times and ratios as a markdown table, then the last
    round's agreement with plink2 (every p-value, both precisions). With
    ``REGZOO_GWAS_BEFORE`` set, also before/after ``--no-plots`` runs and their table.
    ``best_of`` > 1: each round's times are each command's least over that many runs."""
    if best_of < 1:
        raise ValueError(f"Expected best_of >= 1, got {best_of}")
    import tempfile
    from pathlib import Path

    n, m, k = (int(x) for x in size.split(","))
    plink2 = shutil.which("plink2")
    env = _pythonpath(Path(__file__).resolve().parents[1])
    earlier = os.environ.get("REGZOO_GWAS_BEFORE")
    with tempfile.TemporaryDirectory() as tmp:
        cohort, latents, covar, out = make_cohort(Path(tmp), n, m, k, missing_rate)
        runs = {"float32": zoo_command(cohort, out, "float32"),
                "float32 --no-plots": zoo_command(cohort, out, "float32", "--no-plots",
                                                    name="float32_noplots"),
                "float64": zoo_command(cohort, out, "float64")}
        if plink2:
            runs["plink2"] = plink2_command(plink2, cohort, out)
        # before/after: (command, environment, folder) per run; the earlier runs start in
        # the checkout named by REGZOO_GWAS_BEFORE (`python -m` puts the working folder
        # first on sys.path) with it first on their PYTHONPATH
        extra = {} if not earlier else {
            f"{when} {dtype}": (zoo_command(cohort, out, dtype, "--no-plots",
                                            name=f"{when}_{dtype}"),
                                *((_pythonpath(earlier), earlier) if when == "before"
                                  else (env, None)))
            for dtype in ("float32", "float64") for when in ("before", "after")}
        for cmd in runs.values():          # warm: page cache, numba cache, plink2 binary
            subprocess.run(cmd, check=True, capture_output=True, env=env)
        for cmd, run_env, cwd in extra.values():
            subprocess.run(cmd, check=True, capture_output=True, env=run_env, cwd=cwd)
        print(f"{n} samples x {m} variants x {k} dims, {missing_rate:.0%} missing calls, "
              f"{os.cpu_count()} cpus, load average before: {os.getloadavg()[0]:.1f}"
              + (f"; each time the least of {best_of} runs (alternating) in its round"
                 if best_of > 1 else ""))
        # Wall seconds, and each child's CPU seconds (user + system, all its threads):
        # on a shared machine the CPU ratio is the one the other users' load does not move.
        print("| round | " + " | ".join(f"{name} wall / CPU (s)" for name in runs)
              + (" | plink2 / float32 | plink2 / float32 no plots | plink2 / float64 "
                 "| float64 / float32 | load |" if plink2 else " | float64 / float32 | load |"))
        print("|" + "---|" * (len(runs) + (6 if plink2 else 3)))
        rows = []
        for r in range(rounds):
            samples = {name: [] for name in [*runs, *extra]}
            for _ in range(best_of):       # alternating, so each repeat sees the same load
                for name, cmd in runs.items():
                    samples[name].append(_timed(cmd, env))
                for name, (cmd, run_env, cwd) in extra.items():
                    samples[name].append(_timed(cmd, run_env, cwd))
            times, cpu = _least(samples)
            rows.append((times, cpu, os.getloadavg()[0]))
            cells = [f"{times[key]:.2f} / {cpu[key]:.2f}" for key in runs]
            if plink2:
                cells += [f"{times['plink2'] / times[key]:.2f}x / {cpu['plink2'] / cpu[key]:.2f}x"
                          for key in ("float32", "float32 --no-plots", "float64")]
            cells.append(f"{times['float64'] / times['float32']:.2f}x / "
                         f"{cpu['float64'] / cpu['float32']:.2f}x")
            cells.append(f"{os.getloadavg()[0]:.1f}")
            print(f"| {r + 1} | " + " | ".join(cells) + " |", flush=True)
        if extra:
            _before_after_table(rows, earlier)
        if plink2:
            for dtype in ("float32", "float64"):
                long = pd.read_csv(out / f"cli_{dtype}" / "latent_gwas.glm.linear.tsv", sep="\t")
                agree = plink2_agreement(long, out / "plink2", latents.columns)
                print(f"{dtype} vs plink2: {agree['tests']:,} tests, max |d -log10 p| "
                      f"{agree['max_delta']:.2g} (where -log10 p < 10: "
                      f"{agree['max_delta_below_10']:.2g}), OBS_CT equal: "
                      f"{agree['obs_ct_equal']}", flush=True)


def _least(samples: dict[str, list[tuple[float, float]]]) -> tuple[dict, dict]:
    """Each command's least wall and least CPU seconds over its ``(wall, cpu)`` runs."""
    return ({name: min(wall for wall, _ in runs) for name, runs in samples.items()},
            {name: min(cpu for _, cpu in runs) for name, runs in samples.items()})


def test_least_takes_each_commands_own_minimum():
    times, cpu = _least({"zoo": [(1.2, 1.9), (1.0, 2.0), (1.1, 1.7)], "plink2": [(2.5, 4.0)]})
    assert times == {"zoo": 1.0, "plink2": 2.5} and cpu == {"zoo": 1.7, "plink2": 4.0}


def _before_after_table(rows: list, earlier: str) -> None:
    """The before/after runs of each round (``--no-plots``): wall / CPU and CPU ratios."""
    print(f"\nbefore = {earlier}; after = this checkout; both --no-plots")
    print("| round | before float32 | after float32 | before float64 | after float64 "
          "| before / after CPU float32 | before / after CPU float64 | after float64 / float32 CPU "
          "| load |")
    print("|" + "---|" * 9)
    for r, (times, cpu, load) in enumerate(rows):
        cells = [f"{times[key]:.2f} / {cpu[key]:.2f}" for key in
                 ("before float32", "after float32", "before float64", "after float64")]
        cells += [f"{cpu[f'before {d}'] / cpu[f'after {d}']:.2f}x" for d in ("float32", "float64")]
        cells += [f"{cpu['after float64'] / cpu['after float32']:.2f}x", f"{load:.1f}"]
        print(f"| {r + 1} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="zoo gwas vs plink2 --glm, side by side")
    parser.add_argument("size", nargs="?", default="10000,50000,16", help="samples,variants,dims")
    parser.add_argument("rounds", nargs="?", type=int, default=3)
    parser.add_argument("missing_rate", nargs="?", type=float, default=0.0)
    parser.add_argument("--best-of", type=int, default=1,
                        help="runs of each command per round; the least time is kept")
    args = parser.parse_args()
    _side_by_side(args.size, args.rounds, args.missing_rate, args.best_of)
