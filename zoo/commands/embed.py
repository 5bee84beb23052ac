"""``zoo embed NAME --input PATH --out hidden_NAME.tsv``: latents of a cohort from a preset.

``--input`` is a folder of ml4h ``.hd5`` files or a fastio store; the output is ml4h's
latent table (``sample_id latent_0 …``, tab-separated), which ``zoo gwas`` and
``zoo compare`` read.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from fastio import _flags
from fastio.ml4h_names import TSV_STYLES
from zoo.commands._parents import registry_flag

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    p = _flags.command_parser(
        "zoo embed", __doc__.split("\n\n")[0],
        parents=[_flags.out("latent table, .tsv or .parquet (default hidden_<NAME>.tsv)",
                            required=False), registry_flag()])
    p.add_argument("name", help="preset NAME or NAME@VERSION (`zoo presets list`)")
    p.add_argument("--input", required=True, help="folder of ml4h .hd5 files, one .hd5 file, or a fastio store")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--tsv-style", choices=TSV_STYLES, default="standard",
                   help="header 'sample_id' (standard) or 'FID IID' (genetics)")
    p.add_argument("--strict", action="store_true", help="a sample lacking the tensor is an error")
    return p


def main(argv: list[str] | None = None) -> int:
    """Errors follow the shared convention of ``fastio._dispatch.run_main``."""
    args = build_parser().parse_args(argv)
    from zoo.presets.embedding import embed
    from zoo.presets.registry import load_registry
    from zoo.evaluate.latents import write_latents

    out = Path(args.out or f"hidden_{args.name.replace('@', '_v')}.tsv")
    df = embed(args.input, args.name, batch_size=args.batch_size, strict=args.strict,
               registry=load_registry(args.registry))
    write_latents(df, out, plink_ids=args.tsv_style == "genetics")
    missing = df.attrs.get("missing", {})
    print(f"zoo embed: {len(df)} samples × {df.shape[1]} latents ({df.attrs['preset']}) → {out}"
          + (f"; {len(missing)} samples lack the tensor and were left out" if missing else ""))
    return 0

