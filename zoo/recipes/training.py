"""``--mode train``: fit an autoencoder or pair model and write ml4h's outputs.

Under ``{output_folder}/{id}/``: ``{id}.keras`` (best validation loss of the trained
objective: ``val_loss``, or ``val_dropfuse_loss`` for DropFuse models, see
:mod:`zoo.models.objective`; the summary names it as ``monitor``),
``encoder_{tm.name}.keras`` / ``decoder_{tm.name}.keras`` (ml4h's names, e.g.
``encoder_dxa_1_2.keras``; the same best weights, where ml4h saved last-epoch weights),
``history_{id}.tsv`` and ``learning_curve_{id}.png``,
``reconstructions_{tensor}_{id}.png`` for a few validation samples (with cross-decoded
columns for pair models), ``arguments_{id}.json`` and ``train_summary_{id}.json``.
"""
from __future__ import annotations

import json
import math
import time
from pathlib import Path

import numpy as np

from fastio import ml4h_names, open_store
from fastio.safefs import atomic_output, atomic_write_text, output_folder
from zoo.models import Arch, build_model, decoders_of, encoders_of, load_model, parse_pairs
from zoo.recipes.args import parse_args
from zoo.recipes.blocks import load_blocks
from zoo.recipes.data import resolve_store, store_specs
from zoo.recipes.distribute import training_scope, visible_devices
from zoo.recipes import reuse
from zoo.recipes.plots import plot_learning_curve, plot_reconstructions

__all__ = ["train", "run_dir_of", "write_arguments"]


def run_dir_of(args) -> Path:
    return Path(args.output_folder) / args.id


def write_arguments(args, run_dir: Path) -> Path:
    path = run_dir / f"arguments_{args.id}.json"
    return atomic_write_text(path, json.dumps(vars(args), indent=2, sort_keys=True, default=str) + "\n")


def _loaders(args, store_path, inputs, outputs, distributed: bool):
    from fastio import Loader  # a Keras PyDataset: importing it starts TensorFlow

    common = dict(
        inputs=[s.name for s in inputs], outputs=[s.name for s in outputs],
        batch_size=args.batch_size, seed=args.random_seed, split_seed=args.split_seed,
        valid_ratio=args.valid_ratio,
        test_ratio=args.test_ratio, sample_csv=args.sample_csv, workers=args.workers,
    )
    train = Loader(store_path, split="train", shuffle=True, **common)
    # Split over several replicas, a short last batch breaks Keras' per-replica loss
    # reduction; distributed runs therefore evaluate whole batches only.
    valid = Loader(store_path, split="valid", shuffle=False, drop_remainder=distributed, **common)
    test = None
    if args.test_steps and args.test_ratio > 0:
        try:
            test = Loader(store_path, split="test", shuffle=False, drop_remainder=distributed, **common)
        except ValueError:
            test = None  # an empty test split only skips the test evaluation
    return train, valid, test


def _archs(args, inputs):
    """One Arch for every tensor, or, with one --bottleneck_type per input, one per input
    tensor (an output tensor that is no input gets the first input's)."""
    arch = Arch.from_namespace(args)
    if len(args.bottleneck_type) == 1:
        return arch
    return {s.name: arch.replace(bottleneck_type=kind) for s, kind in zip(inputs, args.bottleneck_type)}


def _build(args, inputs, outputs, reusable: bool):
    import keras

    if args.model_file:
        model = load_model(args.model_file)
        expected = {s.input_name for s in inputs}
        got = {t.name.split(":")[0] for t in model.inputs}
        if not expected <= got:
            legacy = {f"input_{ml4h_names.legacy_name(s)}_continuous" for s in inputs}
            hint = (" (the input names of a run made before ml4h naming: start from its encoder_/"
                    "decoder_ files with --encoder_blocks/--decoder_blocks instead)" if legacy <= got else "")
            raise ValueError(f"--model_file {args.model_file}: expected inputs {sorted(expected)}, "
                             f"the model has {sorted(got)}{hint}")
    else:
        pairs = parse_pairs(args.pairs, args.pair_loss, args.pair_loss_weight)
        model = build_model(
            inputs, outputs, arch=_archs(args, inputs), pairs=pairs,
            pair_merge=args.pair_merge if len(inputs) > 1 else None,
            encoders=load_blocks(args.encoder_blocks, "encoder", inputs),
            decoders=load_blocks(args.decoder_blocks, "decoder", outputs),
            seed=args.random_seed, name=args.id,
        )
    def make_optimizer():
        return keras.optimizers.get({"class_name": args.optimizer, "config": {"learning_rate": args.learning_rate}})

    options = {"loss": {s.output_name: "mse" for s in outputs}, "run_eagerly": args.run_eagerly}
    # a model read from a file is never swapped for a kept one, nor is one whose variables
    # a distribution strategy mirrors (each training opens its own strategy)
    if args.model_file or not reusable:
        model.compile(optimizer=make_optimizer(), **options)
        return model
    return reuse.compiled(model, make_optimizer, options)


