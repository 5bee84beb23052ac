"""Train one model of the plan with one seed and write its latent tables (ml4h recipes).

The recipes run in this process (TensorFlow is imported once for the whole run); Keras'
global state is cleared after each model so a long run does not accumulate graphs. The
process keeps one compiled model per architecture and trains it again for the next seed
or nuisance level (``zoo.recipes.reuse``): the same result without tracing it again.
"""
from __future__ import annotations

import json
from pathlib import Path

from zoo.recipes.args import parse_args
from zoo.recipes import reuse
from zoo.recipes.inference import infer
from zoo.recipes.training import train
from zoo.reproduce.convergence import read_train_summary
from zoo.reproduce.plan import Model
from zoo.reproduce.settings import Settings

__all__ = ["recipe_argv", "train_and_infer", "trained_as_planned"]


def recipe_argv(model: Model, settings: Settings, store: Path, runs: Path, seed: int) -> list[str]:
    """ml4h flags of ``model``: small widths keep CPU training practical; the budget is the
    same for every model, the architecture too but for each modality's bottleneck
    (plan.BOTTLENECKS)."""
    argv = [
        "--tensors", str(store), "--output_folder", str(runs), "--id", f"{model.name}_seed{seed}",
        "--input_tensors", *model.inputs, "--output_tensors", *model.inputs,
        "--encoder_blocks", "conv_encode", "--decoder_blocks", "conv_decode",
        "--activation", "swish", "--conv_layers", str(settings.width), "--conv_width", "15",
        "--dense_blocks", *map(str, settings.dense_blocks), "--dense_layers", str(settings.latent),
        "--block_size", str(settings.block_size),
        "--bottleneck_type", *model.bottlenecks,
        "--learning_rate", str(settings.learning_rate), "--batch_size", str(settings.batch),
        "--epochs", str(settings.epochs), "--training_steps", str(settings.steps),
        "--validation_steps", "8", "--patience", str(settings.patience),
        "--min_improvement", str(settings.min_improvement),
        "--random_seed", str(seed), "--verbose", "0",
        "--reconstructions", str(settings.reconstructions if seed == 0 else 0),
    ]
    if model.dropfuse:
        # DropFuse: a contrastive pair loss and, in training, one modality's latent dropped
        argv += ["--pairs", *model.inputs, "--pair_loss", "contrastive", "--pair_loss_weight", "0.1",
                 "--pair_merge", "dropout"]
    return argv


# what a training's recorded arguments must share with today's plan for its step to count
# as done: everything but where the files live and how chatty it was
_NOT_COMPARED = {"tensors", "output_folder", "mode", "verbose", "reconstructions", "ignored_flags", "workers"}


def trained_as_planned(model: Model, settings: Settings, store: Path, runs: Path, seed: int) -> bool:
    """Did the finished training of ``model`` use the flags the plan gives it today?
    Compares the arguments the run recorded (``arguments_{id}.json``) with today's; a flag
    the run recorded as null (absent then) counts as its default."""
    argv = recipe_argv(model, settings, store, runs, seed)
    args = vars(parse_args(["--mode", "train", *argv]))
    recorded_path = Path(runs) / args["id"] / f"arguments_{args['id']}.json"
    if not recorded_path.is_file():
        return False
    recorded = json.loads(recorded_path.read_text(encoding="utf-8"))
    defaults = vars(parse_args(["--mode", "train", "--tensors", "-", "--input_tensors", *model.inputs,
                                "--output_tensors", *model.inputs]))
    for key, value in args.items():
        if key in _NOT_COMPARED:
            continue
        then = recorded.get(key)
        if then is None:
            then = defaults.get(key)
        if key == "bottleneck_type":  # one value means the same for every input
            then, value = _per_input(then, model), _per_input(value, model)
        if _plain(then) != _plain(value):
            return False
    return True


def _plain(value):
    return list(value) if isinstance(value, tuple) else value


def _per_input(kinds, model: Model) -> list:
    kinds = list(kinds)
    return kinds * len(model.inputs) if len(kinds) == 1 else kinds


def _summary(run_dir: Path) -> dict:
    _, data = read_train_summary(run_dir)
    return {k: data.get(k) for k in ("epochs_run", "best_epoch", "best_val_loss", "n_train", "n_valid",
                                    "fit_seconds")}


def train_and_infer(model: Model, settings: Settings, store: Path, runs: Path, seed: int) -> dict:
    """Train, then write one latent table per input; returns the tables (tensor -> path)
    and the training summary (epochs run, best epoch, validation loss)."""
    import keras

    argv = recipe_argv(model, settings, store, runs, seed)
    reuse.enable()
    try:
        run_dir = train(parse_args(["--mode", "train", *argv]))
        paths = infer(parse_args(["--mode", "infer_encoders", *argv]))
    finally:
        keras.backend.clear_session()
    if len(paths) != len(model.inputs):
        raise RuntimeError(f"{model.name}: expected {len(model.inputs)} latent tables, inference wrote {paths}")
    # inference writes one table per input, in input order
    return {"latents": {t: str(p) for t, p in zip(model.inputs, paths)}, "training": _summary(Path(run_dir))}
