"""The flags that several commands take, spelled once: argparse parent parsers.

Every ``fastio`` and ``zoo`` command builds its parser with :func:`command_parser`, whose
``--help`` epilogue is the exit-status table of :mod:`fastio._dispatch`, and takes the
repeated flags from the parents below, so ``--out``, ``--seed``, ``--scale``,
``--workers``, ``--overwrite``, ``--quiet`` and ``--dask`` have one spelling, type and
destination in every command (``tests/zoo/test_cli.py`` checks each command against
:data:`SHARED`). The help text of a parent is the caller's: ``--out`` is a folder for one
command and a table for another.

Two spellings of earlier versions stay as hidden aliases that say they are deprecated:
``--no-progress`` (now ``--quiet``) and ``--dask-scheduler`` (now ``--dask``).

Stdlib only (the catalogue's scale names aside): building a parser must never import
the libraries a command's work needs, so ``COMMAND --help`` stays instant.
"""
from __future__ import annotations

import argparse
import sys

from fastio._dispatch import exit_codes_text
from fastio.scales import SCALES

__all__ = ["DEPRECATED", "SHARED", "command_parser", "dask", "out", "overwrite", "quiet",
           "scale", "seed", "workers"]

# destination -> the one option string that sets it, in every command
SHARED = {"out": "--out", "seed": "--seed", "scale": "--scale", "workers": "--workers",
          "overwrite": "--overwrite", "quiet": "--quiet", "dask": "--dask"}
# old spelling -> the shared one it stands for (hidden from --help; a note on stderr)
DEPRECATED = {"--no-progress": "--quiet", "--dask-scheduler": "--dask"}


def command_parser(prog: str, description: str | None, *,
                   parents: tuple[argparse.ArgumentParser, ...] | list = (),
                   epilog: str | None = None) -> argparse.ArgumentParser:
    """A command's parser: ``description`` and ``epilog`` as written, the exit statuses
    closing the epilogue."""
    return argparse.ArgumentParser(
        prog=prog, description=description, parents=list(parents),
        epilog=exit_codes_text() if not epilog else f"{epilog}\n\n{exit_codes_text()}",
        formatter_class=argparse.RawDescriptionHelpFormatter)


def _parent() -> argparse.ArgumentParser:
    return argparse.ArgumentParser(add_help=False)


class _Deprecated(argparse.Action):
    """An old spelling: stores like the new one and says once on stderr which that is."""

    def __call__(self, parser, namespace, values, option_string=None):
        print(f"{parser.prog}: note: {option_string} is deprecated; use "
              f"{DEPRECATED[option_string]}", file=sys.stderr)
        setattr(namespace, self.dest, True if self.nargs == 0 else values)


def out(help: str, *, required: bool = True, default: str | None = None,
        metavar: str | None = None) -> argparse.ArgumentParser:
    """``--out PATH``: where the command writes (a folder, a store or a table: ``help`` says)."""
    p = _parent()
    p.add_argument("--out", required=required, default=default, metavar=metavar, help=help)
    return p


def seed(help: str = "random seed (default 0)") -> argparse.ArgumentParser:
    """``--seed N`` (int, default 0)."""
    p = _parent()
    p.add_argument("--seed", type=int, default=0, help=help)
    return p


def scale(default: str, help: str) -> argparse.ArgumentParser:
    """``--scale full|quick``: UK Biobank shapes or the reduced catalogue shapes."""
    if default not in SCALES:
        raise ValueError(f"Expected a default scale in {SCALES}, got {default!r}")
    p = _parent()
    p.add_argument("--scale", choices=SCALES, default=default, help=help)
    return p


def workers(help: str) -> argparse.ArgumentParser:
    """``--workers N`` (int; default None: the command chooses)."""
    p = _parent()
    p.add_argument("--workers", type=int, default=None, help=help)
    return p


def overwrite(help: str) -> argparse.ArgumentParser:
    """``--overwrite``: replace an output the command can prove it wrote."""
    p = _parent()
    p.add_argument("--overwrite", action="store_true", help=help)
    return p


def quiet(help: str = "no progress bars") -> argparse.ArgumentParser:
    """``--quiet`` (``args.quiet``); ``--no-progress`` is its deprecated alias."""
    p = _parent()
    p.add_argument("--quiet", action="store_true", help=help)
    p.add_argument("--no-progress", dest="quiet", action=_Deprecated, nargs=0, help=argparse.SUPPRESS)
    return p


def dask(help: str) -> argparse.ArgumentParser:
    """``--dask ADDRESS`` (``args.dask``; 'local' starts a local cluster, see
    :func:`fastio.cluster.dask_client`); ``--dask-scheduler`` is its deprecated alias."""
    p = _parent()
    p.add_argument("--dask", default=None, metavar="ADDRESS", help=help)
    p.add_argument("--dask-scheduler", dest="dask", action=_Deprecated, metavar="ADDRESS",
                   help=argparse.SUPPRESS)
    return p
