"""Model cards: ``model_cards/<name>@<version>.md``, Hugging Face style.

The YAML front matter is the registry entry itself plus the keys a model hub indexes
(``library_name``, ``tags``, ``datasets``); the body is written from the same record, so
a card can never drift from its entry (a test compares every card with the registry).
"""
from __future__ import annotations

from typing import Any

from zoo.presets.record import Preset

__all__ = ["render_card", "parse_card", "hub_keys"]

_FENCE = "---"


def hub_keys(preset: Preset) -> dict[str, Any]:
    data = preset.training.get("data", {})
    return {
        "library_name": "keras",
        "tags": ["regzoo", "autoencoder", preset.source.name, f"registration-{preset.method}", preset.objective],
        "datasets": [str(data.get("name", "unspecified"))],
    }


def _spread(value: dict) -> str:
    """``m ± s`` of a mean over training seeds (and ``± s`` over splits where recorded)."""
    text = f"{_value(value['mean'])} ± {_value(value['sd_over_seeds'])} (SD over seeds"
    if "sd_over_splits" in value:
        text += f"; ± {_value(value['sd_over_splits'])} over splits"
    rest = {k: v for k, v in value.items() if k not in ("mean", "sd_over_seeds", "sd_over_splits")}
    return text + ")" + "".join(f", {k} {_value(v)}" for k, v in rest.items())


def _value(value) -> str:
    if isinstance(value, dict) and "sd_over_seeds" in value:
        return _spread(value)
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value) or "none"
    if value is None:
        return "n/a"
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _pairs(value: dict) -> str:
    """``key value, …``; each precision carries its chance rate (``null_rate``) beside it."""
    chance = value.get("null_rate")
    parts = []
    for k, v in value.items():
        if k == "null_rate":
            continue
        text = f"{k} {_value(v)}" + (" (no loci)" if v is None and k.startswith("precision") else "")
        if k.startswith("precision"):
            text += f" (chance {_value(chance)})" if chance is not None else " (chance not recorded)"
        parts.append(text)
    return ", ".join(parts)


def _metrics_table(metrics: dict) -> list[str]:
    rows = []
    for key, value in metrics.items():
        if isinstance(value, dict) and "sd_over_seeds" in value:
            text = _spread(value)
        elif isinstance(value, dict):
            text = _pairs(value)
        else:
            text = f"{value:.4g}" if isinstance(value, float) else str(value)
        rows.append(f"| {key} | {text} |")
    return ["| metric | value |", "|---|---|", *rows] if rows else ["No metrics were recorded for this run."]


def _chance_text(metrics: dict) -> list[str]:
    """The chance rate of locus precision, in words (a precision means nothing without it)."""
    gwas = metrics.get("gwas") or {}
    if "null_rate" not in gwas or "window_kb" not in gwas:
        return []
    factors = ", ".join(gwas.get("own_factors", [])) or "its own factors"
    return [f"Chance: a locus counts as true when its lead variant lies within the {_value(gwas['window_kb'])} kb "
            f"LD window of a causal variant of this tensor's own factors ({factors}). The null rate, "
            f"{_value(gwas['null_rate'])}, is the fraction of the tested variants (MAF ≥ {_value(gwas['min_maf'])}) "
            "that lie within that window: the precision a locus at a random variant would score. A precision "
            "near the null rate means nothing; only a precision well above it shows the loci find the tensor's "
            "own biology. Chance for R² is 0 and for AUROC 0.5.", ""]


def _interval(v: dict) -> str:
    lo, hi = v["ci95"]
    return (f"{_value(v['own_r2'])} vs {_value(v['own_r2_baseline'])}, Δ {v['delta_own_r2']:+.4g} "
            f"[95 % CI {lo:+.4g}, {hi:+.4g}], p = {_value(v['p'])}")


def _control_text(metrics: dict) -> list[str]:
    """The Table-2 comparison this space is the method of, and its negative control."""
    lines = []
    pair = metrics.get("vs_baseline")
    if pair:
        what = "an oracle upper bound (rendered without nuisance, not a method)" if pair.get("oracle") else \
            pair["method"]
        lines += [f"Against its unregistered baseline {pair['baseline']} ({what}): own-trait R² {_interval(pair)} "
                  f"({pair['test']}).", ""]
    control = metrics.get("negative_control")
    if isinstance(control, dict):
        lines += [f"Negative control (nuisance {_value(control['nuisance'])}: nothing to register, so registration "
                  f"must not help): own-trait R² vs {control['baseline']} {_interval(control)}: "
                  f"{control['verdict']}.", ""]
    elif isinstance(control, str):
        lines += [f"Negative control (nuisance 0, where registration must not help): {control}.", ""]
    return lines


