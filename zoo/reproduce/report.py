"""``report.md`` + ``report.html`` with figures, and the tables as CSV/JSON.

The document is a list of blocks (heading, paragraph, table, figure) rendered twice, so
the markdown and the HTML say the same thing.
"""
from __future__ import annotations

import html
import json
import math
from pathlib import Path

import pandas as pd

from fastio.safefs import atomic_write_text
from zoo.modalities import modality_of
from zoo.reproduce import figures
from zoo.reproduce.convergence import STILL_IMPROVING, convergence, model_status
from zoo.reproduce.plan import BOTTLENECKS, DEFAULT_BOTTLENECK, MODELS, REGISTRATIONS, SWEEP_PAIRS, space
from zoo.reproduce.settings import profile_flags
from zoo.reproduce.tables import (negative_control, nuisance_share, pair_rows, pair_test, retained_share,
                                  scores_frame, space_rows, summary_values, traits_of, verdicts)

__all__ = ["write_report", "fmt"]

ALPHA = 0.05
RETAINED_TARGET = 0.4
# Why a method can gain with nothing to register: what it does besides removing the nuisance.
_BEYOND_NUISANCE = {
    "median_beat": "the median beat also averages the strip's beats and puts every beat at the same place in "
                   "its window; heart rate differs between people, so even at nuisance 0 their strips' beats "
                   "fall at different times after the first, and an autoencoder of this size and budget does "
                   "not learn the beat shape from such strips",
}
_METHOD_OF = {r.out: r.method for r in REGISTRATIONS}
# a pair model is drawn with its first input's modality
_MODALITY_OF_MODEL = {m.name: modality_of(m.inputs[0]) for m in MODELS}


def fmt(x, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "—"
    return f"{x:.{digits}f}"


def _delta(row, key) -> str:
    d = row.get(f"{key}_diff")
    if d is None:
        return "—"
    return (f"{fmt(row[f'{key}_mean_a'])} vs {fmt(row[f'{key}_mean_b'])} (Δ {d:+.3f} "
            f"[{row[f'{key}_lo']:+.3f}, {row[f'{key}_hi']:+.3f}], p={row[f'{key}_p']:.2g})")


def _pm(row, key, digits=1) -> str:
    m, s = row.get(key), row.get(f"{key}_sd")
    return "—" if fmt(m) == "—" else f"{m:.{digits}f} ± {fmt(s, digits)}"


def _split_sizes(n: int, train_fraction: float) -> tuple[int, int]:
    # scikit-learn's ShuffleSplit: floor(train_size * n) train, the rest test
    n_train = int(math.floor(train_fraction * n))
    return n_train, n - n_train


def pose_text(record: dict) -> str:
    """One registration's error against the known nuisance (``zoo.reproduce.pose``) in words."""
    unit = record.get("unit", "")
    if "total_after" in record:
        whole = f"whole spread {record['total_before']:.2f} → {record['total_after']:.2f} {unit}"
        if "after" not in record:      # nothing dialled: all of the spread is the method's
            return f"no known pose; {whole}"
        return f"{record['before']:.2f} → {record['after']:.2f} {unit} ({whole})"
    if "after" not in record:
        return "—"
    if unit == "% of the cycle → bpm":
        return f"start phase {record['before']:.1f} % of the cycle → beats found: heart rate off by " \
               f"{record['after']:.2f} bpm"
    return f"{record['before']:.1f} → {record['after']:.1f} {unit}"


def _table1(main) -> list[list]:
    truth, quality = main["truth"], main["quality"]
    lv = main["level"]
    pose = {r["out"]: r for r in main["pose"]["registrations"]}
    by_source = {}
    for r in quality["registrations"]:
        by_source.setdefault(r["source"], []).append(r)
    dropfuse = {t: [m.name for m in lv.models if m.dropfuse and t in m.inputs] for t in lv.sources}
    rows = []
    for name, info in quality["tensors"].items():
        mod = truth["modalities"].get(name, {})
        regs = by_source.get(name, [])
        methods = [f"{r['method']} → {r['out']}" for r in regs] + [f"DropFuse ({m})" for m in dropfuse.get(name, [])]
        q = "; ".join(f"{r['method']}: nuisance {fmt(r['nuisance_r2_before'], 2)} → {fmt(r['nuisance_r2_after'], 2)}, "
                      f"factors {fmt(r['factor_r2_before'], 2)} → {fmt(r['factor_r2_after'], 2)}" for r in regs)
        nuisance = "; ".join(mod.get("nuisance", [])) or "(registered output)"
        errors = "; ".join(f"{r['method']}: {pose_text(pose[r['out']])}" for r in regs)
        rows.append([name, modality_of(name), "×".join(map(str, info["shape"])), info["present"],
                     ", ".join(methods) or "—", nuisance, errors or "—", q or "—"])
    return rows


def _sweep(results, settings, n_train_test) -> pd.DataFrame:
    rows = []
    for res in results:
        scores = scores_frame(res["records"])
        n_train, n_test = n_train_test(res["n_common"])
        for pair in SWEEP_PAIRS:
            own = traits_of(res["truth"], pair.b)
            t = pair_test(summary_values(scores, "r2", own), pair.a, pair.b, n_train, n_test)
            rows.append({"level": res["level"].strength, "label": pair.method + f" ({pair.modality})",
                         "a": pair.a, "b": pair.b, **t})
    return pd.DataFrame(rows)


def _md_table(header, rows) -> list[str]:
    cell = lambda c: str(c).replace("|", "\\|")  # noqa: E731
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header),
            *["| " + " | ".join(cell(c) for c in row) + " |" for row in rows], ""]


