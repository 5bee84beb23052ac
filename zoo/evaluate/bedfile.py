"""PLINK 1 binary filesets: the .bim/.fam tables, and genotype chunks decoded by numpy or numba.

``write_bfile`` writes one (the phantom's genotypes, the simulated cohorts);
``read_fam_ids`` and ``read_variants`` read its text tables (Arrow's parser, no pandas);
``open_bfile``
opens it with bed-reader (LD clumping, the bed-reader reader); ``BedChunks`` turns a range
of variants into float columns centred over the called samples, 0 at a missing call
(allele-1 counts, .bim column 5), plus each variant's missing positions, and multiplies
them by a matrix.
Readers: ``"numpy"`` (default) decodes a memory map of the .bed with numpy tables when the
samples are every .fam row in order (``bedtables.py``: no numba to load) and with the fused
numba decoder otherwise; ``"numba"`` always uses the numba decoder; ``"bed-reader"`` reads
int8 through bed-reader and centres with a numba kernel. All give the same numbers (the
numpy reader's product sums in another order: equal to rounding).

The numba kernel modules are imported where a numba path runs, not at the top: loading
numba and its first-call set-up cost ~0.45 CPU-s, which the common case never needs.
"""
from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from fastio.safefs import atomic_output
from zoo.evaluate.arrowcols import to_numpy
from zoo.evaluate.bedtables import called_counts, decode_counts, missing_rows, padded_rows
from zoo.evaluate.called import missing_index
from zoo.evaluate.columns import ColumnTable
from zoo.evaluate.skinny import panel_size, skinny_product, small_matrix_bound

__all__ = ["open_bfile", "write_bfile", "fileset", "read_fam_ids", "read_bim", "read_variants",
           "line_count", "BedChunks",
           "READERS", "block_buffer"]

READERS = ("numpy", "numba", "bed-reader")
_MAGIC = bytes([0x6C, 0x1B, 0x01])


def _prefix(prefix: str | Path) -> Path:
    return Path(str(prefix).removesuffix(".bed"))


def write_bfile(prefix: str | Path, genotypes: np.ndarray, *, sample_ids, chromosome, bp_position,
                variant_id, allele_1, allele_2, cm_position=None, sex=None, pheno=None) -> Path:
    """Write ``PREFIX.bed/.bim/.fam`` from (samples, variants) allele-1 counts (``-127`` or
    NaN: missing), FID = IID = sample id. Allele 1 (.bim column 5) is the counted allele,
    which plink2 --glm reports as A1 by default. ``sex`` in PLINK's codes (1 male,
    2 female, 0 unknown); ``pheno`` as text (default bed-reader's). Each file is written
    to a temp name and renamed into place: a kill leaves no half fileset, a symlink
    planted at a name is replaced, not followed."""
    from bed_reader import to_bed

    prefix = _prefix(prefix)
    ids = np.asarray([str(s) for s in sample_ids])
    if genotypes.ndim != 2 or genotypes.shape[0] != len(ids):
        raise ValueError(f"{prefix}: expected genotypes of shape ({len(ids)}, variants), got "
                         f"{genotypes.shape}")
    properties = {"fid": ids, "iid": ids, "father": np.full(len(ids), "0"),
                  "mother": np.full(len(ids), "0"), "chromosome": np.asarray(chromosome).astype(str),
                  "sid": np.asarray(variant_id), "bp_position": np.asarray(bp_position),
                  "allele_1": np.asarray(allele_1), "allele_2": np.asarray(allele_2)}
    optional = {"cm_position": cm_position, "pheno": pheno,
                "sex": None if sex is None else np.asarray(sex).astype(np.int32)}
    properties.update({key: value for key, value in optional.items() if value is not None})
    files = {ext: prefix.with_name(prefix.name + ext) for ext in (".bed", ".bim", ".fam")}
    with atomic_output(files[".bed"]) as bed, atomic_output(files[".bim"]) as bim, \
            atomic_output(files[".fam"]) as fam:
        to_bed(bed, genotypes, properties=properties, count_A1=True, fam_filepath=fam,
               bim_filepath=bim)
    return prefix


