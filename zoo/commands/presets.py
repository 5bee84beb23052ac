"""``zoo presets list | show | fetch | verify | publish | build``."""
from __future__ import annotations

import argparse
import json
import shlex
import sys

from fastio import _flags
from fastio._dispatch import EXIT_BAD_INPUT
from zoo.commands._parents import registry_flag
from zoo.presets.fetching import fetch, verify
from zoo.presets.registry import load_registry

__all__ = ["build_parser", "main", "presets_table"]


def presets_table(registry) -> str:
    """One row per preset (the columns of ``zoo.list_presets``): what ``zoo presets list``
    prints."""
    from zoo.presets.listing import list_presets

    table = list_presets(registry)
    head = tuple(table.columns)
    rows = [tuple(str(v) for v in row) for row in table.itertuples(index=False)]
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in [head, *rows])


def build_parser() -> argparse.ArgumentParser:
    p = _flags.command_parser("zoo presets", "Versioned pretrained encoders: list, inspect, fetch, "
                              f"verify, publish and build them. A verify that finds a file whose "
                              f"sha256 does not match exits {EXIT_BAD_INPUT} (bad input data).",
                              parents=[registry_flag()])
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="table of presets (name, version, modality, registration, objective, dim, card)")
    show = sub.add_parser("show", help="the full record of one preset")
    show.add_argument("name", help="NAME or NAME@VERSION")
    show.add_argument("--card", action="store_true", help="print the model card instead of the JSON record")
    fe = sub.add_parser("fetch", help="download/verify preset files into the cache")
    fe.add_argument("names", nargs="*", help="NAME or NAME@VERSION")
    fe.add_argument("--all", action="store_true", help="every preset of the registry")
    fe.add_argument("--dest", default=None, help="cache folder to fill (default ZOO_CACHE_DIR); bundled files "
                    "are copied too, so DIR can be carried to an offline machine")
    ve = sub.add_parser("verify", help="check sha256 of every cached and bundled preset file (no network)")
    ve.add_argument("--cache", default=None, help="cache folder (default ZOO_CACHE_DIR)")
    pu = sub.add_parser("publish", help="a trained run -> preset files, card and registry entry")
    pu.add_argument("run_dir", help="a `zoo train` run directory (OUTPUT_FOLDER/ID)")
    pu.add_argument("--name", default=None, help="preset name (default <source>.<method>.<objective>)")
    pu.add_argument("--version", type=int, required=True, help="version number (published once)")
    pu.add_argument("--out", required=True, help="mirror folder (registry.json, files/, model_cards/)")
    pu.add_argument("--cards", default=None, help="card folder (default OUT/model_cards)")
    pu.add_argument("--tensor", default=None, help="which input's encoder of a pair model (default the first)")
    pu.add_argument("--metrics", default=None, help="JSON file: the metrics to record for this preset")
    pu.add_argument("--command-line", default="", help="the training command to record")
    pu.add_argument("--description", default="")
    pu.add_argument("--license", default="Apache-2.0")
    pu.add_argument("--url", action="append", default=[], help="mirror base URL to record (repeatable)")
    bu = sub.add_parser("build", help="train and publish every shipped preset on a phantom cohort, or "
                        "(--from-reproduce RUN_DIR) publish the encoders of a finished `zoo reproduce` run")
    from zoo.presets.build import add_arguments

    add_arguments(bu)
    return p


def _print_rows(rows) -> int:
    bad = [r for r in rows if r["status"] != "ok"]
    for r in rows:
        print(f"{r['status']:<8} {r['where']:<8} {r['preset']}/{r['file']}  {r['detail']}")
    print(f"{len(rows) - len(bad)} ok, {len(bad)} not ok")
    return EXIT_BAD_INPUT if any(r["status"] == "mismatch" for r in rows) else 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser().parse_args(argv)
    # errors: the shared convention of fastio._dispatch.run_main
    if args.command == "build":
        from zoo.presets.build import run_build

        run_build(args, "zoo presets " + " ".join(shlex.quote(a) for a in argv))
        return 0
    if args.command == "publish":
        from zoo.presets.publishing import publish

        metrics = json.loads(open(args.metrics, encoding="utf-8").read()) if args.metrics else None
        preset = publish(args.run_dir, version=args.version, out=args.out, name=args.name, tensor=args.tensor,
                         cards=args.cards, metrics=metrics, command=args.command_line,
                         description=args.description, license=args.license, urls=args.url)
        print(f"published {preset.ref} → {args.out}")
        return 0
    registry = load_registry(args.registry)
    if args.command == "list":
        print(presets_table(registry))
    elif args.command == "show":
        preset = registry.get(args.name)
        if args.card:
            from zoo.presets.cards import render_card

            print(render_card(preset), end="")
        else:
            print(json.dumps(preset.to_dict(), indent=1))
    elif args.command == "fetch":
        if not args.all and not args.names:
            raise ValueError("fetch: expected NAME... or --all, got neither")
        refs = [p.ref for p in registry.presets()] if args.all else args.names
        for ref in refs:
            paths = fetch(ref, registry=registry, cache=args.dest, copy_bundled=args.dest is not None)
            for name, path in paths.items():
                print(f"{registry.get(ref).ref}/{name}: {path}")
    elif args.command == "verify":
        return _print_rows(verify(registry, cache=args.cache))
    return 0

