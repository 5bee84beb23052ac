"""Start-up cost of the command lines: ``import fastio``, ``import zoo`` and every
sub-command's parser (``COMMAND --help``) import none of the heavy libraries.

Each case runs in a fresh interpreter, because the test process itself has imported
most of them already. ``zoo gwas --help`` importing pandas and numba (0.7 s) and
``zoo compare --help`` importing scipy.stats (1.7 s) were the regressions this catches.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fastio import cli as fastio_cli
from zoo import cli as zoo_cli

ROOT = Path(__file__).resolve().parents[2]

# Never needed to print help; each costs 0.1–3 s to import.
HEAVY = ("keras", "tensorflow", "scipy.stats", "matplotlib", "pandas", "sklearn", "numba",
         "torch", "jax", "cv2", "distributed")
# A parser needs none of numpy either (0.3–0.4 s here); real work does.
PARSER_HEAVY = (*HEAVY, "numpy")

_PROBE = """
import contextlib, io, json, sys
import fastio, zoo
from {cli} import main
with contextlib.redirect_stdout(io.StringIO()) as out:
    try:
        code = main({argv!r})
    except SystemExit as stop:
        code = stop.code
heavy = {heavy!r}
print(json.dumps({{"code": code, "help": out.getvalue(),
                  "heavy": sorted(m for m in heavy if m in sys.modules)}}))
"""

CASES = ([("fastio.cli", ["--help"]), ("zoo.cli", ["--help"]), ("fastio.cli", None)]
         + [("fastio.cli", [name, "--help"]) for name in fastio_cli.COMMANDS]
         + [("zoo.cli", [name, "--help"]) for name in zoo_cli.COMMANDS])


def _probe(cli: str, argv: list[str] | None, heavy: tuple[str, ...] = PARSER_HEAVY) -> dict:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])}
    # argv None: bare `import fastio, zoo` plus the top-level usage (exit status 2)
    code = _PROBE.format(cli=cli, argv=[] if argv is None else argv, heavy=heavy)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("cli,argv", CASES,
                         ids=[f"{c.split('.')[0]} {' '.join(a or ['(bare)'])}" for c, a in CASES])
def test_parser_imports_nothing_heavy(cli, argv):
    result = _probe(cli, argv)
    assert result["heavy"] == [], f"{cli} {argv} imported {result['heavy']}"
    assert result["code"] == (2 if argv is None else 0)
    if argv and len(argv) == 2:
        # the command's own argparse help, not the top-level usage
        assert "usage:" in result["help"] and argv[0] in result["help"]


def test_probe_sees_a_heavy_import():
    """Negative control: the probe reports a heavy module when one is imported."""
    code = _PROBE.format(cli="fastio.cli", argv=["--help"], heavy=HEAVY).replace(
        "import fastio, zoo", "import fastio, zoo, pandas")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert json.loads(proc.stdout.strip().splitlines()[-1])["heavy"] == ["pandas"]


def test_inspect_runs_without_pandas(tmp_path):
    """`fastio inspect STORE` (failures included) needs zarr but none of the heavy
    libraries, and prints the same failure rows as the DataFrame of ``Store.failures``."""
    from fastio.commands.convert import main as convert_main
    from fastio.store import open_store
    from fastio.summary import format_failures
    from fastio.synthetic import make_cohort

    make_cohort(tmp_path / "hd5", n=2, scale="quick", bad=("not_hdf5", "wrong_rank_dxa"))
    store = tmp_path / "s.zarr"
    assert convert_main([str(tmp_path / "hd5"), str(store), "--tensors", "ecg_rest", "dxa_2",
                         "--scale", "quick", "--executor", "thread", "--workers", "1",
                         "--quiet"]) == 0
    result = _probe("fastio.cli", ["inspect", str(store)], HEAVY)
    assert result["code"] == 0 and result["heavy"] == [], result["heavy"]
    rows = format_failures(open_store(store).failures, 20)
    assert "wrong rank" in rows and "not an HDF5 file" in rows
    assert rows in result["help"]
    assert format_failures(open_store(store).failure_columns(), 1).endswith("... and 2 more")


_EXIT_PROBE = """
import atexit, sys, threading, time
from fastio._dispatch import exit_now

class Teardown:                      # printed only if the interpreter tears down __main__
    def __del__(self):
        print("teardown", flush=True)

keep = Teardown()
atexit.register(lambda: open(sys.argv[1], "w").write("atexit ran"))
if sys.argv[2] == "thread":         # a writer still running: exit_now must not cut it off
    def late():
        time.sleep(0.3)
        open(sys.argv[1] + ".thread", "w").write("written")
    threading.Thread(target=late).start()
sys.stdout.write("unflushed output")  # block-buffered into the pipe
exit_now(5)
print(" returned")
sys.exit(7)
"""


@pytest.mark.parametrize("case", ["alone", "thread"])
def test_exit_now_skips_only_the_teardown(tmp_path, case):
    """exit_now ends at once with the code, after the atexit handlers and with stdout
    flushed; with another non-daemon thread alive it returns and Python exits normally
    (the thread finishes its file). Negative control: the normal exit does tear down."""
    marker = tmp_path / "marker"
    proc = subprocess.run([sys.executable, "-c", _EXIT_PROBE, str(marker), case],
                          capture_output=True, text=True, cwd=ROOT, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert marker.read_text() == "atexit ran"
    if case == "alone":
        assert proc.returncode == 5 and proc.stdout == "unflushed output", proc.stderr
    else:
        assert proc.returncode == 7, proc.stderr
        assert proc.stdout.startswith("unflushed output returned") and "teardown" in proc.stdout
        assert (tmp_path / "marker.thread").read_text() == "written"


def test_dispatch_exits_quickly_only_from_the_command_line(tmp_path):
    """A short_lived command runs without the cyclic collector and ends the process when
    dispatch read sys.argv itself; called with an argv list (tests, other Python code) it
    changes neither and returns its exit status."""
    (tmp_path / "quickcmd.py").write_text(
        "import gc\ndef main(argv):\n    print('ran', argv, gc.isenabled())\n    return 4\n")
    code = ("import sys\nfrom fastio._dispatch import dispatch\n"
            "table = {'go': ('quickcmd', 'a test command')}\n"
            "print('returned', dispatch('t', table, ['go', 'x'], short_lived={'go'}))\n"
            "sys.argv = ['t', 'go', 'y']\n"
            "dispatch('t', table, None, short_lived={'go'})\n"
            "print('not reached')\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=60,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT),
                                                                              str(tmp_path)])})
    assert proc.returncode == 4, proc.stderr
    # from the command line: run without the cyclic collector (a short-lived process)
    assert proc.stdout.split("\n") == ["ran ['x'] True", "returned 4", "ran ['y'] False", ""]