def _render(blocks, out: Path) -> tuple[Path, Path]:
    md, body = [], []
    for kind, *args in blocks:
        if kind == "h":
            level, text = args
            md += ["#" * level + " " + text, ""]
            body.append(f"<h{level}>{html.escape(text)}</h{level}>")
        elif kind == "p":
            md += [args[0], ""]
            body.append(f"<p>{html.escape(args[0])}</p>")
        elif kind == "table":
            header, rows = args
            md += _md_table(header, rows)
            body.append("<table border=1 cellspacing=0 cellpadding=3><tr>" +
                        "".join(f"<th>{html.escape(str(h))}</th>" for h in header) + "</tr>" +
                        "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>"
                                for row in rows) + "</table>")
        elif kind == "img":
            src, caption = args
            md += [f"![{caption}]({src})", "", f"*{caption}*", ""]
            body.append(f"<figure><img src='{html.escape(src)}' style='max-width:100%'>"
                        f"<figcaption>{html.escape(caption)}</figcaption></figure>")
    page = ("<!doctype html><html><head><meta charset='utf-8'><title>regzoo reproduce</title></head>"
            "<body style='font-family:sans-serif;max-width:1200px'>" + "\n".join(body) + "</body></html>\n")
    return (atomic_write_text(out / "report.md", "\n".join(md)), atomic_write_text(out / "report.html", page))


