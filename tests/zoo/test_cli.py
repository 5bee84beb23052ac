"""The ``zoo`` and ``fastio`` command tables: every sub-command resolves to a module with a
``build_parser`` and a ``main``, spells the shared flags one way, documents and follows one
error convention; help is printed, and an unknown command fails with status 2."""
import argparse
import importlib
import inspect
import pkgutil

import pytest

from fastio import _flags
from fastio import cli as fastio_cli
from fastio._dispatch import exit_codes_text
from zoo import cli as zoo_cli


@pytest.mark.parametrize("table,package", [(fastio_cli.COMMANDS, "fastio.commands."),
                                           (zoo_cli.COMMANDS, "zoo.commands.")], ids=["fastio", "zoo"])
def test_every_command_is_a_module_of_the_commands_package(table, package):
    for name, (module, help_) in table.items():
        assert help_, name
        assert module == package + name, module
        loaded = importlib.import_module(module)
        assert callable(loaded.main) and callable(loaded.build_parser), module
    # and every public module of the package is a command of the table
    modules = pkgutil.iter_modules(importlib.import_module(package.rstrip(".")).__path__)
    assert sorted(m.name for m in modules if not m.name.startswith("_")) == sorted(table)


@pytest.mark.parametrize("cli", [fastio_cli, zoo_cli], ids=["fastio", "zoo"])
def test_help_and_unknown_command(cli, capsys):
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in cli.COMMANDS)
    assert cli.main([]) == 2
    assert cli.main(["no-such-command"]) == 2
    assert "unknown command 'no-such-command'" in capsys.readouterr().err


# One bad input per command: accepted by its parser, refused by the command (a missing or
# wrong file, an impossible value). A command added to a table needs a case here.
BAD_INPUT = {
    ("fastio", "convert"): (["{tmp}/no_hd5", "{tmp}/out.zarr", "--tensors", "ecg_rest"], 2),
    ("fastio", "merge"): (["{tmp}/no_part.zarr", "--out", "{tmp}/merged.zarr"], 2),
    ("fastio", "inspect"): (["{tmp}/no_store.zarr"], 2),
    ("fastio", "demo"): (["--out", "{tmp}/demo", "--n", "0"], 2),
    ("zoo", "phantom"): (["--out", "{tmp}/phantom", "--n", "0"], 2),
    ("zoo", "train"): (["--tensors", "{tmp}/nowhere", "--input_tensors", "dxa.dxa_2",
                        "--output_tensors", "dxa.dxa_2", "--output_folder", "{tmp}/runs"], 2),
    ("zoo", "infer"): (["--tensors", "{tmp}/nowhere", "--input_tensors", "dxa.dxa_2",
                        "--output_folder", "{tmp}/runs"], 2),
    ("zoo", "register"): (["template", "--store", "{tmp}/no_store.zarr", "--tensor", "x"], 2),
    ("zoo", "gwas"): (["--bfile", "{tmp}/nope", "--latents", "{tmp}/nope.tsv", "--out", "{tmp}/gwas"], 2),
    ("zoo", "compare"): (["--latents", "a={tmp}/nope.tsv", "--phenotypes", "{tmp}/nope.csv",
                          "--out", "{tmp}/compare"], 2),
    ("zoo", "presets"): (["--registry", "{tmp}/user_file", "show", "nope.none.ae"], 2),
    ("zoo", "embed"): (["nope.none.ae", "--input", "{tmp}/nowhere", "--out", "{tmp}/h.tsv"], 2),
    # --out names a user's file: refused before any work, the file intact (exit 3: OSError)
    ("zoo", "demo"): (["--out", "{tmp}/user_file", "--quiet"], 3),
    ("zoo", "reproduce"): (["--out", "{tmp}/rp", "--n", "10"], 2),
}
TABLES = {"fastio": fastio_cli, "zoo": zoo_cli}
ALL_COMMANDS = [(prog, name) for prog, cli in TABLES.items() for name in cli.COMMANDS]


