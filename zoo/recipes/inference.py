"""``--mode infer_encoders``: one latent table per input tensor.

Writes ``{output_folder}/{id}/hidden_{tm.name}_{id}.tsv`` (ml4h's name, e.g.
``hidden_dxa_1_2_dxa_2_autoencoder_256d.tsv``): header ``sample_id latent_0 …`` (or
``FID IID latent_0 …`` with ``--tsv_style genetics``), one row per sample that has the
tensor, in store order. Each encoder runs alone, so DropFuse embeddings are
deterministic. Encoders come from ``--encoder_blocks PATH/encoder_{tm.name}.keras``, else
the run directory's ``encoder_{tm.name}.keras`` (or an earlier run's
``encoder_{tensor}.keras``), else the encoder nested in ``--model_file``.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from fastio import ml4h_names, open_store
from fastio.safefs import output_folder
from zoo.evaluate.latents import write_latents
from zoo.models import encoders_of, load_model
from zoo.recipes.args import parse_args
from zoo.recipes.blocks import load_blocks
from zoo.recipes.data import resolve_store, store_specs
from zoo.recipes.training import run_dir_of

__all__ = ["infer", "find_encoder"]


def find_encoder(args, spec, run_dir: Path):
    given = load_blocks(args.encoder_blocks, "encoder", [spec])
    if spec.name in given:
        return given[spec.name]
    own = run_dir / ml4h_names.encoder_file(spec)
    for token in ml4h_names.block_tokens(spec):  # ml4h's name, then an earlier run's
        if (run_dir / f"encoder_{token}.keras").is_file():
            return load_model(run_dir / f"encoder_{token}.keras")
    if args.model_file:
        model = load_model(args.model_file)
        nested = encoders_of(model, [spec])
        if spec.name in nested:
            return nested[spec.name]
        raise ValueError(f"--model_file {args.model_file}: expected a nested "
                         f"{ml4h_names.encoder_model(spec)}, found encoders for {sorted(encoders_of(model))}")
    raise ValueError(f"Tensor {spec.name}: expected an encoder in --encoder_blocks, at {own}, "
                     "or inside --model_file; found none")


def infer(argv_or_namespace=None) -> list[Path]:
    """Write the latent tables of a trained run with an ml4h command line (``zoo infer``).

    Args:
        argv_or_namespace: the recipe's flags as a list of strings (ml4h's, verbatim:
            ``--mode infer_encoders``, ``--tensors``, ``--input_tensors``,
            ``--output_folder`` and ``--id`` of the trained run) or a parsed
            ``argparse.Namespace``.

    Returns:
        The written tables ``{output_folder}/{id}/hidden_{tensor}_{id}.tsv``, one per input
        tensor: ``sample_id`` and one ``latent_*`` column per latent dimension.

    Example:
        >>> import zoo
        >>> cohort = zoo.generate("phantom", n=20, n_variants=1000, progress=False, workers=1)
        >>> tiny = ["--tensors", "phantom/hd5", "--tensor_scale", "quick", "--input_tensors",
        ...         "dxa_2", "--output_folder", "runs", "--id", "dxa_ae"]
        >>> run = zoo.train(tiny + ["--output_tensors", "dxa_2", "--epochs", "1",
        ...                         "--training_steps", "2", "--validation_steps", "1",
        ...                         "--batch_size", "4", "--conv_layers", "4", "--dense_blocks",
        ...                         "4", "--dense_layers", "8", "--verbose", "0"])
        >>> tables = zoo.infer(tiny + ["--mode", "infer_encoders"])
        >>> [t.name for t in tables]
        ['hidden_dxa_1_2_dxa_ae.tsv']
        >>> zoo.evaluate.read_latents(tables[0]).shape[1]    # the latent size, --dense_layers
        8
    """
    args = parse_args(argv_or_namespace)
    run_dir = run_dir_of(args)
    # A run that fails before writing a table leaves no run folder behind.
    with output_folder(run_dir):
        return _infer(args, run_dir)


def _infer(args, run_dir: Path) -> list[Path]:
    if args.tsv_style not in ml4h_names.TSV_STYLES:
        raise ValueError(f"Expected tsv_style in {ml4h_names.TSV_STYLES}, got {args.tsv_style!r}")

    store_path = resolve_store(args.tensors, run_dir, args.input_tensors, args.tensor_scale)
    store = open_store(store_path)
    written = []
    for spec in store_specs(store, args.input_tensors):
        encoder = find_encoder(args, spec, run_dir)
        expected = tuple(spec.shape)
        if tuple(encoder.inputs[0].shape[1:]) != expected:
            raise ValueError(f"{encoder.name}: expected input shape {expected} for tensor {spec.name} "
                             f"of {store_path}, got {tuple(encoder.inputs[0].shape[1:])}")
        from fastio import Loader  # builds on Keras: only once the inputs are known good

        loader = Loader(store_path, inputs=[spec.name], batch_size=args.batch_size, split="all",
                        shuffle=False, drop_remainder=False, sample_csv=args.sample_csv,
                        workers=args.workers)
        ids, rows = [], []
        for i in range(len(loader)):
            (x,) = loader[i]
            rows.append(np.asarray(encoder.predict_on_batch(x[spec.input_name]), dtype=np.float64))
            ids.extend(loader.batch_sample_ids(i))
        loader.close()
        path = run_dir / ml4h_names.hidden_file(spec, args.id)
        latents = np.concatenate(rows)
        table = pd.DataFrame(latents, index=pd.Index(ids, name="sample_id"),
                             columns=[f"latent_{j}" for j in range(latents.shape[1])])
        written.append(write_latents(table, path, plink_ids=args.tsv_style == "genetics"))
    return written