def _summary(p: Preset) -> str:
    if p.objective == "ae":
        what = "Autoencoder"
    elif p.objective.startswith("dropfuse_"):
        what = f"DropFuse encoder (trained jointly with {p.objective[len('dropfuse_'):]}, contrastive pair loss)"
    else:
        what = f"{p.objective} encoder"
    how = "without registration" if p.method == "none" else f"after {p.method} registration"
    return f"{what} of {p.source.name} {how}; {p.embedding_dim}-d latent space."


def _convergence_text(training: dict) -> list[str]:
    """Whether the training converged, where the record says (presets published since it
    records it; older cards render as they were published)."""
    status = training.get("convergence")
    if status is None:
        return []
    line = (f"Training: {training.get('epochs_run')} of at most {training.get('max_epochs')} epochs, the best "
            f"validation loss at epoch {training.get('best_epoch')}: {status}")
    fall = training.get("val_loss_fall")
    if fall:
        line += f" (the best validation loss fell {fall['fall']:.1%} over the last {fall['over_epochs']} epochs)"
    if status == "still improving":
        line += "; a longer training would give a better-fitted encoder"
    return [line + ".", ""]


def _body(p: Preset) -> str:
    data = p.training.get("data", {})
    synthetic = data.get("kind") == "phantom"
    reg = p.registration
    params = ", ".join(f"{k}={v}" for k, v in sorted(reg.get("params", {}).items())) or "none"
    lines = [
        f"# {p.ref}",
        "",
        p.description or _summary(p),
        "",
        "## Intended use",
        "",
        f"`zoo.embed(x, \"{p.ref}\")` maps {p.source.name} tensors as ml4h stores them "
        f"(shape {tuple(p.source.shape)}, unregistered, unnormalised) to a {p.embedding_dim}-d latent "
        "space for association studies (phenotype prediction, latent GWAS). The preset registers "
        f"({p.method}; {params}) and normalises ({p.input.normalization.kind}) its input itself.",
        "",
        "## Training data",
        "",
        f"{data.get('description', 'Not recorded.')} Data fingerprint: `{data.get('fingerprint', 'n/a')}`.",
        "",
        "Command:",
        "",
        "```bash",
        str(p.training.get("command", "not recorded")),
        "```",
        "",
        *_convergence_text(p.training),
        "## Evaluation",
        "",
        str(p.training.get("evaluation", "Measured on the training cohort.")),
        "",
        *_metrics_table(p.metrics),
        "",
        *_chance_text(p.metrics),
        *_control_text(p.metrics),
        "## Limitations",
        "",
    ]
    if synthetic:
        lines.append("Trained on a synthetic cohort (the regzoo phantom at quick scale), not for clinical use. "
                     "The numbers above describe the phantom's planted signal, not real biology.")
    else:
        lines.append("Validated only on the cohort named above; check calibration before applying it elsewhere.")
    lines.append(f"Inputs must match {p.source.name} as ml4h stores it; other resolutions are padded/cropped "
                 f"({p.source.resize}).")
    return "\n".join(lines) + "\n"


def render_card(preset: Preset) -> str:
    import yaml

    front = {**hub_keys(preset), **preset.to_dict()}
    text = yaml.safe_dump(front, sort_keys=False, allow_unicode=True, width=100)
    return f"{_FENCE}\n{text}{_FENCE}\n\n{_body(preset)}"


def parse_card(text: str, where: str = "card") -> tuple[dict, str]:
    """(front matter, body) of a card's text."""
    import yaml

    if not text.startswith(_FENCE + "\n"):
        raise ValueError(f"{where}: expected YAML front matter opening with '---'")
    end = text.find(f"\n{_FENCE}\n", len(_FENCE))
    if end < 0:
        raise ValueError(f"{where}: expected the front matter to close with '---'")
    front = yaml.safe_load(text[len(_FENCE) + 1:end + 1])
    if not isinstance(front, dict):
        raise ValueError(f"{where}: expected a mapping as front matter, got {type(front).__name__}")
    return front, text[end + len(_FENCE) + 2:]