def _one_error_line(err: str, prog: str, name: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith(f"{prog} {name}: "), lines[0]
    assert "Traceback" not in err
    return lines[0]


def test_every_command_has_a_bad_input_case():
    assert sorted(BAD_INPUT) == sorted(ALL_COMMANDS)


@pytest.mark.parametrize("prog,name", ALL_COMMANDS, ids=[f"{p} {n}" for p, n in ALL_COMMANDS])
def test_bad_input_is_one_line_and_leaves_nothing_behind(prog, name, tmp_path, capfd):
    argv, code = BAD_INPUT[(prog, name)]
    (tmp_path / "user_file").write_text("precious\n")
    rc = TABLES[prog].main([name, *[a.format(tmp=tmp_path) for a in argv]])
    line = _one_error_line(capfd.readouterr().err, prog, name)
    assert rc == code, line
    assert "error:" in line
    # no empty output or run folder, no stray arguments_*.json; the user's file intact
    assert [p.name for p in tmp_path.iterdir()] == ["user_file"]
    assert (tmp_path / "user_file").read_text() == "precious\n"


@pytest.mark.parametrize("prog,name", ALL_COMMANDS, ids=[f"{p} {n}" for p, n in ALL_COMMANDS])
def test_interrupt_and_os_error_follow_the_convention(prog, name, monkeypatch, capfd):
    module = importlib.import_module(TABLES[prog].COMMANDS[name][0])

    def interrupted(argv):
        raise KeyboardInterrupt

    def read_only(argv):
        raise PermissionError(13, "Permission denied", "/data/out/table.tsv")

    monkeypatch.setattr(module, "main", interrupted)
    assert TABLES[prog].main([name]) == 130
    line = _one_error_line(capfd.readouterr().err, prog, name)
    resumable = name in TABLES[prog].RESUMABLE
    assert line == f"{prog} {name}: interrupted" + ("; rerun the same command to resume" if resumable else "")
    monkeypatch.setattr(module, "main", read_only)
    assert TABLES[prog].main([name]) == 3
    line = _one_error_line(capfd.readouterr().err, prog, name)
    assert line == f"{prog} {name}: error: /data/out/table.tsv: Permission denied"


def test_exit_codes_are_in_the_help(capsys):
    from fastio._dispatch import EXIT_CODES

    assert zoo_cli.main(["--help"]) == 0
    top = capsys.readouterr().out
    with pytest.raises(SystemExit) as stop:
        zoo_cli.main(["gwas", "--help"])
    assert stop.value.code == 0
    command = capsys.readouterr().out
    for text in (top, command):
        assert "exit status:" in text
        assert all(f"{code:<4} {what}" in text for code, what in EXIT_CODES.items())


def test_ctrl_c_is_one_line_exit_130(tmp_path):
    """A real SIGINT during `zoo phantom`: one line, status 130, no traceback."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])}
    # A shell that starts the suite in the background (`cmd &`) hands it SIGINT ignored, the
    # child inherits that and Python then installs no KeyboardInterrupt handler: the child
    # gets the default disposition back, as it has when a user runs the command.
    proc = subprocess.Popen([sys.executable, "-m", "zoo.cli", "phantom", "--n", "5000", "--quiet",
                             "--out", str(tmp_path / "p")], stderr=subprocess.PIPE, text=True,
                            stdout=subprocess.DEVNULL, env=env, cwd=tmp_path,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    while not (tmp_path / "p").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    err = proc.communicate(timeout=120)[1]
    assert proc.returncode == 130, err
    assert _one_error_line(err, "zoo", "phantom") == "zoo phantom: interrupted"


# The shared flags as the parents of fastio._flags define them (help texts aside).
_REFERENCE = {action.dest: action for parent in (
    _flags.out("x"), _flags.seed(), _flags.scale("full", "x"), _flags.workers("x"),
    _flags.overwrite("x"), _flags.quiet(), _flags.dask("x")) for action in parent._actions
    if action.help is not argparse.SUPPRESS}


def _parsers(parser: argparse.ArgumentParser):
    """A parser and the parsers of its sub-commands (``zoo presets list``, ...)."""
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from _parsers(sub)


def test_reference_covers_every_shared_flag():
    assert {dest: action.option_strings[0] for dest, action in _REFERENCE.items()} == _flags.SHARED


@pytest.mark.parametrize("prog,name", ALL_COMMANDS, ids=[f"{p} {n}" for p, n in ALL_COMMANDS])
def test_shared_flags_are_spelled_one_way(prog, name):
    """``--out``, ``--seed``, ``--scale``, ``--workers``, ``--overwrite``, ``--quiet`` and
    ``--dask`` mean the same (destination, type, action) in every command that has them,
    no other flag sets their destinations, and the old spellings are hidden aliases."""
    module = importlib.import_module(TABLES[prog].COMMANDS[name][0])
    for parser in _parsers(module.build_parser()):
        for action in parser._actions:
            for option in action.option_strings:
                if option in _flags.DEPRECATED:
                    assert action.help is argparse.SUPPRESS, (parser.prog, option)
                    assert _flags.SHARED[action.dest] == _flags.DEPRECATED[option], option
                elif option in _flags.SHARED.values() or action.dest in _flags.SHARED:
                    assert option == _flags.SHARED.get(action.dest), (parser.prog, option, action.dest)
                    ref = _REFERENCE[action.dest]
                    assert (type(action), action.type, action.nargs, action.choices) == \
                        (type(ref), ref.type, ref.nargs, ref.choices), (parser.prog, option)


@pytest.mark.parametrize("prog,name", ALL_COMMANDS, ids=[f"{p} {n}" for p, n in ALL_COMMANDS])
def test_help_ends_with_the_exit_codes_once(prog, name, capsys):
    module = importlib.import_module(TABLES[prog].COMMANDS[name][0])
    assert module.build_parser().epilog.endswith(exit_codes_text())
    with pytest.raises(SystemExit) as stop:
        TABLES[prog].main([name, "--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert out.count("exit status:") == 1 and out.rstrip().endswith(exit_codes_text().rstrip())


@pytest.mark.parametrize("prog,name", ALL_COMMANDS, ids=[f"{p} {n}" for p, n in ALL_COMMANDS])
def test_no_command_catches_bad_input_itself(prog, name):
    """Bad input propagates to fastio._dispatch.run_main (one line, exit 2): a command that
    caught it itself could print another format or exit with another status."""
    source = inspect.getsource(importlib.import_module(TABLES[prog].COMMANDS[name][0]))
    for caught in ("except (ValueError, KeyError)", "except (KeyError, ValueError)", "except KeyError",
                   "except Exception", "except:"):
        assert caught not in source, (prog, name, caught)


def test_deprecated_spellings_still_work_and_say_so(capsys):
    parser = importlib.import_module("fastio.commands.merge").build_parser()
    args = parser.parse_args(["p.zarr", "--out", "m.zarr", "--no-progress"])
    assert args.quiet is True
    assert "--no-progress is deprecated; use --quiet" in capsys.readouterr().err
    assert parser.parse_args(["p.zarr", "--out", "m.zarr"]).quiet is False
    parser = importlib.import_module("zoo.commands.gwas").build_parser()
    args = parser.parse_args(["--bfile", "g", "--latents", "h.tsv", "--out", "o",
                              "--dask-scheduler", "local"])
    assert args.dask == "local"
    assert "--dask-scheduler is deprecated; use --dask" in capsys.readouterr().err
    assert "--no-progress" not in parser.format_help() and "--dask-scheduler" not in parser.format_help()
