"""Latent GWAS: every latent dimension against every variant of a PLINK .bed, in chunks.

Genotypes are allele-1 counts (the .bim's 5th column, which plink2 loads as ALT and, with
``omit-ref``, tests as A1), centred over the called samples, with 0 at a missing call, and
multiplied by ``[y_r, Q]`` (see ``design.py``), a few dozen variants at a time so the
decoded floats never leave the cache (see ``BedChunks.product``). Like plink2, a sample with a
missing call is left out of that variant's regression, covariates re-fitted on the called
samples: for a variant with missing calls the chunk product is corrected exactly from the
missing samples' rows (see ``called.py``), and OBS_CT is its number of called samples.
The scan runs in float32 by default (centred genotypes and an orthonormal covariate basis
keep it well conditioned; genotype sums of squares are exact integer sums) or float64.
"""
from __future__ import annotations

import os
import queue
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from zoo.evaluate.bedfile import (READERS, BedChunks, block_buffer, open_bfile, read_fam_ids,
                                  read_variants)
from zoo.evaluate.bedinputs import PlinkInputs
from zoo.evaluate.called import called_products, missing_index
from zoo.evaluate.countsahead import CountsAhead
from zoo.evaluate.defaults import DTYPES
from zoo.evaluate.design import LatentModel, prepare_model
from zoo.evaluate.manova import pillai_from_products, pillai_from_sscp
from zoo.evaluate.phases import Phases
from zoo.evaluate.pvalues import t_two_sided
from zoo.evaluate.results import LONG_COLUMNS, GwasResult, long_values
from zoo.evaluate.tsv import LongTableStream, write_tsv

# GwasResult, LONG_COLUMNS and long_values live in results.py, served here as before
__all__ = ["GwasConfig", "GwasResult", "scan_genotypes", "chunk_statistics", "run_gwas",
           "open_bfile", "LONG_COLUMNS", "long_values"]


@dataclass(frozen=True)
class GwasConfig:
    """How to scan: variants per chunk, float precision, threads, multivariate test."""

    # 1,024 variants per chunk of statistics: the statistics of one chunk overlap the
    # product of the next, and the per-chunk arrays stay small.
    chunk_size: int = 1024
    dtype: str = "float32"
    num_threads: int | None = None
    manova: bool = True
    progress: bool = True
    reader: str = "numpy"

    def __post_init__(self):
        if self.chunk_size < 1:
            raise ValueError(f"Expected chunk_size >= 1, got {self.chunk_size}")
        if self.dtype not in DTYPES:
            raise ValueError(f"Expected dtype in {DTYPES}, got {self.dtype!r}")
        if self.reader not in READERS:
            raise ValueError(f"Expected reader in {READERS}, got {self.reader!r}")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "GwasConfig":
        return cls(**data)