def open_bfile(prefix: str | Path, num_threads: int | None = None):
    """Open ``PREFIX.bed/.bim/.fam`` with bed-reader, counting allele 1 (.bim column 5)."""
    from bed_reader import open_bed

    return open_bed(fileset(prefix)[".bed"], count_A1=True, num_threads=num_threads)


def fileset(prefix: str | Path) -> dict[str, Path]:
    """``{".bed": …, ".bim": …, ".fam": …}`` of ``PREFIX``, each checked to exist."""
    prefix = _prefix(prefix)
    files = {ext: prefix.with_name(prefix.name + ext) for ext in (".bed", ".bim", ".fam")}
    for ext, path in files.items():
        if not path.exists():
            raise ValueError(f"{prefix}{ext}: expected a PLINK 1 binary fileset, file not found")
    return files


def _single_separator(data: bytes) -> str | None:
    """The one separator of ``data`` when its fields are separated by single tabs or by
    single spaces (then Arrow splits a line exactly as ``str.split()`` does), else None."""
    for sep, other in ((b"\t", b" "), (b" ", b"\t")):
        if sep in data and not data.startswith(sep) and not data.endswith(sep) and not any(
                c in data for c in (other, b"\r", b"\v", b"\f", sep + sep, b"\n" + sep,
                                    sep + b"\n")):
            return sep.decode()
    return None


def _text_columns(path: Path, n_columns: int, integer: int | None = None) -> list:
    """A whitespace-separated PLINK text table, every field as text (an allele called
    "NA" stays "NA"), one column per field: Arrow arrays when the fields are separated by
    single tabs or single spaces (Arrow's parser: 10 ms for a 50,000-line .bim, a tenth of
    Python's split, and without the GIL), numpy ``str`` arrays otherwise. No pandas (see
    ``arrowcols.py``). Column ``integer``, if given, is parsed as int64 by Arrow where it
    can (else left as text, for the caller's own error)."""
    data = path.read_bytes()
    expected = f"{path}: expected {n_columns} whitespace-separated columns on every line"
    delimiter = _single_separator(data)
    if delimiter is not None:
        import pyarrow as pa
        from pyarrow import csv

        names = [f"f{i}" for i in range(n_columns)]
        types = dict.fromkeys(names, pa.string())
        if integer is not None:
            types[names[integer]] = pa.int64()
        try:
            table = csv.read_csv(
                pa.py_buffer(data),
                read_options=csv.ReadOptions(column_names=names),
                parse_options=csv.ParseOptions(delimiter=delimiter, quote_char=False),
                convert_options=csv.ConvertOptions(column_types=types, strings_can_be_null=False))
        except pa.ArrowInvalid as err:
            if integer is not None:            # not integers: as text, for the caller to say
                return _text_columns(path, n_columns)
            raise ValueError(f"{expected}, got {err}") from err
        return [table.column(i).combine_chunks() for i in range(n_columns)]
    rows = [line.split() for line in data.decode().splitlines() if line.strip()]
    short = next((i for i, r in enumerate(rows) if len(r) != n_columns), None)
    if short is not None:
        raise ValueError(f"{expected}, got {len(rows[short])} on data line {short + 1}")
    if not rows:
        return [np.empty(0, dtype=str) for _ in range(n_columns)]
    return [np.array(col, dtype=str) for col in zip(*rows)]


def line_count(path: Path) -> int:
    """Lines of a text file (a last line without its newline counted too)."""
    data = path.read_bytes()
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def read_fam_ids(prefix: str | Path) -> np.ndarray:
    """The IIDs (.fam column 2) of ``PREFIX.fam``, in file order, as text."""
    ids = _text_columns(fileset(prefix)[".fam"], 6)[1]
    return ids if isinstance(ids, np.ndarray) else to_numpy(ids)


def read_variants(prefix: str | Path, start: int = 0, stop: int | None = None) -> ColumnTable:
    """Rows ``start:stop`` of ``PREFIX.bim`` as the variant columns of a result table:
    ``#CHROM POS ID REF ALT A1``, allele 1 (.bim column 5, the counted allele) being ALT
    and A1. Neither pandas nor bed-reader (0.15 CPU-s to import) is loaded."""
    path = fileset(prefix)[".bim"]
    cols = _text_columns(path, 6, integer=3)
    stop = len(cols[0]) if stop is None else min(stop, len(cols[0]))
    start = min(start, stop)
    cols = [c[start:stop] if isinstance(c, np.ndarray) else c.slice(start, stop - start)
            for c in cols]
    try:
        pos = (cols[3] if isinstance(cols[3], np.ndarray) else to_numpy(cols[3])).astype(np.int64)
    except ValueError as err:
        raise ValueError(f"{path}: expected integer base-pair positions in column 4, got "
                         f"{err}") from err
    return ColumnTable({"#CHROM": cols[0], "POS": pos, "ID": cols[1], "REF": cols[5],
                        "ALT": cols[4], "A1": cols[4]})