def write_report(out: Path, settings, results: list, steps, pending=()) -> dict:
    main = results[0]
    figs = out / "figures"
    figs.mkdir(exist_ok=True)
    sizes = lambda n: _split_sizes(n, settings.train_fraction)  # noqa: E731
    n_train, n_test = sizes(main["n_common"])
    scores = scores_frame(main["records"])
    lv = main["level"]
    table2 = pd.DataFrame(pair_rows(lv.pairs, main["records"], scores, main["truth"], n_train, n_test))
    spaces = pd.DataFrame(space_rows(main["records"], scores, main["truth"], lv.spaces))
    sweep = _sweep(sorted(results, key=lambda r: r["level"].strength), settings, sizes)
    table1 = _table1(main)
    t1_header = ["tensor", "modality", "shape", "samples present", "registration", "nuisance (truth.json)",
                 "error against the known nuisance, before → after",
                 "nuisance R² / factor R² of the top PCs, before → after"]
    for name, frame in (("table2", table2), ("spaces", spaces), ("sweep", sweep),
                        ("table1", pd.DataFrame(table1, columns=t1_header))):
        frame.to_csv(out / f"{name}.csv", index=False)
        atomic_write_text(out / f"{name}.json", frame.to_json(orient="records", indent=1))
    window = main["ld"]["window"]
    forest = figures.forest_plot(table2, figs / "table2_forest.png")
    sweep_png = figures.sweep_plot(sweep, figs / "nuisance_sweep.png", settings.nuisance)
    ld_png = figures.ld_plot(main["ld"]["decay"], window, figs / "ld_decay.png")
    from PIL import Image  # matplotlib's own dependency

    # half-size copies of the cohort preview and the registration before/after pictures
    pictures = [(main["cohort"]["preview"], "phantom_preview.png", "phantom cohort preview (nuisance "
                 f"{settings.nuisance:g})")]
    pictures += [(res.get("plot"), f"registration_{name}.png", f"{name}: before → after")
                 for name, res in main["registered"].items()]
    previews = []
    for src, dst, caption in pictures:
        if src and Path(src).is_file():
            with Image.open(src) as img:
                img.thumbnail((max(1, img.width // 2), max(1, img.height // 2)))
                img.save(figs / dst)
            previews.append((figs / dst, caption))

    trained_models = list(main["trained"])
    curves = convergence(lv.root / "runs", trained_models, settings.seeds, settings.epochs, settings.patience)
    status = model_status(curves)
    training = pd.DataFrame([{**c.row(), "modality": _MODALITY_OF_MODEL[c.model]} for c in curves])
    training.to_csv(out / "training.csv", index=False)
    atomic_write_text(out / "training.json", training.to_json(orient="records", indent=1))
    curves_png = figures.learning_curves_plot(curves, _MODALITY_OF_MODEL, figs / "learning_curves.png",
                                              settings.epochs)
    by_level = sorted(results, key=lambda r: r["level"].strength)
    pose_levels = [r["level"].strength for r in by_level]
    pose_sweep = [[f"{reg.method} ({reg.source} → {reg.out})",
                   *[pose_text(next(p for p in r["pose"]["registrations"] if p["out"] == reg.out)) for r in by_level]]
                  for reg in REGISTRATIONS
                  if all(any(p["out"] == reg.out for p in r["pose"]["registrations"]) for r in by_level)]
    verdict_rows = verdicts(table2, ALPHA)
    verdict_table = [[r["method"] + (" [ORACLE]" if r["oracle"] else ""), r["modality"], r["verdict"],
                      "—" if r["diff"] is None else f"{r['diff']:+.3f} [{r['lo']:+.3f}, {r['hi']:+.3f}]",
                      "—" if r["p"] is None else f"{r['p']:.2g}",
                      "—" if r["loci_diff"] is None else f"{r['loci_diff']:+.1f}", r["label"],
                      f"{status[space(r['a']).model]} / {status[space(r['b']).model]}"]
                     for r in verdict_rows]
    budget_note = _budget_note(curves, settings)
    explained = nuisance_share(sweep, settings.nuisance, ALPHA)
    explained_table = [[r["label"], f"{r['gain_main']:+.3f}", f"{r['gain_zero']:+.3f}",
                        f"{r['attributable']:+.3f} [{r['lo']:+.3f}, {r['hi']:+.3f}]",
                        "—" if r["share_of_gain"] is None else f"{r['share_of_gain']:.0%}"] for r in explained]
    control_rows = negative_control(sweep, ALPHA)
    failed = [r for r in control_rows if r["significant_gain"]]
    why = " ".join(f"{r['label']}: {_BEYOND_NUISANCE[_METHOD_OF[r['a']]]}." for r in failed
                   if _METHOD_OF.get(r["a"]) in _BEYOND_NUISANCE)
    control = [[r["label"], f"{r['mean_a']:.3f} vs {r['mean_b']:.3f}",
                f"{r['diff']:+.3f} [{r['lo']:+.3f}, {r['hi']:+.3f}]", f"{r['p']:.2g}",
                "SIGNIFICANT GAIN: the negative control fails" if r["significant_gain"] else "no significant gain"]
               for r in control_rows]
    retained = [[r["modality"], r["b"], fmt(r["own_r2_b"]), r["a"], fmt(r["own_r2_a"]), fmt(r["share"], 2),
                 "—" if r["share"] is None else "yes" if r["share"] >= RETAINED_TARGET else "NO"]
                for r in retained_share(table2, SWEEP_PAIRS)]
    trained = [t["training"] for runs in main["trained"].values() for t in runs]
    epochs = [t["epochs_run"] for t in trained]
    stopped = sum(t["epochs_run"] < settings.epochs for t in trained)
    step_minutes = sum(steps.seconds_of(k) or 0.0 for k in steps.plan) / 60
    cmd = " ".join(["zoo reproduce", *profile_flags(settings)]) + f" --n {settings.n} --seeds {settings.seeds} " \
          f"--nuisance {settings.nuisance:g} --out DIR"
    bottlenecks = ", ".join([f"{m} {kind}" for m, kind in BOTTLENECKS.items()] + [f"the rest {DEFAULT_BOTTLENECK}"])
    blocks = [
        ("h", 1, "regzoo reproduce: registered vs unregistered latent spaces on the phantom"),
        ("p", f"Command: `{cmd}`. n = {settings.n} subjects ({main['n_common']} shared by every latent space), "
              f"{settings.seeds} training seeds per space, nuisance strength {settings.nuisance:g}, cohort seed "
              f"{settings.cohort_seed}, {settings.n_variants} variants. Every model: the same architecture "
              f"(a conv of {settings.width} filters, then pooled blocks of {settings.block_size} "
              f"conv{'s' if settings.block_size > 1 else ''} of {'/'.join(map(str, settings.dense_blocks))} filters, "
              f"{settings.latent}-d latent; encoder bottleneck per "
              f"modality: {bottlenecks}), batch {settings.batch}, {settings.steps} steps/epoch, at most "
              f"{settings.epochs} epochs with early stopping ({_stopping(settings)}) on validation loss; "
              f"epochs run {min(epochs)}–{max(epochs)}, {stopped} of {len(trained)} trainings stopped early. "
              f"Phenotypes: {settings.splits} random {settings.train_fraction:.0%}/"
              f"{1 - settings.train_fraction:.0%} splits identical for every space and seed; differences "
              f"paired by (seed, split), 95 % intervals and p from the Nadeau–Bengio corrected resampled "
              f"t-test over {settings.splits} splits × {settings.seeds} seeds. The steps took "
              f"{step_minutes:.0f} min in all." + (f" PARTIAL REPORT: nuisance sweep levels {', '.join(pending)} "
                                                    f"have not run yet." if pending else "")),
        ("h", 2, "What each method did"),
        ("p", f"Own-trait R² of method A against its baseline B at nuisance {settings.nuisance:g}: helped (Δ > 0, "
              f"p < {ALPHA:g}), hurt (Δ < 0, p < {ALPHA:g}) or no significant difference; Δ loci: MANOVA loci of "
              "A minus B (means over seeds). Details in Table 2 and the genetics table."),
        ("table", ["method", "modality", "verdict", "Δ own-trait R² [95 % CI]", "p", "Δ loci", "pair",
                   "training of A / B"], verdict_table),
        ("h", 2, "Training budget: did the models converge?"),
        ("p", budget_note),
        ("table", ["model", "modality", "epochs run", "stopped early", "best epoch (mean)",
                   "best validation loss (mean)", f"fall of the best validation loss over the last "
                   f"{settings.patience} epochs, mean (max)", "status"],
         [[r["model"], r["modality"], f"{r['epochs_min']}–{r['epochs_max']} of {r['cap']}",
           f"{r['stopped_early']} of {r['seeds']}", f"{r['best_epoch_mean']:.1f}", f"{r['best_val_loss_mean']:.4f}",
           "—" if r["recent_gain_mean"] is None else f"{r['recent_gain_mean']:.1%} ({r['recent_gain_max']:.1%})",
           r["status"]] for r in training.to_dict(orient="records")]),
        ("img", f"figures/{curves_png.name}", "Validation loss per epoch, mean over seeds; dotted: the cap"),
        ("h", 2, "Table 1: tensors, registration and what it removes"),
        ("p", f"Nuisance amplitudes are those at strength 1 (truth.json); this run scales them by "
              f"{settings.nuisance:g}. Error against the known nuisance: the phantom's record of each subject's "
              "nuisance composed with what the registration did (its pull matrix, flow, frame roll or detected "
              "beats). For images, the RMS misalignment of the anatomy across subjects that the known pose "
              "explains, and in brackets the whole misalignment: a transform with scale also evens out real "
              "differences in size and shape, which adds to the second but not the first. The cine's pose is "
              "not measured (each cine is cut to its own heart's box). Then the share of a tensor's main variation "
              "(top 10 principal components, adjusted R²) explained by the phantom's known nuisance of the source "
              "tensor, and by its true factors, before → after registration. Good registration lowers the "
              "first two."),
        ("table", t1_header, table1),
        ("h", 2, "Table 2: every pair (method A vs baseline B)"),
        ("p", "Own traits: the measured traits driven by the baseline tensor's own factors (truth.json). "
              "Trait R²: the 9 measured traits; disease AUROC: the 4 diseases; all-phenotype R²: every "
              "continuous column incl. age and PCs, as the research notebook averaged. The MNI slice is "
              "rendered by the phantom without pose: an oracle upper bound, not a method."),
        ("table", ["pair", "method", "own traits", "own-trait R²", "trait R²", "disease AUROC",
                   "all-phenotype R² (notebook)"],
         [[r["label"], r["method"] + (" [ORACLE]" if r["oracle"] else ""), ", ".join(r["own_traits"]) or "—",
           _delta(r, "own_r2"), _delta(r, "trait_r2"), _delta(r, "disease_auroc"), _delta(r, "all_r2")]
          for r in table2.to_dict(orient="records")]),
        ("img", "figures/table2_forest.png", "Δ own-trait R² per pair with 95 % CI (grey, hollow: the oracle)"),
        ("h", 2, "Genetics per pair: PheWAS, loci, recall and precision against the tensor's own factors"),
        ("p", f"Loci: p < {settings.threshold:g}, MAF ≥ {settings.min_maf:g}, clumped within {window / 1e3:.0f} kb. "
              f"A locus is true only if its lead variant lies within {window / 1e3:.0f} kb (the phantom's LD "
              f"reach, measured below, clipped to 100–250 kb) of a causal variant of the tensor's own factors; "
              f"the null rate is the fraction of tested variants that would match by chance — a precision "
              f"near it means nothing. Means ± SD over seeds."),
        ("table", ["pair", "PheWAS A", "PheWAS B", "loci A (min-p / MANOVA)", "loci B (min-p / MANOVA)",
                   "precision A (MANOVA)", "precision B (MANOVA)", "null rate", "recall A / B (MANOVA)"],
         [[r["label"], _pm(r, "n_associated_a"), _pm(r, "n_associated_b"),
           f"{_pm(r, 'loci_min_p_a')} / {_pm(r, 'loci_manova_a')}",
           f"{_pm(r, 'loci_min_p_b')} / {_pm(r, 'loci_manova_b')}", _pm(r, "precision_manova_a", 2),
           _pm(r, "precision_manova_b", 2), _pm(r, "null_rate_b", 3),
           f"{_pm(r, 'recall_manova_a', 2)} / {_pm(r, 'recall_manova_b', 2)}"]
          for r in table2.to_dict(orient="records")]),
        ("img", "figures/ld_decay.png", "LD decay of the phantom's genotypes and the matching window"),
        ("h", 2, "A phantom that does not decide the answer"),
        ("p", f"Share of the registered space's own-trait R² that the unregistered space keeps at nuisance "
              f"{settings.nuisance:g} (target ≥ {RETAINED_TARGET:.0%}, as real unregistered images keep a real "
              f"share of the signal):"),
        ("table", ["modality", "unregistered", "own R²", "registered", "own R²", "share kept", "≥ 40 %"], retained),
        ("p", "Negative control — nuisance 0: nothing to register, so registration must bring no significant "
              "gain in own-trait R² (registered vs native, α = 0.05)" + ("" if control else ": not run (0 is not "
                                                                          "among the levels run).")),
        ("table", ["registration", "own-trait R² registered vs native", "Δ [95 % CI]", "p", "verdict"], control),
        *([("p", f"Where the control fails, the method does more than remove the dialled nuisance. {why}")]
          if why else []),
        ("p", f"How much of each registration's gain at nuisance {settings.nuisance:g} the dialled nuisance "
              "explains: the gain there minus the gain at nuisance 0 (separate trainings, so the corrected "
              "standard errors add in quadrature; a normal 95 % interval, an approximation). The share is "
              "left blank where the gain itself is not significant."),
        ("table", ["registration", f"gain at {settings.nuisance:g}", "gain at 0", "explained by the nuisance "
                   "[95 % CI]", "share of the gain"], explained_table),
        ("img", "figures/nuisance_sweep.png",
         "Registered − native own-trait R² (95 % CI) against nuisance strength; dotted: the main run"),
        ("p", "The same registrations' error against the known nuisance at each strength (as in Table 1): "
              "at nuisance 0 there is nothing to undo, so whatever spread is left there is the method's own."),
        ("table", ["registration", *[f"nuisance {level:g}" for level in pose_levels]], pose_sweep),
        ("h", 2, "Pictures"),
        *[("img", f"figures/{p.name}", caption) for p, caption in previews],
    ]
    md, page = _render(blocks, out)
    _headline(out, cmd, settings, main, table2, control, retained, pending, budget_note)
    atomic_write_text(out / "report.json", json.dumps(
        {"settings": settings.to_dict(), "n_common": main["n_common"], "ld_window": window,
         "step_minutes": round(step_minutes, 1), "pending_sweep_levels": list(pending),
         "negative_control": control_rows, "retained": retained_share(table2, SWEEP_PAIRS),
         "training": training.to_dict(orient="records"),
         "registration_errors": {f"{r['level'].strength:g}": r["pose"]["registrations"] for r in by_level}},
        indent=1,
        default=float))
    return {"markdown": str(md), "html": str(page), "table2": table2, "sweep": sweep, "spaces": spaces}


def _stopping(settings) -> str:
    return f"patience {settings.patience}" + (
        "" if not settings.min_improvement else
        f", restarted only by a {settings.min_improvement:.1%} fall of the loss")


def _budget_note(curves, settings) -> str:
    """What the models' curves say about the budget, for the report and the headline."""
    improving = [c.model for c in curves if c.status == "still improving"]
    stopped = sum(c.status == "stopped early" for c in curves)
    flat = sum(c.status == "flat at the cap" for c in curves)
    better = ("a better validation loss" if not settings.min_improvement else
              f"a validation loss {settings.min_improvement:.1%} below the last one that restarted the patience")
    note = (f"Every model had the same budget: at most {settings.epochs} epochs of {settings.steps} steps, stopped "
            f"after {settings.patience} epochs without {better}. {len(improving)} of {len(curves)} "
            f"models were still improving when it ended (a seed at the cap whose best validation loss fell by "
            f"≥ {STILL_IMPROVING:.0%} over its last {settings.patience} epochs); flat at the cap: {flat}; every seed "
            f"stopped early: {stopped}.")
    if improving:
        note += (" A verdict between models that were still improving holds at this budget only: given longer "
                 "training, an unregistered model can learn part of what registration removes (its pose, say), "
                 "and the gain can shrink. Where compute allows, raise the budget with --epochs (and --patience), "
                 "or run the budget that early stopping ends: --converge.")
    return note


def _headline(out: Path, cmd, settings, main, table2, control, retained, pending=(), budget_note="") -> Path:
    """``headline.md``: the report's key rows, for the README to copy verbatim."""
    lines = [f"`{cmd}` — n = {settings.n} ({main['n_common']} shared), {settings.seeds} training seeds, "
             f"nuisance {settings.nuisance:g}. Held-out R² over each baseline tensor's own traits; Δ with 95 % "
             f"CI and p from the Nadeau–Bengio corrected resampled t-test over {settings.splits} splits × "
             f"{settings.seeds} seeds." + (f" PARTIAL: sweep levels {', '.join(pending)} have not run yet."
                                           if pending else ""), ""]
    said = {r["label"]: r["verdict"] for r in verdicts(table2, ALPHA)}
    lines += _md_table(["method A vs baseline B", "own-trait R² A vs B", "Δ [95 % CI]", "p", "verdict",
                        "loci (MANOVA) A vs B", "precision A (null rate)"],
                       [[f"{r['method']}{' [ORACLE]' if r['oracle'] else ''}: {r['a']} vs {r['b']}",
                         f"{fmt(r['own_r2_mean_a'])} vs {fmt(r['own_r2_mean_b'])}",
                         f"{r['own_r2_diff']:+.3f} [{r['own_r2_lo']:+.3f}, {r['own_r2_hi']:+.3f}]",
                         f"{r['own_r2_p']:.2g}", said[r["label"]],
                         f"{_pm(r, 'loci_manova_a')} vs {_pm(r, 'loci_manova_b')}",
                         f"{_pm(r, 'precision_manova_a', 2)} ({fmt(r.get('null_rate_b'), 2)})"]
                        for r in table2.to_dict(orient="records")])
    lines += ["Loci: lead variant within the phantom's LD window of a causal variant of the tensor's own "
              "factors; means ± SD over seeds; the null rate is the chance that a random variant matches.", ""]
    if budget_note:
        lines += [f"Training budget. {budget_note}", ""]
    lines += ["Negative control (nuisance 0):", ""]
    lines += _md_table(["registration", "own-trait R² registered vs native", "Δ [95 % CI]", "p", "verdict"], control)
    lines += [f"Share of the registered own-trait R² kept by the unregistered space at nuisance "
              f"{settings.nuisance:g} (target ≥ {RETAINED_TARGET:.0%}):", ""]
    lines += _md_table(["modality", "unregistered", "own R²", "registered", "own R²", "share kept", "≥ 40 %"],
                       retained)
    return atomic_write_text(out / "headline.md", "\n".join(lines))
