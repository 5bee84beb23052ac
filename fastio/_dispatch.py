"""Sub-command dispatch shared by the ``fastio`` and ``zoo`` command lines.

A command table maps a sub-command to ``(module, one-line help)``; the module exposes
``main(argv) -> int`` and owns its parser. Modules are imported only when their command
runs, so ``fastio --help`` and ``zoo --help`` stay instant.
"""
from __future__ import annotations

import importlib
import sys
from typing import Mapping

__all__ = ["dispatch"]


def _usage(prog: str, commands: Mapping[str, tuple[str, str]]) -> str:
    lines = [f"usage: {prog} COMMAND [ARGS]", "", "commands:"]
    lines += [f"  {name:<10} {help_}" for name, (_, help_) in commands.items()]
    lines += ["", f"'{prog} COMMAND --help' describes a command's arguments."]
    return "\n".join(lines)


def dispatch(prog: str, commands: Mapping[str, tuple[str, str]], argv: list[str] | None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(_usage(prog, commands))
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    if command not in commands:
        print(f"{prog}: unknown command {command!r}\n\n{_usage(prog, commands)}", file=sys.stderr)
        return 2
    module = importlib.import_module(commands[command][0])
    return int(module.main(rest) or 0)