def read_bim(prefix: str | Path, start: int = 0, stop: int | None = None):
    """``read_variants`` as a ``pandas.DataFrame``."""
    return read_variants(prefix, start, stop).to_pandas()


class BedChunks:
    """Centred genotype chunks of one fileset for a fixed set of samples (.fam rows)."""

    def __init__(self, prefix: str | Path, rows: np.ndarray, *, reader: str = "numpy",
                 num_threads: int | None = None, shape: tuple[int, int] | None = None):
        """``shape``: (.fam rows, .bim rows) when the caller has read them, else counted."""
        if reader not in READERS:
            raise ValueError(f"Expected reader in {READERS}, got {reader!r}")
        files = fileset(prefix)
        # bed-reader (0.15 CPU-s to import) only for its own reader
        self.bed = open_bfile(prefix, num_threads) if reader == "bed-reader" else None
        self.path = files[".bed"]
        self.reader = reader
        self.num_threads = num_threads
        self.n_fam, self.n_variants = shape or (line_count(files[".fam"]),
                                                line_count(files[".bim"]))
        self.rows = np.ascontiguousarray(rows, dtype=np.int64)
        if self.rows.size and (self.rows.min() < 0 or self.rows.max() >= self.n_fam):
            raise ValueError(f"{self.path}: expected sample rows in [0, {self.n_fam}), got "
                             f"{self.rows.min()}..{self.rows.max()}")
        self.all_rows = np.array_equal(self.rows, np.arange(self.n_fam))
        self.bytes_per_variant = (self.n_fam + 3) // 4
        # numpy tables decode every .fam row in file order; a subset takes numba's kernel
        self.tables = reader == "numpy" and self.all_rows
        self._padded: dict = {}
        # the block products in sample panels where OpenBLAS has small-matrix kernels
        self.blas_bound = small_matrix_bound()
        if reader != "bed-reader":
            self._packed = self._memmap()

    def _memmap(self) -> np.ndarray:
        size = self.path.stat().st_size
        expected = 3 + self.n_variants * self.bytes_per_variant
        with open(self.path, "rb") as fh:
            magic = fh.read(3)
        if magic != _MAGIC:
            raise ValueError(f"{self.path}: expected the SNP-major .bed magic bytes 6c 1b 01, "
                             f"got {magic.hex(' ')}")
        if size != expected:
            raise ValueError(f"{self.path}: expected {expected} bytes for {self.n_fam} samples × "
                             f"{self.n_variants} variants, got {size}")
        if self.n_variants == 0:
            return np.zeros((0, self.bytes_per_variant), np.uint8)
        return np.memmap(self.path, dtype=np.uint8, mode="r", offset=3,
                         shape=(self.n_variants, self.bytes_per_variant))

    def _missing(self, packed: np.ndarray, obs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self.tables:
            return missing_rows(packed, self.n_fam, obs)
        from zoo.evaluate._kernels.bed import BYTE_TABLE, missing_positions  # loads numba

        ptr = np.zeros(len(obs) + 1, np.int64)
        np.cumsum(len(self.rows) - obs, out=ptr[1:])
        idx = np.empty(ptr[-1], np.int64)
        if idx.size:
            missing_positions(packed, self.rows, self.all_rows, BYTE_TABLE, ptr, idx)
        return ptr, idx

    def product(self, start: int, stop: int, stacked: np.ndarray,
                buffer: np.ndarray, counts=None) -> dict[str, np.ndarray]:
        """The chunk's ``gᵀ stacked`` (m, d) float64 for centred genotypes g (0 at a missing
        call), with the per-variant obs, mean, sumsq and ``missing`` of ``read``.
        ``counts``: the chunk's ``(obs, mean, sumsq)`` when counted already (over every .fam
        row, see ``countsahead.py``); used by the numpy tables, which count those rows.

        ``buffer`` (n, b) F-order, of stacked's dtype, holds b variants at a time: decoded
        and multiplied while they are in cache (see ``block_buffer``), where a whole chunk
        decoded first made the product stream a buffer the size of the cohort through
        memory twice, which cost as much as the arithmetic.
        """
        if stacked.ndim != 2 or stacked.shape[0] != len(self.rows):
            raise ValueError(f"Expected a matrix with {len(self.rows)} rows, got {stacked.shape}")
        if buffer.shape[0] != len(self.rows) or buffer.dtype != stacked.dtype:
            raise ValueError(f"Expected a {stacked.dtype} buffer with {len(self.rows)} rows, "
                             f"got {buffer.dtype} {buffer.shape}")
        if self.tables:
            return self._product_tables(start, stop, stacked, buffer, counts)
        m, step = stop - start, buffer.shape[1]
        prod = np.empty((m, stacked.shape[1]))
        obs, mean, sumsq = np.empty(m, np.int64), np.empty(m), np.empty(m)
        ptr, idx = [np.zeros(1, np.int64)], []
        for a in range(0, m, step):
            b = min(a + step, m)
            part = self.read(start + a, start + b, buffer)
            prod[a:b] = skinny_product(part["g"].T, stacked, self.blas_bound)
            obs[a:b], mean[a:b], sumsq[a:b] = part["obs"], part["mean"], part["sumsq"]
            ptr.append(part["missing"][0][1:] + ptr[-1][-1])
            idx.append(part["missing"][1])
        missing = (np.concatenate(ptr), np.concatenate(idx) if idx else np.empty(0, np.int64))
        return {"prod": prod, "obs": obs, "mean": mean, "sumsq": sumsq, "missing": missing}

    def _product_tables(self, start: int, stop: int, stacked: np.ndarray,
                        buffer: np.ndarray, counts=None) -> dict[str, np.ndarray]:
        """``product`` through numpy tables: uncentred counts x (0 at a missing call) times
        ``stacked``, then centred exactly. With g = x − μ on the called samples and 0 at the
        missing ones M, gᵀS = xᵀS − μ (1ᵀS − Σ_{i∈M} S_i)."""
        m, n = stop - start, self.n_fam
        packed = np.asarray(self._packed[start:stop])
        if counts is not None:
            obs, mean, sumsq = counts
            if not len(obs) == len(mean) == len(sumsq) == m:
                raise ValueError(f"Expected counts of {m} variants, got {len(obs)}")
            counted = m
        else:
            obs, mean, sumsq = np.empty(m, np.int64), np.empty(m), np.empty(m)
            counted = 0
        work = self._work(buffer)
        d = stacked.shape[1]
        prod = np.empty((m, d))
        step = work.shape[1]
        # zero columns help the one-call sgemm, not the panels' small-matrix kernels
        panelled = panel_size(step, n, d, self.blas_bound) is not None
        wide = stacked if panelled else self._padded_columns(stacked)
        for a in range(0, m, step):              # a block at a time: its bytes in cache
            b = min(a + step, m)
            if b > counted:      # counts a few blocks at a time: fewer calls, still in cache
                counted = min(a + 5 * step, m)
                obs[a:counted], mean[a:counted], sumsq[a:counted] = called_counts(
                    packed[a:counted], n)
            x = decode_counts(packed[a:b], work)
            prod[a:b] = skinny_product(x[:n].T, wide, self.blas_bound)[:, :d]
        missing = missing_rows(packed, n, obs)
        centre = np.broadcast_to(stacked.sum(axis=0, dtype=np.float64), prod.shape).copy()
        cols = np.flatnonzero(obs < n)
        if cols.size:
            ptr, idx = missing
            centre[cols] -= np.add.reduceat(stacked[idx].astype(np.float64), ptr[cols], axis=0)
        prod -= mean[:, None] * centre
        return {"prod": prod, "obs": obs, "mean": mean, "sumsq": sumsq, "missing": missing}

    def _padded_columns(self, stacked: np.ndarray) -> np.ndarray:
        """float32 ``stacked`` with zero columns up to a multiple of 16 (made once), for a
        block multiplied in one call; in sample panels (``skinny.py``) 28 columns ran as
        fast as 32 and ``product`` leaves them unpadded. In one call this
        skinny sgemm (48 variants × 10,000 samples a block) took 8 % longer with 28 columns
        than with 32, and 16–39 % longer with 27 or 29–31 (OpenBLAS 0.3.31, alone; 1.5 % of
        the whole product; ``benchmarks/gwas_product.py``); float64 gained nothing. The
        zero columns' products are dropped, the others are the same numbers (the tables
        were byte-identical)."""
        d = stacked.shape[1]
        if stacked.dtype != np.float32 or d % 16 < 11:      # measured: 27 to 31 columns
            return stacked
        key = ("wide", id(stacked))
        wide = self._padded.get(key)
        if wide is None or wide[0] is not stacked:
            padded = np.zeros((stacked.shape[0], -(-d // 16) * 16), stacked.dtype)
            padded[:, :d] = stacked
            wide = self._padded[key] = (stacked, padded)
        return wide[1]

    def _work(self, buffer: np.ndarray) -> np.ndarray:
        """``buffer`` itself when its rows are whole bytes of samples, otherwise one of as
        many columns with the padding rows added (allocated once)."""
        rows = padded_rows(self.n_fam)
        if buffer.shape[0] == rows:
            return buffer
        key = (buffer.dtype.str, buffer.shape[1], threading.get_ident())   # one per thread
        if key not in self._padded:
            self._padded[key] = np.empty((rows, buffer.shape[1]), buffer.dtype, order="F")
        return self._padded[key]

    def read(self, start: int, stop: int, out: np.ndarray) -> dict[str, np.ndarray]:
        """Fill ``out[:, :stop-start]`` (F order); return per-variant obs, mean, sumsq and
        ``missing`` = ``(ptr, idx)``, variant j's missing rows in ``idx[ptr[j]:ptr[j + 1]]``."""
        m = stop - start
        g = out[:, :m]
        obs, mean, sumsq = np.empty(m, np.int64), np.empty(m), np.empty(m)
        if self.tables:
            packed = np.asarray(self._packed[start:stop])
            obs[:], mean[:], sumsq[:] = called_counts(packed, self.n_fam)
            x = decode_counts(packed, np.empty((padded_rows(self.n_fam), m), order="F"))
            called = x[: self.n_fam] - mean          # the kernels' float64 arithmetic
            missing = self._missing(packed, obs)
            ptr, idx = missing
            for j in np.flatnonzero(obs < self.n_fam):
                called[idx[ptr[j]:ptr[j + 1]], j] = 0.0
            g[:] = called
        elif self.reader != "bed-reader":
            from zoo.evaluate._kernels.bed import (BYTE_TABLE, decode_centre,  # loads numba
                                                   decode_centre_all)

            packed = np.asarray(self._packed[start:stop])
            if self.all_rows:
                decode_centre_all(packed, self.n_fam, BYTE_TABLE, g, obs, mean, sumsq)
            else:
                decode_centre(packed, self.rows, g, obs, mean, sumsq)
            missing = self._missing(packed, obs)
        else:
            from zoo.evaluate._kernels.genotypes import centre_impute  # loads numba

            sel = slice(None) if self.all_rows else self.rows
            codes = self.bed.read(index=np.s_[sel, start:stop], dtype="int8", order="F",
                                  num_threads=self.num_threads)
            centre_impute(codes, g, obs, mean, sumsq)
            missing = missing_index(codes, obs)
        return {"g": g, "obs": obs, "mean": mean, "sumsq": sumsq, "missing": missing}



def block_buffer(n: int, dtype, cache_bytes: int = 2 << 20) -> np.ndarray:
    """An (n, b) F-order buffer for ``BedChunks.product``: b variants (a multiple of 8,
    at least 8) whose float32 columns take about ``cache_bytes``, in either precision: at
    10k samples, 48 variants. At 24 variants, what 2 MiB of float64 holds, the float64
    product took 6 % longer and the float32 one 9 % (``python
    benchmarks/gwas_product.py``, round 8 of ``benchmarks/results/gwas.md``): the BLAS
    kernel runs short blocks less well than the decoded block gains from the cache."""
    step = max(8, cache_bytes // max(1, n * 4) // 8 * 8)
    return np.empty((n, step), dtype, order="F")
