"""``fastio`` command line: one sub-command per module, imported only when used."""
from __future__ import annotations

import importlib
import sys

# sub-command -> (module with ``main(argv) -> int``, one-line help)
COMMANDS = {
    "convert": ("fastio.commands.convert", "convert a folder of ml4h .hd5 files into a zarr store"),
    "merge": ("fastio.commands.merge", "merge conversion parts (--part i/n) into one store"),
    "inspect": ("fastio.commands.inspect", "print tensors, counts, failures and size of a store"),
    "demo": ("fastio.commands.demo", "generate ml4h-layout files, convert them and load batches"),
}


def _usage() -> str:
    lines = ["usage: fastio COMMAND [ARGS]", "", "commands:"]
    lines += [f"  {name:<10} {help_}" for name, (_, help_) in COMMANDS.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(_usage())
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    if command not in COMMANDS:
        print(f"fastio: unknown command {command!r}\n\n{_usage()}", file=sys.stderr)
        return 2
    module = importlib.import_module(COMMANDS[command][0])
    return int(module.main(rest) or 0)


if __name__ == "__main__":
    sys.exit(main())
