"""Did each model of a run converge? Its validation-loss curves, read back from the trainings.

Every model gets the same budget (at most ``epochs`` epochs, stopped after ``patience``
epochs without a better validation loss). A model that reaches the cap while its best
validation loss still falls is not converged, and a comparison of latent spaces then holds
at that budget only: the report says which models those are, from their own curves.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["STILL_IMPROVING", "Convergence", "read_train_summary", "read_validation_curve", "convergence", "model_status"]

# a model at the cap whose best validation loss fell by at least this share over its last
# ``patience`` epochs is "still improving": early stopping would not have ended it soon
STILL_IMPROVING = 0.01


def read_train_summary(run_dir: Path) -> tuple[Path, dict]:
    """(path, contents) of the ``train_summary*.json`` a training wrote in ``run_dir``; an
    error naming the folder when there is none."""
    run_dir = Path(run_dir)
    found = sorted(run_dir.glob("train_summary*.json"))
    if not found:
        raise RuntimeError(f"{run_dir}: training wrote no train_summary*.json")
    return found[0], json.loads(found[0].read_text(encoding="utf-8"))


def read_validation_curve(run_dir: Path) -> np.ndarray:
    """The validation loss per epoch that training recorded in ``run_dir``'s
    ``train_summary*.json``; an error naming the file when it is absent or lacks it."""
    path, data = read_train_summary(run_dir)
    curve = (data.get("history") or {}).get("val_loss")
    if not curve:
        raise RuntimeError(f"{path}: expected a history with a val_loss per epoch, found none")
    values = np.asarray(curve, dtype=float)
    if not np.isfinite(values).all():
        raise RuntimeError(f"{path}: validation loss is not finite at epochs "
                           f"{(np.flatnonzero(~np.isfinite(values)) + 1).tolist()}")
    return values


def recent_gain(curve: np.ndarray, patience: int) -> float:
    """Relative fall of the best validation loss over the last ``patience`` epochs:
    (best before them − best overall) / best before them; nan when the curve is no longer
    than ``patience``."""
    curve = np.asarray(curve, dtype=float)
    if curve.size <= patience:
        return float("nan")
    before = curve[:-patience].min()
    return float((before - curve.min()) / before) if before > 0 else float("nan")


@dataclass(frozen=True)
class Convergence:
    """One model's trainings (one per seed) against the budget's cap."""

    model: str
    curves: tuple[np.ndarray, ...]
    cap: int
    patience: int

    @property
    def epochs(self) -> list[int]:
        return [len(c) for c in self.curves]

    @property
    def stopped_early(self) -> int:
        return sum(len(c) < self.cap for c in self.curves)

    @property
    def gains(self) -> list[float]:
        """``recent_gain`` of each seed that ran to the cap (early stopping ended the rest),
        but for a cap no longer than ``patience`` epochs, which leaves nothing to compare."""
        return [recent_gain(c, self.patience) for c in self.curves if len(c) >= self.cap > self.patience]

    @property
    def still_improving(self) -> int:
        return sum(g >= STILL_IMPROVING for g in self.gains)

    @property
    def status(self) -> str:
        if self.stopped_early == len(self.curves):
            return "stopped early"
        if self.cap <= self.patience:
            return "too short to tell"
        return "still improving" if self.still_improving else "flat at the cap"

    def mean_curve(self) -> np.ndarray:
        """Mean over seeds per epoch, over the seeds that reached it."""
        longest = max(self.epochs)
        padded = np.full((len(self.curves), longest), np.nan)
        for i, c in enumerate(self.curves):
            padded[i, :len(c)] = c
        return np.nanmean(padded, axis=0)

    def row(self) -> dict:
        gains = self.gains
        best = [float(c.min()) for c in self.curves]
        return {"model": self.model, "seeds": len(self.curves), "epochs_min": min(self.epochs),
                "epochs_max": max(self.epochs), "cap": self.cap, "stopped_early": self.stopped_early,
                "best_epoch_mean": float(np.mean([int(np.argmin(c)) + 1 for c in self.curves])),
                "best_val_loss_mean": float(np.mean(best)),
                "recent_gain_mean": float(np.mean(gains)) if gains else None,
                "recent_gain_max": float(np.max(gains)) if gains else None,
                "still_improving": self.still_improving, "status": self.status}


def convergence(runs: Path, models, seeds: int, cap: int, patience: int) -> list[Convergence]:
    """One ``Convergence`` per model name in ``models``, from ``runs/{model}_seed{k}``."""
    return [Convergence(m, tuple(read_validation_curve(Path(runs) / f"{m}_seed{k}") for k in range(seeds)),
                        cap, patience) for m in models]


def model_status(rows: list[Convergence]) -> dict[str, str]:
    """Model name -> its ``status``."""
    return {c.model: c.status for c in rows}