def scan_genotypes(model: LatentModel, codes: np.ndarray, *, manova: bool = True,
                   buffer: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Statistics for one chunk of allele counts ``codes`` (n, m) int8, missing = -127.

    Returns per-dimension ``beta, se, t, p`` of shape (m, K), per-variant ``obs`` (called
    samples), ``a1_freq``, and, with ``manova``, ``pillai, F, p_manova`` of shape (m,).
    """
    codes = np.asarray(codes)
    if codes.dtype != np.int8 or codes.ndim != 2 or codes.shape[0] != model.n_samples:
        raise ValueError(f"Expected int8 genotype codes of shape ({model.n_samples}, m), "
                         f"got {codes.dtype} {codes.shape}")
    from zoo.evaluate._kernels.genotypes import centre_impute  # loads numba

    n, m = codes.shape
    dtype = model.stacked.dtype
    if buffer is None or buffer.shape[1] < m or buffer.dtype != dtype:
        buffer = np.empty((n, m), dtype=dtype, order="F")
    g = buffer[:, :m]
    obs, mean, sumsq = np.empty(m, np.int64), np.empty(m), np.empty(m)
    codes = np.asfortranarray(codes)
    centre_impute(codes, g, obs, mean, sumsq)
    return chunk_statistics(model, g, obs, mean, sumsq, missing=missing_index(codes, obs),
                            manova=manova)


def chunk_statistics(model: LatentModel, g: np.ndarray, obs: np.ndarray, mean: np.ndarray,
                     sumsq: np.ndarray, *, missing: tuple[np.ndarray, np.ndarray] | None = None,
                     manova: bool = True) -> dict[str, np.ndarray]:
    """Statistics of centred genotype columns ``g`` (n, m), F order, 0 at missing calls;
    ``missing`` = ``(ptr, idx)`` lists each variant's missing rows (required when any
    ``obs`` < n; see ``scan_genotypes`` and ``called.py``)."""
    # gᵀ[y_r, Q]: G's F-order buffer is a C-order (m, n) matrix, the orientation in which
    # OpenBLAS runs this skinny product ~3× faster than [y_r, Q]ᵀ G.
    return product_statistics(model, g.T @ model.stacked, obs, mean, sumsq, missing=missing,
                              manova=manova)


def product_statistics(model: LatentModel, prod: np.ndarray, obs: np.ndarray, mean: np.ndarray,
                       sumsq: np.ndarray, *, missing: tuple[np.ndarray, np.ndarray] | None = None,
                       manova: bool = True) -> dict[str, np.ndarray]:
    """``chunk_statistics`` from the chunk's product ``gᵀ[y_r, Q]`` (m, K + p): nothing here
    reads the genotypes, so it runs beside the next chunk's decoding and product."""
    k, n = model.n_dims, model.n_samples
    prod = prod.astype(np.float64)
    yg, qg = prod[:, :k], prod[:, k:]
    ss = sumsq - np.einsum("ij,ij->i", qg, qg)
    yy = np.broadcast_to(model.yy, yg.shape).copy()             # residual SS of y per row
    cols = np.flatnonzero(np.asarray(obs) < n)
    if cols.size:
        if missing is None:
            raise ValueError(f"Expected the missing-call positions of {cols.size} variants "
                             f"with missing calls, got none")
        called = called_products(model, cols, *missing, yg[cols], qg[cols], sumsq[cols],
                                 sscp=manova)
        ss[cols], yg[cols], yy[cols] = called["s"], called["c"], called["yy"]
    # A variant that is constant (or explained by covariates) has no test.
    ss[~(ss > 1e-9 * np.maximum(sumsq, 1e-300))] = np.nan
    df = (np.asarray(obs) - model.n_covariates - 1).astype(np.float64)
    df[df <= 0] = np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        beta = yg / ss[:, None]
        rss = np.maximum(yy - yg * beta, 0.0)
        se = np.sqrt(rss / df[:, None] / ss[:, None])
        t = beta / se
        p = t_two_sided(df[:, None], t)
    out = {"beta": beta, "se": se, "t": t, "p": p, "obs": obs, "a1_freq": mean / 2.0}
    if manova:
        v, f, pm = np.empty(len(ss)), np.empty(len(ss)), np.empty(len(ss))
        fast = np.ones(len(ss), bool)
        fast[cols] = False
        v[fast], f[fast], pm[fast] = pillai_from_products(yg[fast].T, ss[fast], model.chol,
                                                          model.df_resid)
        if cols.size:
            v[cols], f[cols], pm[cols] = pillai_from_sscp(yg[cols], ss[cols], called["T"],
                                                          df[cols])
        out["pillai"], out["F"], out["p_manova"] = v, f, pm
    return out


