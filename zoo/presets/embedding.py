"""``zoo.embed(x, preset)``: a registered latent space of your own tensors in one call.

``x`` is an array of tensors as ml4h stores them → ``(N, dim)`` float32; a folder of ml4h
``.hd5`` files, one ``.hd5`` file, or a fastio store (path or object) → a DataFrame
indexed by ``sample_id`` with columns ``latent_0 …`` (ml4h's ``hidden_*.tsv`` layout).

Samples that lack the tensor (the dataset is absent: a subject without that modality)
are left out and listed in ``df.attrs["missing"]`` — or, with ``strict=True``, are an
error. A damaged file is always an error naming the file and the tensor.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from fastio.hdf5 import HDF5_SUFFIX, SampleError, read_tensor, sample_id_of
from fastio.store import Store, open_store
from zoo.presets.encoder import Encoder
from zoo.presets.registry import Registry, load_registry

__all__ = ["embed", "embed_frame", "get_encoder"]

_CACHE: dict[tuple, Encoder] = {}


def get_encoder(preset, *, registry: Registry | None = None, **fetch_options) -> Encoder:
    """The loaded :class:`Encoder` of ``preset`` (an ``Encoder``, a ref, or a record),
    loaded once per process and file set."""
    if isinstance(preset, Encoder):
        return preset
    registry = registry or load_registry()
    record = registry.get(preset)
    key = (record.ref, tuple(sorted(str(s) for s in registry.sources)), tuple(sorted(fetch_options.items())))
    if key not in _CACHE:
        _CACHE[key] = Encoder.from_preset(record, registry=registry, **fetch_options)
    return _CACHE[key]


def _frame(ids, latents: np.ndarray, encoder: Encoder, missing: dict) -> pd.DataFrame:
    df = pd.DataFrame(latents, index=pd.Index([str(i) for i in ids], name="sample_id"),
                      columns=[f"latent_{j}" for j in range(latents.shape[1])])
    df.attrs.update({"preset": encoder.preset.ref, "missing": missing})
    return df


def _is_absent(exc: SampleError) -> bool:
    return exc.reason.startswith("dataset missing")


def _embed_files(files: list[Path], encoder: Encoder, batch_size: int, strict: bool) -> pd.DataFrame:
    spec = encoder.preset.source
    ids, parts, missing = [], [], {}
    chunk_ids, chunk = [], []

    def flush():
        if chunk:
            parts.append(encoder.embed(np.stack(chunk), batch_size, ids=chunk_ids, erase=False))
            ids.extend(chunk_ids)
            chunk.clear()
            chunk_ids.clear()

    for path in files:
        try:
            x = read_tensor(path, spec)
        except SampleError as exc:
            if strict or not _is_absent(exc):
                raise
            missing[sample_id_of(path)] = str(exc)
            continue
        chunk.append(x)
        chunk_ids.append(sample_id_of(path))
        if len(chunk) >= batch_size:
            flush()
    flush()
    if not parts:
        raise ValueError(f"No sample of {len(files)} file(s) holds tensor {spec.name} for preset "
                         f"{encoder.preset.ref} (e.g. {next(iter(missing.values()), 'no files')})")
    return _frame(ids, np.concatenate(parts), encoder, missing)


def _embed_store(store: Store, encoder: Encoder, batch_size: int, strict: bool) -> pd.DataFrame:
    name = encoder.preset.source.name
    if name not in store.tensors:
        raise ValueError(f"{store.path}: expected tensor {name!r} for preset {encoder.preset.ref}; the store "
                         f"holds {sorted(store.tensors)}")
    present = store.present(name)
    sample_ids = list(store.sample_ids)
    missing = {sample_ids[i]: f"{store.path}: tensor {name} absent" for i in np.flatnonzero(~present)}
    if strict and missing:
        raise ValueError(f"{store.path}: tensor {name} is absent for {len(missing)} samples "
                         f"(e.g. {next(iter(missing))}); strict=True expects every sample")
    arr = store[name]
    ids, parts = [], []
    for block in range(store.n_blocks()):
        a, b = store.block_range(block)
        rows = np.flatnonzero(present[a:b])
        if rows.size:
            values = np.asarray(arr[a:b], dtype=np.float32)[rows]
            block_ids = [sample_ids[a + r] for r in rows]
            parts.append(encoder.embed(values, batch_size, ids=block_ids, erase=False))
            ids.extend(block_ids)
    if not parts:
        raise ValueError(f"{store.path}: tensor {name} has no present samples to embed")
    return _frame(ids, np.concatenate(parts), encoder, missing)


def embed_frame(source, encoder: Encoder, *, batch_size: int = 64, strict: bool = False) -> pd.DataFrame:
    """Embed a folder of ``.hd5`` files, one ``.hd5`` file or a store → DataFrame."""
    if isinstance(source, Store):
        return _embed_store(source, encoder, batch_size, strict)
    path = Path(source)
    if (path / "zarr.json").is_file():
        return _embed_store(open_store(path), encoder, batch_size, strict)
    if path.is_file() and path.name.endswith(HDF5_SUFFIX):
        return _embed_files([path], encoder, batch_size, strict)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.name.endswith(HDF5_SUFFIX))
        if files:
            return _embed_files(files, encoder, batch_size, strict)
    raise ValueError(f"{path}: expected an array, a folder of ml4h .hd5 files, an .hd5 file or a fastio store "
                     "(zarr.json), found none of these")


def embed(x, preset, *, batch_size: int = 64, strict: bool = False, registry: Registry | None = None,
          **fetch_options):
    """Embed ``x`` with a pretrained encoder of the zoo, its own registration and
    normalisation applied first (``zoo embed``).

    Args:
        x: raw tensors ``(N, *preset.source.shape)`` as ml4h stores them, a folder of ml4h
            ``.hd5`` files, one ``.hd5`` file, or a fastio store (path or object).
        preset: ``"name"`` (newest version), ``"name@N"`` or a loaded :class:`Encoder`.
        batch_size: samples per encoder call.
        strict: a sample without the tensor is an error (else it is left out).
        registry: where presets are looked up (default: the shipped registry plus
            ``ZOO_REGISTRY``).
        **fetch_options: for :func:`~zoo.presets.fetching.fetch` (``cache``, ``offline``,
            ``base_url``, ...).

    Returns:
        For an array, ``(N, dim)`` float32 latents; for files or a store, a DataFrame of
        ``latent_*`` columns indexed by sample id.

    Example:
        >>> import numpy as np, zoo
        >>> x = np.zeros((2, 128, 128, 1), np.float32)    # two DXA 2 images, as ml4h stores them
        >>> zoo.embed(x, "dxa_2.none.ae").shape              # a preset the zoo ships
        (2, 16)
    """
    encoder = get_encoder(preset, registry=registry, **fetch_options)
    if isinstance(x, (str, os.PathLike, Store)):
        return embed_frame(x, encoder, batch_size=batch_size, strict=strict)
    return encoder.embed(x, batch_size)
