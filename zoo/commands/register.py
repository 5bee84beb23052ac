"""``zoo register METHOD --store STORE --tensor NAME``: register a tensor inside a store.

The methods and their flags come from the registry (:data:`zoo.registration.methods.METHODS`):
every option of a method's ``Options`` is a ``--flag``; a flag the chosen method does not
take is an error that names it.
"""
from __future__ import annotations

import argparse
import dataclasses
import json

from fastio import _flags
from zoo.registration.method import option_type
from zoo.registration.methods import METHODS

__all__ = ["build_parser", "main"]


def _method_options() -> dict[str, list]:
    """Option name → [(method name, field)] over every registered method."""
    out: dict[str, list] = {}
    for method in METHODS.values():
        for f in dataclasses.fields(method.options):
            out.setdefault(f.name, []).append((method.name, f))
    return out


def _add_option(p: argparse.ArgumentParser, name: str, uses: list) -> None:
    kinds = {option_type(f.type)[0] for _, f in uses}
    if len(kinds) != 1:  # one flag, one type: two methods may not disagree on an option's type
        raise TypeError(f"Option {name!r} has different types across methods: {uses}")
    field = uses[0][1]
    defaults = ", ".join(f"{m} {f.default}" for m, f in uses)
    p.add_argument(f"--{name.replace('_', '-')}", dest=name, type=kinds.pop(), default=None,
                   choices=field.metadata.get("choices"), help=f"{field.metadata['help']} [default: {defaults}]")


def build_parser() -> argparse.ArgumentParser:
    p = _flags.command_parser(
        "zoo register",
        "Register a tensor of a fastio store and write the result as a new tensor "
        "(resumable; a rerun continues where a killed one stopped).",
        parents=[_flags.seed(), _flags.overwrite("replace an output from a different registration"),
                 _flags.quiet("no progress bar")],
        epilog="methods:\n" + "\n".join(f"  {m.name} ({m.applies_to.what}): {m.summary}"
                                       for m in METHODS.values()),
    )
    p.add_argument("method", choices=tuple(METHODS), help="registration method")
    p.add_argument("--store", required=True, help="path of the zarr store (written in place)")
    p.add_argument("--tensor", required=True, help="source tensor name, e.g. dxa_12")
    p.add_argument("--out-tensor", default=None, help="output tensor name (default: TENSOR_registered)")
    for name, uses in _method_options().items():
        _add_option(p, name, uses)
    p.add_argument("--no-plot", action="store_true", help="skip the before/after picture")
    return p


def main(argv: list[str] | None = None) -> int:
    """Errors follow the shared convention of ``fastio._dispatch.run_main``."""
    args = build_parser().parse_args(argv)
    # the pipeline (zarr, numpy) loads once there is a store to register, not for --help
    from zoo.registration.pipeline import register_store

    options = {name: getattr(args, name) for name in _method_options()}
    summary = register_store(
        args.store, args.method, args.tensor, out_tensor=args.out_tensor, overwrite=args.overwrite,
        progress=not args.quiet, plot=not args.no_plot, seed=args.seed, **options,
    )
    brief = {k: summary[k] for k in ("n_registered", "n_source_present", "extras", "work_dir") if k in summary}
    brief["failures"] = len(summary["failures"])
    brief["plot"] = summary.get("plot")
    print(json.dumps(brief, indent=1))
    return 0