def run_gwas(bfile: str | Path, latents, covariates=None,
             config: GwasConfig | None = None, *, variants: slice | None = None,
             model: LatentModel | None = None, out_dir: str | Path | None = None,
             stem: str = "latent_gwas", phases: Phases | None = None,
             while_writing=None, inputs: PlinkInputs | None = None,
             ahead: CountsAhead | None = None) -> GwasResult:
    """Scan the variants ``variants`` (default: all) of ``bfile`` against every latent column.

    ``latents`` and ``covariates`` are DataFrames indexed by sample id (see ``read_latents``
    and ``read_covariates``) or ``SampleTable``s (``sampletable.py``); a prepared ``model``
    can be passed instead to reuse it across blocks, and ``inputs`` (``read_plink_inputs``
    of ``bfile``) when they were read beforehand.
    With ``out_dir`` the tables of ``GwasResult.write`` are written too (listed in
    ``result.files``), the long table formatted chunk by chunk while the scan runs.
    With ``phases`` each stage's CPU is added up on its own thread: ``scan.setup``,
    ``scan.product``, ``scan.statistics``, ``scan.format`` and ``scan.write``.
    ``while_writing(result)``, if given, is called with the complete statistics while the
    tables are written (without ``out_dir``: before returning).
    ``ahead``: a started ``CountsAhead`` of ``bfile`` (``countsahead.py``), whose chunks the
    scan takes where they match its own; stopped when the scan ends.
    """
    def timed(name: str):
        return phases(name, thread=True) if phases is not None else nullcontext()

    config = config or GwasConfig()
    with timed("scan.setup"):
        if inputs is not None and not inputs.of(bfile):
            raise ValueError(f"Expected the inputs of {bfile}, got those of {inputs.bed}")
        # without inputs, the .bim parsed beside the .fam and the model (Arrow's parser
        # releases the GIL)
        with ThreadPoolExecutor(max_workers=1) as reader:
            bim = reader.submit(read_variants, bfile) if inputs is None else None
            fam_ids = read_fam_ids(bfile) if inputs is None else inputs.fam_ids
            if model is None:
                model = prepare_model(latents, covariates, fam_ids, dtype=config.dtype,
                                      source=str(bfile))
            bim = inputs.variants if inputs is not None else bim.result()
        start, stop, step = (variants or slice(None)).indices(len(bim))
        if step != 1:
            raise ValueError(f"Expected a contiguous variant range, got step {step}")
        chunks = BedChunks(bfile, model.sample_index, reader=config.reader,
                           num_threads=config.num_threads, shape=(len(fam_ids), len(bim)))
        table = bim.slice(start, stop)
        stream = (LongTableStream(Path(out_dir) / f"{stem}.glm.linear.tsv", table,
                                  list(model.pheno_names), list(LONG_COLUMNS[7:]),
                                  timer=lambda: timed("scan.format"), threads=1)
                  if out_dir is not None and LongTableStream.available() else None)
    bounds = [(a, min(a + config.chunk_size, stop)) for a in range(start, stop, config.chunk_size)]
    progress = _progress(len(bounds), config.progress, f"latent GWAS {Path(str(bfile)).name}")
    from threadpoolctl import threadpool_limits

    # Each chunk is decoded and multiplied a few dozen variants at a time, in cache (see
    # BedChunks.product): one buffer of ~2 MB per worker thread, allocated once.
    workers = _workers(len(bounds), config.reader)
    buffers: queue.SimpleQueue = queue.SimpleQueue()
    for _ in range(workers):
        buffers.put(block_buffer(model.n_samples, model.stacked.dtype))

    collected = _Collected(stop - start)
    if ahead is not None and not _counts_match(ahead, chunks, config, start, stop):
        ahead.stop()
        ahead = None

    def chunk_work(a: int, b: int) -> dict:
        buffer = buffers.get()
        try:
            with timed("scan.product"):
                counts = ahead.take(a, b) if ahead is not None else None
                chunk = chunks.product(a, b, model.stacked, buffer, counts)
        finally:
            buffers.put(buffer)
        with timed("scan.statistics"):
            out = product_statistics(model, chunk["prod"], chunk["obs"], chunk["mean"],
                                     chunk["sumsq"], missing=chunk["missing"],
                                     manova=config.manova)
            values = long_values(out, config.dtype) if stream is not None else None
        if stream is not None:
            stream.write_block(a - start, b - start, values)
        collected.put(a - start, b - start, out)

    # One worker thread per core, each taking a whole chunk through its product (decoding
    # and BLAS, GIL released), statistics and formatting (Arrow, GIL released). A pipeline
    # of stages (two product threads feeding one statistics thread feeding two formatting
    # threads) ran five threads on two cores, paying for the hand-offs and for the cache
    # each stage evicted from the others (benchmarks/results/gwas.md, round 8). One BLAS
    # thread: the products are skinny, and a spinning second OpenBLAS thread cost 40 %
    # more CPU on the 2-core machine.
    pending: list = []
    try:
        with threadpool_limits(limits=1, user_api="blas"), \
                ThreadPoolExecutor(max_workers=workers) as pool:
            pending = [pool.submit(chunk_work, a, b) for a, b in bounds]
            for future in pending:       # the bar advanced here, on one thread
                future.result()
                progress.update(1)
    except BaseException:
        for future in pending:
            future.cancel()
        if stream is not None:
            stream.abort()
        raise
    finally:
        if ahead is not None:
            ahead.stop()
    progress.close()
    stats = collected.arrays or {
        key: np.empty((0, model.n_dims) if key in ("beta", "se", "t", "p") else (0,))
        for key in ("beta", "se", "t", "p", "obs", "a1_freq")}
    stats["n_covariates"] = model.n_covariates
    stats["dtype"] = config.dtype
    result = GwasResult(table, model.pheno_names, model.n_samples, stats, model.sample_index)
    meanwhile = while_writing or (lambda _: None)
    if out_dir is None or stream is None:
        meanwhile(result)
        if out_dir is None:
            return result
        with timed("scan.write"):
            return replace(result, files=result.write(out_dir, stem))

    def write(kind: str) -> Path:
        with timed("scan.write"):
            if kind == "long":
                return stream.close()
            return write_tsv(result.manova_table(), Path(out_dir) / f"{stem}.manova.tsv")

    # The long table's pieces are joined into its file and the MANOVA table formatted on
    # two threads (Arrow and file writes release the GIL) while the caller's
    # ``while_writing`` (zoo gwas: λ_GC and loci) runs here: the three used to follow
    # one another after the scan.
    with ThreadPoolExecutor(max_workers=2) as writers:
        written = {kind: writers.submit(write, kind) for kind in ("long", "manova")}
        try:
            meanwhile(result)
        finally:
            files = {kind: future.result() for kind, future in written.items()}
    return replace(result, files=files)


