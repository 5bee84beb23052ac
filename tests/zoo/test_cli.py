"""The ``zoo`` and ``fastio`` command tables: every sub-command resolves to a module with a
``main``, help is printed, and an unknown command fails with status 2."""
import importlib

import pytest

from fastio import cli as fastio_cli
from zoo import cli as zoo_cli


@pytest.mark.parametrize("table", [fastio_cli.COMMANDS, zoo_cli.COMMANDS], ids=["fastio", "zoo"])
def test_every_command_has_a_main(table):
    for name, (module, help_) in table.items():
        assert help_, name
        assert callable(importlib.import_module(module).main), module


@pytest.mark.parametrize("cli", [fastio_cli, zoo_cli], ids=["fastio", "zoo"])
def test_help_and_unknown_command(cli, capsys):
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in cli.COMMANDS)
    assert cli.main([]) == 2
    assert cli.main(["no-such-command"]) == 2
    assert "unknown command 'no-such-command'" in capsys.readouterr().err
