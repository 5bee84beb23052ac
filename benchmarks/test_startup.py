"""Start-up time of every command, each in a fresh interpreter.

``COMMAND --help`` for every entry of the ``fastio`` and ``zoo`` command tables (what the
parser costs: the command's module and argparse, nothing heavy), next to the bare
interpreter (``python -c pass``) and ``import numpy`` for scale, and two real runs on tiny
inputs where start-up is nearly all the time: ``fastio inspect`` of a 4-sample store and
``zoo gwas`` of 300 samples × 500 variants × 4 dims (``--no-plots``; the numba cache is
warm after the first round). Rounds from ``REGZOO_STARTUP_BENCH_ROUNDS`` (default 1).
``python benchmarks/test_startup.py ROUNDS`` prints the table in
``benchmarks/results/startup.md`` (median of the rounds per row).
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from fastio import cli as fastio_cli
from zoo import cli as zoo_cli

ROOT = Path(__file__).resolve().parents[1]


def _rounds() -> int:
    return int(os.environ.get("REGZOO_STARTUP_BENCH_ROUNDS", "1"))


def _env() -> dict:
    path = [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(path)}


def _command(cli: str, argv: list[str]) -> list[str]:
    """The console script's work (``zoo ...``/``fastio ...``) with this interpreter."""
    return [sys.executable, "-c", f"import sys; from {cli}.cli import main; sys.exit(main({argv!r}))"]


HELP = ([("fastio", "--help"), ("zoo", "--help")]
        + [("fastio", f"{name} --help") for name in fastio_cli.COMMANDS]
        + [("zoo", f"{name} --help") for name in zoo_cli.COMMANDS])
BASELINE = {"python -c pass": [sys.executable, "-c", "pass"],
            "python -c 'import numpy'": [sys.executable, "-c", "import numpy"]}


def make_inputs(out: Path) -> dict[str, list[str]]:
    """Tiny store and cohort (untimed); returns the two real command lines."""
    from fastio.commands.convert import main as convert_main
    from fastio.synthetic import make_cohort
    from zoo.evaluate.simulate import simulate_cohort

    cohort = make_cohort(out / "hd5", n=4, scale="quick", seed=0, bad=False)
    store = out / "store.zarr"
    assert convert_main([str(out / "hd5"), str(store), "--tensors", "ecg_rest_raw",
                         "--scale", "quick", "--executor", "thread", "--workers", "1",
                         "--quiet"]) == 0
    sim = simulate_cohort(out / "gwas", n=300, m=500, k=4, n_chrom=2, n_pcs=2, seed=1)
    return {
        "fastio inspect STORE": _command("fastio", ["inspect", str(store)]),
        "zoo gwas (300 × 500 × 4, --no-plots)": _command("zoo", [
            "gwas", "--bfile", sim.bfile, "--latents", sim.latents,
            "--covariates", sim.phenotypes, "--covar-names", ",".join(sim.covar_names),
            "--out", str(out / "gwas_out"), "--no-plots", "--quiet"]),
    }


def _run(cmd: list[str]) -> None:
    subprocess.run(cmd, check=True, capture_output=True, env=_env(), cwd=ROOT, timeout=300)


@pytest.mark.parametrize("prog,args", HELP, ids=[f"{p} {a}" for p, a in HELP])
def test_help_startup(benchmark, prog, args):
    cmd = _command(prog, args.split())
    benchmark.pedantic(_run, args=(cmd,), rounds=_rounds(), iterations=1, warmup_rounds=0)


@pytest.mark.parametrize("name", list(BASELINE))
def test_interpreter_baseline(benchmark, name):
    benchmark.pedantic(_run, args=(BASELINE[name],), rounds=_rounds(), iterations=1,
                       warmup_rounds=0)


@pytest.fixture(scope="module")
def real_commands(tmp_path_factory):
    return make_inputs(tmp_path_factory.mktemp("startup"))


@pytest.mark.parametrize("name", ["fastio inspect STORE", "zoo gwas (300 × 500 × 4, --no-plots)"])
def test_command_startup(benchmark, real_commands, name):
    _run(real_commands[name])              # first run fills the numba cache
    benchmark.pedantic(_run, args=(real_commands[name],), rounds=_rounds(), iterations=1,
                       warmup_rounds=0)


def _table(rounds: int) -> None:
    """Every row timed ``rounds`` times, interleaved so each row sees the same load."""
    import statistics
    import tempfile
    import time

    with tempfile.TemporaryDirectory() as tmp:
        rows = {**BASELINE, **{f"{p} {a}": _command(p, a.split()) for p, a in HELP},
                **make_inputs(Path(tmp))}
        for cmd in rows.values():
            _run(cmd)                                    # warm: page cache, numba cache
        times: dict[str, list[float]] = {name: [] for name in rows}
        load = [os.getloadavg()[0]]
        for _ in range(rounds):
            for name, cmd in rows.items():
                start = time.perf_counter()
                _run(cmd)
                times[name].append(time.perf_counter() - start)
        load.append(os.getloadavg()[0])
    print(f"{rounds} rounds, {os.cpu_count()} cpus, load average {load[0]:.1f} -> {load[1]:.1f}")
    print("| command | median (s) | min (s) | max (s) |\n|---|---|---|---|")
    for name, values in times.items():
        print(f"| `{name}` | {statistics.median(values):.3f} | {min(values):.3f} | "
              f"{max(values):.3f} |")


if __name__ == "__main__":
    _table(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
