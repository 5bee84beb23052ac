"""``zoo reproduce``: the paper's Table 1 and Table 2 over every modality and method.

    zoo reproduce --out DIR [--quick] [--n N] [--seeds S] [--nuisance X]

Resumable: rerun the same command after a kill and finished steps are skipped. Writes
``DIR/report.md`` and ``DIR/report.html`` (figures under ``DIR/figures/``) and the tables
as CSV/JSON (``table1``, ``table2``, ``spaces``, ``sweep``).
"""
from __future__ import annotations

import argparse

from fastio import _flags

__all__ = ["build_parser", "main"]


def build_parser(prog: str = "zoo reproduce") -> argparse.ArgumentParser:
    p = _flags.command_parser(prog, __doc__.split("\n\n")[0],
                              parents=[_flags.out("output folder (a rerun resumes it)")])
    p.add_argument("--quick", action="store_true",
                   help="small cohort (200), 2 seeds, a smaller network, short training: ~5 minutes on two cores")
    p.add_argument("--converge", action="store_true",
                   help="the full run with a budget early stopping ends: the quick scale's network, patience "
                        "restarted only by a 0.5%% fall of the validation loss, at most 200 epochs: every training "
                        "ends by early stopping (the README headline's run; 45 minutes on two cores). The "
                        "default is the fixed 15-epoch budget the shipped presets were trained with")
    p.add_argument("--n", type=int, default=None, help="phantom subjects (default 1000; --quick 200)")
    p.add_argument("--seeds", type=int, default=None, help="training seeds per latent space (default 3; --quick 2)")
    p.add_argument("--nuisance", type=float, default=None,
                   help="phantom nuisance strength 0..1 of the main run (default 0.25)")
    p.add_argument("--sweep", type=float, nargs="*", default=None,
                   help="other nuisance strengths to sweep (default 0 1, the negative control and the largest; --quick the same)")
    p.add_argument("--epochs", type=int, default=None,
                   help="the budget: most epochs per model, the same for every model (default 15; --quick 4); "
                        "early stopping ends a model sooner")
    p.add_argument("--patience", type=int, default=None,
                   help="epochs without a better validation loss before a model stops (default 3; --quick 2)")
    p.add_argument("--min-improvement", type=float, default=None,
                   help="early stopping's patience restarts only on a validation loss this fraction below the "
                        "last one that restarted it (0.005: 0.5 %%; default 0: on any decrease)")
    p.add_argument("--learning-rate", type=float, default=None, help="Adam's learning rate (default 1e-3)")
    p.add_argument("--cohort-seed", type=int, default=None)
    p.add_argument("--workers", type=int, default=None,
                   help="a level's registrations, trainings and measures run in this many processes at once "
                        "(default 2); the results do not depend on it")
    p.add_argument("--remeasure", action="store_true",
                   help="score every latent space of a finished or resumed run again (after a change to the "
                        "scoring); trainings and registrations are kept")
    p.add_argument("--progress", action="store_true", help="progress bars inside steps")
    p.add_argument("--quiet", action="store_true", help="no progress bars inside steps (the default)")
    return p


def main(argv: list[str] | None = None, prog: str = "zoo reproduce") -> int:
    """Errors follow the shared convention of ``fastio._dispatch.run_main``."""
    parser = build_parser(prog)
    args = parser.parse_args(argv)   # first: `--help` imports nothing heavy
    if args.quick and args.converge:
        parser.error("expected at most one of --quick and --converge")
    from zoo.reproduce.run import run_reproduce
    from zoo.reproduce.settings import CONVERGE, FULL, QUICK

    # bad settings raise ValueError before any work (fastio._dispatch: one line, exit 2)
    settings = (QUICK if args.quick else CONVERGE if args.converge else FULL).with_(
        n=args.n, seeds=args.seeds, nuisance=args.nuisance, epochs=args.epochs, patience=args.patience,
        min_improvement=args.min_improvement, learning_rate=args.learning_rate, cohort_seed=args.cohort_seed,
        train_workers=args.workers, sweep=None if args.sweep is None else tuple(args.sweep))

    def say(message: str) -> None:
        print(f"[{prog}] {message}", flush=True)

    report = run_reproduce(args.out, settings, progress=args.progress and not args.quiet, say=say,
                           remeasure=args.remeasure)
    say(f"report: {report['markdown']} and {report['html']}")
    return 0