def _monitor(model, valid, steps, inputs, outputs):
    """The validation loss of the objective training minimises, and the callback that
    logs it when Keras' ``val_loss`` is not that (DropFuse: zoo.models.objective)."""
    from zoo.models.objective import MONITOR, DropFuseValidation, uses_dropfuse  # Keras callbacks

    if uses_dropfuse(model):
        return MONITOR, [DropFuseValidation(valid, steps, inputs, outputs)]
    return "val_loss", []


def _callbacks(args, history_path: Path, monitor: str, extra=()):
    import keras

    return [
        keras.callbacks.TerminateOnNaN(),
        *extra,  # before the callbacks that read the monitored value from the logs
        # Keras restores the best epoch's weights at the end whether or not it stopped
        # early, so every file written afterwards holds the best weights.
        _early_stopping(args, monitor),
        keras.callbacks.ReduceLROnPlateau(monitor=monitor, mode="min", factor=0.5,
                                          patience=max(1, args.patience // 2), min_lr=1e-7),
        keras.callbacks.CSVLogger(str(history_path), separator="\t"),
    ]


def _early_stopping(args, monitor: str):
    import keras

    if args.min_improvement > 0:
        from zoo.recipes.stopping import RelativeEarlyStopping

        return RelativeEarlyStopping(monitor, args.patience, args.min_improvement)
    return keras.callbacks.EarlyStopping(monitor=monitor, mode="min", patience=args.patience,
                                         restore_best_weights=True)


def _save(model, run_dir: Path, run_id: str, inputs, outputs) -> dict[str, str]:
    files = {"model": run_dir / f"{run_id}.keras"}
    parts = {"model": model}
    for specs, nested, file_of in ((inputs, encoders_of(model, inputs), ml4h_names.encoder_file),
                                   (outputs, decoders_of(model, outputs), ml4h_names.decoder_file)):
        for spec in specs:
            path = run_dir / file_of(spec)  # ml4h's name: encoder_{tm.name}.keras
            files[path.stem], parts[path.stem] = path, nested[spec.name]
    for key, part in parts.items():
        with atomic_output(files[key], suffix=".keras") as tmp:  # Keras insists on the suffix
            part.save(tmp)
    return {k: str(v) for k, v in files.items()}


def _reconstructions(args, model, valid, inputs, outputs, run_dir) -> list[str]:
    n = min(args.reconstructions, valid.rows.size)
    if n < 1:
        return []
    x, y = valid[0][:2]
    x = {k: np.array(v[:n]) for k, v in x.items()}
    ids = valid.batch_sample_ids(0)[:n]
    # direct calls: a one-off batch is not worth tracing predict functions for
    predicted = model(x, training=False)
    encoders, decoders = encoders_of(model, inputs), decoders_of(model, outputs)
    paths = []
    for spec in outputs:
        columns = {"target": np.asarray(y[spec.output_name][:n]),
                   "reconstruction": np.asarray(predicted[spec.output_name])}
        decoder = decoders.get(spec.name)
        for src in inputs if len(inputs) > 1 else ():
            encoder = encoders.get(src.name)
            if decoder is None or encoder is None:
                continue
            if int(encoder.outputs[0].shape[-1]) != int(decoder.inputs[0].shape[-1]):
                continue  # concat/kronecker decoders read merged latents only
            latent = encoder(x[src.input_name], training=False)
            columns[f"from {src.name}"] = np.asarray(decoder(latent, training=False))
        path = run_dir / f"reconstructions_{spec.name}_{args.id}.png"
        plot_reconstructions(columns, ids, path, f"{args.id}: {spec.name}")
        paths.append(str(path))
    return paths


def train(argv_or_namespace=None) -> Path:
    """Train an autoencoder or pair model with an ml4h command line (``zoo train``).

    Args:
        argv_or_namespace: the recipe's flags as a list of strings (ml4h's, verbatim:
            ``--tensors``, ``--input_tensors``, ``--output_tensors``, ``--output_folder``,
            ``--id``, architecture and fit flags; ``python -m zoo.recipes --help`` lists
            them) or a parsed ``argparse.Namespace``; ``--mode`` must be ``train``.

    Returns:
        The run directory ``{output_folder}/{id}``: the model, ``encoder_{tensor}.keras`` /
        ``decoder_{tensor}.keras`` (ml4h's names), history, learning curve, summary.

    Example:
        >>> import zoo
        >>> cohort = zoo.generate("phantom", n=20, n_variants=1000, progress=False, workers=1)
        >>> tiny = ["--tensors", "phantom/hd5", "--tensor_scale", "quick", "--input_tensors",
        ...         "dxa_2", "--output_folder", "runs", "--id", "dxa_ae"]
        >>> run = zoo.train(tiny + ["--output_tensors", "dxa_2", "--epochs", "1",
        ...                         "--training_steps", "2", "--validation_steps", "1",
        ...                         "--batch_size", "4", "--conv_layers", "4", "--dense_blocks",
        ...                         "4", "--dense_layers", "8", "--verbose", "0"])
        >>> sorted(p.name for p in run.glob("encoder_*.keras"))
        ['encoder_dxa_1_2.keras']
    """
    args = parse_args(argv_or_namespace)
    if args.mode != "train":
        raise ValueError(f"zoo.recipes.train: expected --mode train, got {args.mode!r}")
    run_dir = run_dir_of(args)
    # A run that fails before writing anything leaves no run folder behind.
    with output_folder(run_dir):
        return _train(args, run_dir)


def _train(args, run_dir: Path) -> Path:
    # Inputs first: a bad --tensors is one line, before TensorFlow starts (and logs).
    names = list(dict.fromkeys([*args.input_tensors, *args.output_tensors]))
    store_path = resolve_store(args.tensors, run_dir, names, args.tensor_scale)
    store = open_store(store_path)
    inputs = store_specs(store, args.input_tensors)
    outputs = store_specs(store, args.output_tensors)

    import keras

    keras.utils.set_random_seed(args.random_seed)
    devices = visible_devices()
    train_loader, valid, test = _loaders(args, store_path, inputs, outputs, len(devices) > 1)

    with training_scope(devices):
        model = _build(args, inputs, outputs, reusable=len(devices) <= 1)
    write_arguments(args, run_dir)  # inputs read and model built: the run is under way
    if args.inspect_model:
        lines = []
        model.summary(print_fn=lambda line, *a, **k: lines.append(line), expand_nested=True)
        atomic_write_text(run_dir / f"architecture_{args.id}.txt", "\n".join(lines) + "\n")

    from zoo.recipes._steps import StepDataset  # a Keras PyDataset: imports Keras

    data = StepDataset(train_loader, args.training_steps)
    validation_steps = min(args.validation_steps, len(valid))
    monitor, extra = _monitor(model, valid, validation_steps, inputs, outputs)
    t0 = time.perf_counter()
    # CSVLogger opens its file for writing: give it a temp name (never a planted symlink)
    with atomic_output(run_dir / f"history_{args.id}.tsv") as history_tmp:
        history = model.fit(
            data, epochs=args.epochs, validation_data=valid, validation_steps=validation_steps,
            callbacks=_callbacks(args, history_tmp, monitor, extra), verbose=args.verbose,
        ).history
    fit_seconds = time.perf_counter() - t0
    losses = history.get(monitor, [])
    if not losses or not all(math.isfinite(v) for v in history.get("loss", [])):
        raise RuntimeError(f"{args.id}: training diverged or stopped without a validation loss "
                           f"(history: {history})")

    files = _save(model, run_dir, args.id, inputs, outputs)
    test_loss = None
    if test is not None:
        test_loss = float(model.evaluate(test, steps=min(args.test_steps, len(test)), verbose=0,
                                         return_dict=True)["loss"])
    plot_learning_curve(history, run_dir / f"learning_curve_{args.id}.png", args.id)
    figures = _reconstructions(args, model, valid, inputs, outputs, run_dir)
    epochs_run = len(history["loss"])
    best = int(np.nanargmin(losses))
    summary = {
        "id": args.id, "store": str(store_path), "devices": devices,
        "inputs": [s.to_dict() for s in inputs], "outputs": [s.to_dict() for s in outputs],
        "epochs_run": epochs_run, "monitor": monitor, "best_epoch": best + 1,
        "best_val_loss": float(losses[best]),
        "history": {k: [float(v) for v in vals] for k, vals in history.items()},
        "test_loss": test_loss, "split_seed": args.split_seed,
        "n_train": int(train_loader.rows.size), "n_valid": int(valid.rows.size),
        "fit_seconds": fit_seconds,
        "train_samples_per_second": epochs_run * args.training_steps * args.batch_size / fit_seconds,
        "loader_seconds": data.load_seconds, "files": files, "reconstructions": figures,
    }
    atomic_write_text(run_dir / f"train_summary_{args.id}.json", json.dumps(summary, indent=2) + "\n")
    for loader in (train_loader, valid, test):
        if loader is not None:
            loader.close()
    return run_dir
