"""The settings of one ``zoo reproduce`` run: the full default and the ``--quick`` scale.

Every latent space gets the same training budget — the same architecture (but for the
encoder bottleneck, chosen per modality: ``plan.BOTTLENECKS``), batch size, steps per
epoch and maximum epochs, stopped early on validation loss with the same patience — and
``seeds`` training seeds; the phenotype scores use ``splits`` random
splits identical for every space and seed.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

from zoo.evaluate.defaults import GENOME_WIDE, MIN_MAF
from zoo.phantom.layout import DEFAULT_NUISANCE, check_strength

__all__ = ["Settings", "FULL", "QUICK", "CONVERGE", "profile_flags"]


@dataclass(frozen=True)
class Settings:
    n: int = 1000
    seeds: int = 3
    nuisance: float = DEFAULT_NUISANCE
    # the ends of the dial around the main strength: 0 is the negative control
    sweep: tuple[float, ...] = (0.0, 1.0)
    cohort_seed: int = 0
    n_variants: int = 20_000
    latent: int = 16
    # the network every model shares: filters of the first conv, filters of each dense conv
    # block (one pooling each) and convs per block
    width: int = 16
    dense_blocks: tuple[int, ...] = (16, 16, 16)
    block_size: int = 2
    # 15 epochs of 8 steps of 16 (1,920 samples, ~2.4 passes over 800 training subjects):
    # the DXA 2/5 models (128×128) cost ~1 s a step on two cores, and the whole run must
    # stay near 90 minutes there
    epochs: int = 15
    steps: int = 8
    batch: int = 16
    patience: int = 3
    # early stopping's patience restarts only on a validation loss this fraction below the
    # last one that restarted it (zoo.recipes.stopping); 0: on any decrease (Keras' rule)
    min_improvement: float = 0.0
    learning_rate: float = 1e-3
    reg_epochs: int = 8
    reg_steps: int = 16
    # images the template registrations build their template from (None: the method's
    # default, every sample up to 256)
    template_fit: int | None = None
    # reconstruction figures of each model's seed-0 run (nothing in the report reads them)
    reconstructions: int = 2
    splits: int = 5
    train_fraction: float = 0.8
    threshold: float = GENOME_WIDE
    min_maf: float = MIN_MAF
    quick: bool = False
    # the --converge budget (CONVERGE): a label for the command line that rebuilds the run
    converge: bool = False
    # a level's registrations, trainings and measures run in this many spawned processes at
    # once; how the work is spread, not what it computes, so a run resumes under any value
    # (left out of equality). Two: 1.20x the trainings of one process for full-size models
    # (benchmarks/results/reproduce-workers.md), more for the quick ones
    train_workers: int = field(default=2, compare=False)

    def __post_init__(self):
        if self.n < 50:
            raise ValueError(f"Expected n >= 50 subjects (splits and GWAS need them), got {self.n}")
        if self.seeds < 2:
            raise ValueError(f"Expected at least 2 training seeds (a spread needs repeats), got {self.seeds}")
        check_strength(self.nuisance)
        for level in self.sweep:
            check_strength(level)
        if self.epochs < 1 or self.steps < 1 or self.batch < 1 or self.patience < 1:
            raise ValueError("Expected positive epochs, steps, batch and patience")
        if not 0.0 <= self.min_improvement < 1.0:
            raise ValueError(f"Expected 0 <= min_improvement < 1, got {self.min_improvement}")
        if not self.learning_rate > 0:
            raise ValueError(f"Expected a positive learning rate, got {self.learning_rate}")
        if self.width < 1 or not self.dense_blocks or min(self.dense_blocks) < 1 or self.block_size < 1:
            raise ValueError(f"Expected positive width, dense_blocks and block_size, got {self.width}, "
                             f"{self.dense_blocks}, {self.block_size}")
        if self.dense_blocks[-1] * self.block_size < self.latent:
            # a global-average bottleneck (the ECG spaces) passes one value per channel of the
            # last block to the latent: fewer than its size leave it rank-deficient
            raise ValueError(f"Expected the last dense block to give at least latent={self.latent} channels "
                             f"(dense_blocks[-1] x block_size), got {self.dense_blocks[-1]} x {self.block_size}")
        if self.quick and self.converge:
            raise ValueError("Expected at most one of quick and converge")
        if self.train_workers < 1:
            raise ValueError(f"Expected train_workers >= 1, got {self.train_workers}")
        if self.template_fit is not None and self.template_fit < 1:
            raise ValueError(f"Expected template_fit >= 1 or None, got {self.template_fit}")

    @property
    def levels(self) -> tuple[float, ...]:
        """Nuisance strengths of the sweep, the main run's included, ascending."""
        return tuple(sorted(set(self.sweep) | {self.nuisance}))

    def to_dict(self) -> dict:
        return {**asdict(self), "sweep": list(self.sweep), "dense_blocks": list(self.dense_blocks)}

    @classmethod
    def from_dict(cls, data: dict) -> "Settings":
        tuples = {k: tuple(data[k]) for k in ("sweep", "dense_blocks") if k in data}
        return cls(**{**data, "sweep": (), **tuples})

    def with_(self, **changes) -> "Settings":
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


FULL = Settings()
# ~4.5 minutes on two cores: a small cohort, short training, the sweep's ends only. Most of
# a quick model's time is fixed cost (tracing, saving, inference), so the network is
# narrower and shallower (8 filters, 2 pooled blocks of 1 conv, the last of 16 so that the
# ECG's global-average bottleneck still fills the 16-d latent): about 2x less CPU a model,
# 3x for the 128×128 DXA ones. Templates are built from 64 images; no reconstruction figures.
QUICK = Settings(n=200, seeds=2, sweep=(0.0, 1.0), n_variants=5000, epochs=4, steps=8, batch=16, patience=2,
                 width=8, dense_blocks=(8, 16), block_size=1, reg_epochs=2, reg_steps=8, template_fit=64,
                 reconstructions=0, splits=5, quick=True, train_workers=2)
# --converge: the full run with a budget that early stopping, not the cap, ends, within the
# 90-minute target on two cores. The quick scale's network trains a step ~4.5x faster than
# FULL's and reaches a lower validation loss in 120 epochs than FULL's in 60; early stopping's
# patience restarts only on a 0.5 % fall of the validation loss (with Keras' rule,
# ReduceLROnPlateau's ever smaller steps keep finding falls of a few parts in ten thousand for
# hundreds of epochs); the cap of 200 epochs is above where every retraining of the sweep
# pairs stopped (benchmarks/results/reproduce-budget-converge.md).
CONVERGE = FULL.with_(width=8, dense_blocks=(8, 16), block_size=1, epochs=200, min_improvement=0.005,
                      converge=True)


def profile_flags(settings: Settings) -> list[str]:
    """The ``zoo reproduce`` flag that picks ``settings``' defaults: ``--quick``, ``--converge``
    or none (FULL)."""
    return ["--quick"] if settings.quick else ["--converge"] if settings.converge else []
