"""``zoo gwas``: latent GWAS of one latent table against a PLINK fileset.

    zoo gwas --bfile PREFIX --latents hidden.tsv --covariates pheno.csv \\
             --covar-names age,sex,PC1-PC10 --out DIR

Writes ``DIR/latent_gwas.glm.linear.tsv`` (plink2 columns, one row per latent dimension
and variant), ``latent_gwas.manova.tsv`` (Pillai's test per variant), ``loci_min_p.tsv``
and ``loci_manova.tsv``, ``summary.json`` (λ_GC, loci, settings) and Manhattan/QQ plots.
``--export-phenotypes`` adds plink2/REGENIE phenotype and covariate files;
``--dask ADDRESS`` runs variant blocks as Dask distributed tasks.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from fastio import _flags
from fastio.safefs import atomic_write_text, output_folder
from zoo.commands._parents import loci_flags
from zoo.evaluate.defaults import DTYPES

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = _flags.command_parser(
        "zoo gwas", __doc__.split("\n\n")[0],
        parents=[_flags.out("output directory"), loci_flags(), _flags.quiet("no progress bar"),
                 _flags.dask("run variant blocks on this Dask distributed scheduler "
                             "('local' starts a local cluster)")])
    parser.add_argument("--bfile", required=True, help="PLINK 1 fileset prefix (.bed/.bim/.fam)")
    parser.add_argument("--latents", required=True, help="latent table (hidden_*.tsv or .parquet)")
    parser.add_argument("--covariates", help="table with sample_id (or IID) and covariate columns")
    parser.add_argument("--covar-names", default="",
                        help="comma-separated covariates; ranges like PC1-PC10 allowed")
    parser.add_argument("--dtype", choices=DTYPES, default="float32")
    parser.add_argument("--chunk-size", type=int, default=1024, help="variants per chunk")
    parser.add_argument("--threads", type=int, default=None, help="bed-reader threads")
    parser.add_argument("--no-manova", action="store_true", help="skip Pillai's test")
    parser.add_argument("--ld-r2", type=float, default=None,
                        help="clump by LD (r² from the genotypes) instead of distance only")
    parser.add_argument("--no-plots", action="store_true", help="skip the Manhattan and QQ plots")
    parser.add_argument("--profile", action="store_true",
                        help="print wall and CPU seconds per phase (always in summary.json)")
    parser.add_argument("--export-phenotypes", action="store_true",
                        help="also write the latents and covariates as plink2 and REGENIE "
                             "phenotype/covariate files (for biobank-scale engines)")
    parser.add_argument("--block-size", type=int, default=50_000,
                        help="variants per Dask task (with --dask)")
    return parser


def _scan(args, latents, covar, config, phases, meanwhile, inputs, ahead):
    """One process (its long table written while it scans, ``meanwhile(result)`` run while
    its tables are written), or variant blocks on a Dask cluster merged in genome order."""
    from zoo.evaluate.gwas import run_gwas

    if args.dask is None:
        return run_gwas(args.bfile, latents, covar, config, out_dir=args.out, phases=phases,
                        while_writing=meanwhile, inputs=inputs.result(), ahead=ahead)
    from fastio.cluster import dask_client
    from zoo.evaluate.export import run_gwas_dask

    with dask_client(args.dask, processes=False, dashboard_address=None) as client:
        result = run_gwas_dask(client, args.bfile, latents, covar, config,
                               block_size=args.block_size)
    meanwhile(result)
    return result


def _export(out: Path, latents, covar) -> list[Path]:
    from zoo.evaluate.export import write_plink_phenotypes, write_regenie_phenotypes

    latents = latents.to_frame()                  # SampleTables: this path uses pandas
    covar = None if covar is None else covar.to_frame()
    files = [write_plink_phenotypes(latents, out / "latents.plink2.pheno"),
             write_regenie_phenotypes(latents, out / "latents.regenie.pheno")]
    if covar is not None:
        files += [write_plink_phenotypes(covar, out / "covariates.plink2.covar"),
                  write_regenie_phenotypes(covar, out / "covariates.regenie.covar")]
    return files


def _plots(args, result, summary: dict, loci: dict, out: Path) -> None:
    from zoo.evaluate.plots import manhattan_plot, qq_plot

    stem = Path(args.latents).stem
    manhattan_plot(result.variants, result.min_p(), out / "manhattan_min_p.png",
                   threshold=args.threshold, loci=loci["min_p"],
                   title=f"{stem}: min p over {result.p.shape[1]} dims")
    if "manova" in loci:
        manhattan_plot(result.variants, result.stats["p_manova"], out / "manhattan_manova.png",
                       threshold=args.threshold, loci=loci["manova"],
                       title=f"{stem}: MANOVA (Pillai)")
    qq_plot(result.p[result.common(args.min_maf)], out / "qq.png",
            lambda_gc=summary["lambda_gc"], title=f"{stem} (MAF ≥ {args.min_maf:g})")


def _import_matplotlib() -> None:
    from matplotlib.backends import backend_agg  # noqa: F401
    from matplotlib import figure  # noqa: F401


def main(argv: list[str] | None = None) -> int:
    """Errors follow the shared convention of ``fastio._dispatch.run_main``."""
    args = build_parser().parse_args(argv)   # first: `zoo gwas --help` imports nothing heavy
    from concurrent.futures import ThreadPoolExecutor
    from contextlib import ExitStack

    from zoo.evaluate.phases import Phases

    phases = Phases()
    with phases("import"):
        # no pandas on this path (a quarter of the start-up): the tables are read, kept and
        # written as numpy and Arrow columns (zoo.evaluate.sampletable, columns, arrowcols)
        from zoo.evaluate.bedinputs import read_plink_inputs
        from zoo.evaluate.countsahead import CountsAhead
        from zoo.evaluate.design import parse_covar_names
        from zoo.evaluate.gwas import GwasConfig
        from zoo.evaluate.loci import gwas_summary
        from zoo.evaluate.sampletable import read_covariate_table, read_latent_table
        from zoo.evaluate.tsv import write_tsv

    # Plots run in a second thread: matplotlib is imported there while the scan runs
    # (BLAS and the decoder release the GIL), and the figures are drawn while the main
    # thread writes the tables, so they are never on the tables' critical path.
    with ThreadPoolExecutor(max_workers=1) as background, ExitStack() as stack:
        if not args.no_plots:
            background.submit(_timed, phases, "import_plots", _import_matplotlib)
        with phases("read"):
            names = parse_covar_names(args.covar_names)
            if names and not args.covariates:
                raise ValueError("--covar-names: expected --covariates FILE to read them from")
            # the fileset's ids and variants on a second thread while this one reads the
            # two tables (the scan's set-up takes them; Arrow's parser releases the GIL).
            # Not for --dask: its blocks read the fileset themselves.
            inputs = ahead = None
            if args.dask is None:
                side = ThreadPoolExecutor(max_workers=1)
                stack.callback(side.shutdown)
                inputs = side.submit(_timed, phases, "read.fileset", read_plink_inputs, args.bfile)
                # the .bed's call counts, from its last chunk back, on the core these
                # reads leave idle (the scan takes them where it has not got to first)
                ahead = CountsAhead.start_for(args.bfile, args.chunk_size)
                stack.callback(ahead.stop)
            latents = read_latent_table(args.latents)
            covar = read_covariate_table(args.covariates, names) if names else None
            config = GwasConfig(chunk_size=args.chunk_size, dtype=args.dtype,
                                num_threads=args.threads, manova=not args.no_manova,
                                progress=not args.quiet)
        # --out is created and proved writable before the scan, and removed again (while
        # still empty) when the scan fails.
        with output_folder(args.out) as out:
            summarised: list = []

            def summarise(result) -> None:
                # λ_GC and loci while the scan's tables are written (run_gwas), and the
                # plots started from them
                with phases("loci", thread=True):
                    summarised.extend(gwas_summary(result, threshold=args.threshold,
                                                   window=args.window, ld_r2=args.ld_r2,
                                                   bfile=args.bfile, min_maf=args.min_maf,
                                                   frames=False))
                if not args.no_plots:
                    summarised.append(background.submit(_timed, phases, "plots", _plots, args,
                                                        result, *summarised, out))

            with phases("scan"):
                result = _scan(args, latents, covar, config, phases, summarise, inputs, ahead)
            summary, loci, *plotted = summarised
            plots = plotted[0] if plotted else None
            with phases("write"):
                files = result.files or result.write(out)
                if args.export_phenotypes:
                    _export(out, latents, covar)
                for kind, frame in loci.items():
                    write_tsv(frame.drop("INDEX"), out / f"loci_{kind}.tsv")
            if plots is not None:
                plots.result()
            summary.update({"bfile": str(args.bfile), "latents": str(args.latents),
                            "covariates": list(names), "config": config.to_dict(),
                            "profile": phases.to_dict()})
            atomic_write_text(out / "summary.json",
                              json.dumps(summary, indent=1, default=_json_default))
    print(f"zoo gwas: {summary['n_samples']} samples × {summary['n_variants']} variants × "
          f"{summary['n_dims']} dims; λ_GC {summary['lambda_gc']:.3f} and loci "
          f"{summary['n_loci']} over the {summary['n_variants_counted']} variants with MAF ≥ "
          f"{args.min_maf:g}; "
          f"results in {files['long'].parent}")
    if args.profile:
        print(phases.format())
    return 0


def _timed(phases, name: str, func, *args):
    with phases(name, thread=True):
        return func(*args)


def _json_default(value):
    import numpy as np   # here, not at the top: `zoo gwas --help` stays numpy-free

    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")

