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

import csv
from pathlib import Path

import numpy as np

from fastio import ml4h_names
from fastio.safefs import atomic_output, output_folder
from zoo.recipes.args import parse_args
from zoo.recipes.data import resolve_store, store_specs
from zoo.recipes.training import run_dir_of

__all__ = ["infer", "find_encoder", "write_latents"]


def find_encoder(args, spec, run_dir: Path):
    from zoo.models import encoders_of, load_model
    from zoo.recipes.blocks import load_blocks

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


def write_latents(path: Path, ids, latents: np.ndarray, style: str = "standard") -> Path:
    latents = np.asarray(latents)
    if latents.ndim != 2 or latents.shape[0] != len(ids):
        raise ValueError(f"{path}: expected one latent row per sample id ({len(ids)}), got {latents.shape}")
    if style not in ("standard", "genetics"):
        raise ValueError(f"Expected tsv_style 'standard' or 'genetics', got {style!r}")
    head = ["sample_id"] if style == "standard" else ["FID", "IID"]
    # a half-written table never carries the final name
    with atomic_output(path) as tmp, open(tmp, "w", newline="") as f:
        writer = csv.writer(f, delimiter="\t", lineterminator="\n")
        writer.writerow(head + [f"latent_{j}" for j in range(latents.shape[1])])
        for sid, row in zip(ids, latents):
            key = [sid] if style == "standard" else [sid, sid]
            writer.writerow(key + [repr(float(v)) for v in row])
    return path


def infer(argv_or_namespace=None) -> list[Path]:
    """Run ``--mode infer_encoders``; returns the written TSV paths."""
    args = parse_args(argv_or_namespace)
    run_dir = run_dir_of(args)
    # A run that fails before writing a table leaves no run folder behind.
    with output_folder(run_dir):
        return _infer(args, run_dir)


def _infer(args, run_dir: Path) -> list[Path]:
    from fastio import open_store

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
        written.append(write_latents(path, ids, np.concatenate(rows), args.tsv_style))
    return written