def _counts_match(ahead: CountsAhead, chunks: BedChunks, config: GwasConfig, start: int,
                  stop: int) -> bool:
    """Whether the chunks ``ahead`` counts are this scan's: the same .bed, every .fam row
    in order (the numpy tables), the same chunks from the first variant to the last."""
    return (chunks.tables and ahead.bed == chunks.path and ahead.n_fam == chunks.n_fam
            and ahead.n_variants == chunks.n_variants == stop and start == 0
            and ahead.chunk_size == config.chunk_size)


def _workers(n_chunks: int, reader: str) -> int:
    """Threads taking chunks from the bed to their formatted text: one per core, two at
    most; one for bed-reader's reader, whose reads run threads of their own."""
    if reader == "bed-reader":
        return 1
    return max(1, min(2, os.cpu_count() or 1, n_chunks))


class _Collected:
    """The scan's statistics, each chunk's copied by its worker into arrays of the whole
    range (allocated at the first chunk): the chunks' own arrays go back to the allocator
    at once, where keeping them for one concatenation after the scan held them all and
    made the main thread copy 26 MB (10k × 50k × 16) alone while both cores waited."""

    def __init__(self, rows: int):
        self.rows = rows
        self.arrays: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def put(self, start: int, stop: int, chunk: dict) -> None:
        with self._lock:
            if not self.arrays:
                self.arrays = {key: np.empty((self.rows, *np.shape(value)[1:]),
                                             np.asarray(value).dtype)
                               for key, value in chunk.items()}
        for key, value in chunk.items():
            self.arrays[key][start:stop] = value


class _NoProgress:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def _progress(total: int, enabled: bool, desc: str):
    if not enabled or total <= 1:
        return _NoProgress()         # tqdm.auto costs 0.05 CPU-s to import: not for nothing
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit="chunk")
