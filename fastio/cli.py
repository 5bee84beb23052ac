"""``fastio`` command line: one sub-command per module, imported only when used."""
from __future__ import annotations

import sys

from fastio._dispatch import dispatch

# sub-command -> (module with ``main(argv) -> int``, one-line help)
COMMANDS = {
    "convert": ("fastio.commands.convert", "convert a folder of ml4h .hd5 files into a zarr store"),
    "merge": ("fastio.commands.merge", "merge conversion parts (--part i/n) into one store"),
    "inspect": ("fastio.commands.inspect", "print tensors, counts, failures and size of a store"),
    "demo": ("fastio.commands.demo", "generate ml4h-layout files, convert them and load batches"),
}
# commands whose rerun continues an interrupted run (said on Ctrl-C)
RESUMABLE = frozenset({"convert"})


def main(argv: list[str] | None = None) -> int:
    return dispatch("fastio", COMMANDS, argv, resumable=RESUMABLE)


if __name__ == "__main__":
    sys.exit(main())
