"""Fast tab-separated output: a GWAS table has K × variants rows, and pandas' ``to_csv``
spends seconds formatting them, longer than the scan. pyarrow's C++ writer is used when
installed (``regzoo[parquet]``), pandas otherwise; missing values are written as ``NA``
and the header is unquoted, as plink2 writes them. Tables are DataFrames or ``ColumnTable``s;
numpy columns reach Arrow without pandas (``arrowcols.py``), so ``zoo gwas`` writes its
tables without importing it."""
from __future__ import annotations

import os
import sys
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import nullcontext
from pathlib import Path

import numpy as np

from fastio.safefs import atomic_output
from zoo.evaluate.arrowcols import as_text, delimited_text, join_text, repeated_text, to_arrow

__all__ = ["write_tsv", "write_long_table", "write_buffers", "LongTableStream"]


def _arrow_column(values):
    import pyarrow as pa

    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        return values
    pd = sys.modules.get("pandas")       # a pandas Series only where pandas is loaded
    if pd is not None and isinstance(values, pd.Series):
        if isinstance(values.dtype, pd.StringDtype):
            return pa.array(values)         # pandas' Arrow-backed text as it is: no copy
        values = values.to_numpy()
    values = np.asarray(values)
    if values.dtype.kind in "OU":
        values = values.astype(str)
    return to_arrow(values)                 # NaN -> null -> "NA"


def _frame_columns(frame) -> dict:
    """A DataFrame's or ColumnTable's columns (Arrow's where the table holds them)."""
    if hasattr(frame, "arrow"):
        return {c: frame.arrow(c) for c in frame.columns}
    return {c: frame[c] for c in frame.columns}


def _to_pandas(frame):
    return frame.to_pandas() if hasattr(frame, "to_pandas") and hasattr(frame, "arrow") else frame


def _write_arrow(columns: dict, path: Path, threads: int = 2) -> bool:
    """Write with pyarrow; large tables are formatted by ``threads`` threads in row blocks
    (Arrow's CSV writer is single threaded and releases the GIL), then joined in order."""
    try:
        import pyarrow as pa
        from pyarrow import csv

        def options(header: bool):
            return csv.WriteOptions(include_header=header, delimiter="\t", quoting_style="none",
                                    quoting_header="none", null_string="NA", batch_size=65536)
        options(True)
    except (ImportError, TypeError):      # no pyarrow, or one too old for these options
        return False
    table = pa.table({name: _arrow_column(col) for name, col in columns.items()})
    n_blocks = threads if table.num_rows >= 200_000 else 1
    bounds = np.linspace(0, table.num_rows, n_blocks + 1).astype(int)

    def block(i: int) -> bytes:
        sink = pa.BufferOutputStream()
        csv.write_csv(table.slice(bounds[i], bounds[i + 1] - bounds[i]), sink,
                      write_options=options(i == 0))
        return sink.getvalue()

    with ThreadPoolExecutor(max_workers=n_blocks) as pool, open(path, "wb") as fh:
        for data in pool.map(block, range(n_blocks)):
            fh.write(data)
    return True


def write_buffers(fd: int, buffers) -> None:
    """Write ``buffers`` (bytes-like) to ``fd`` in order, up to 1,024 a ``writev``: a
    ``write`` per buffer gives up the GIL and takes it back each time, and while another
    thread runs Python each take waits up to its switch interval (5 ms), which zoo gwas's
    785 pieces of the long table, written beside the loci, paid again and again."""
    views = [view for view in (memoryview(b).cast("B") for b in buffers) if view.nbytes]
    i = 0
    while i < len(views):
        written = os.writev(fd, views[i:i + _IOV_MAX])
        while written and i < len(views):        # a short write resumes mid-buffer
            size = views[i].nbytes
            if written >= size:
                written -= size
                i += 1
            else:
                views[i], written = views[i][written:], 0


_IOV_MAX = 1024          # POSIX's minimum is 16; Linux and the BSDs allow 1,024


def write_tsv(frame, path: str | Path) -> Path:
    """Write ``frame`` (a DataFrame, no index, or a ``ColumnTable``) as TSV with ``NA`` for missing values (to a temp name,
    renamed into place: never half a table, never through a symlink planted at ``path``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(path) as tmp:
        if not _write_arrow(_frame_columns(frame), tmp):
            _to_pandas(frame).to_csv(tmp, sep="\t", index=False, na_rep="NA")
    return path


def write_long_table(variants, labels: list[str], fixed: dict,
                     values: dict[str, np.ndarray], path: str | Path) -> Path:
    """Long table: the ``variants`` columns repeated for each label (rows label-major),
    a ``PHENO`` column, constant ``fixed`` columns and (m, K) ``values`` flattened per label.

    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    m, k = len(variants), len(labels)
    flat = {name: np.asarray(v).T.reshape(-1) for name, v in values.items()}
    with atomic_output(path) as tmp:
        if not _write_long_arrow(variants, labels, fixed, flat, tmp):
            import pandas as pd     # without pyarrow only

            frame = pd.DataFrame({c: np.tile(np.asarray(variants[c]), k)
                                  for c in variants.columns})
            frame["PHENO"] = np.repeat(np.asarray(labels, dtype=object), m)
            for c, v in fixed.items():
                frame[c] = v
            for c, v in flat.items():
                frame[c] = v
            frame.to_csv(tmp, sep="\t", index=False, na_rep="NA")
    return path


def _write_long_arrow(variants, labels: list[str], fixed: dict, flat: dict,
                      path: Path) -> bool:
    """The long table through Arrow; False when pyarrow is missing or too old."""
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
    except ImportError:
        return False
    m, k = len(variants), len(labels)
    # gather the m variant rows K times inside Arrow (faster to write than dictionaries)
    rows = to_arrow(np.tile(np.arange(m, dtype=np.int32), k))
    cols = {c: pc.take(_arrow_column(v), rows) for c, v in _frame_columns(variants).items()}
    cols["PHENO"] = pc.take(to_arrow(np.asarray(labels, dtype=str)),
                            to_arrow(np.repeat(np.arange(k, dtype=np.int32), m)))
    cols.update({c: np.full(m * k, v) for c, v in fixed.items()})
    cols.update(flat)
    return _write_arrow(cols, path)


class LongTableStream:
    """The long table written while the scan computes it, a block of variants at a time:
    ``write_block`` formats a block into one piece per label on the calling thread (the
    scan's workers format their own chunks, see ``gwas.run_gwas``), ``add`` hands it to
    one of ``threads`` background threads; Arrow's casts and joins release the GIL.
    ``close`` writes the header and the pieces label-major, in row order, into ``path``
    (renamed into place). The bytes equal ``write_long_table`` on the whole table. Needs
    pyarrow (``available()``).

    Each variant's leading columns are formatted once, as one text field (the first task
    of the background threads), and each value column once per block (label-major, sliced
    per label); a label's rows are then joined from text, where a CSV table per label
    re-formatted the variant columns for every label."""

    def __init__(self, path: str | Path, variants, labels: list[str],
                 value_columns: list[str], *, timer=None, threads: int = 2):
        """``timer()``, if given, returns a context manager around each block's formatting
        (on the formatter's thread; ``zoo gwas --profile`` adds up its CPU)."""

        if threads < 1:
            raise ValueError(f"Expected threads >= 1, got {threads}")
        self.path = Path(path)
        self.labels = list(labels)
        self.columns = [*variants.columns, "PHENO", *value_columns]
        self._pool = ThreadPoolExecutor(max_workers=threads)
        self._variants = self._pool.submit(self._arrow_variants, variants)
        self._pheno: dict[int, list] = {}
        self._timer = timer or nullcontext
        # (start, stop) -> the block's pieces, or the future formatting them
        self._blocks: dict = {}
        self._lock = threading.Lock()

    @staticmethod
    def available() -> bool:
        try:
            from pyarrow import csv

            csv.WriteOptions(quoting_style="none", quoting_header="none")
        except (ImportError, TypeError):
            return False
        return True

    @staticmethod
    def _arrow_variants(variants):
        """Each variant's leading columns as one text field, ``"1\t10000\trs1\tG\tT\tT"``:
        formatted once, where a table per label formatted them once per label."""
        columns = [as_text(_arrow_column(v)) for v in _frame_columns(variants).values()]
        if not columns:
            return repeated_text("", len(variants))
        return join_text(*columns, repeated_text("\t", len(variants)))

    def add(self, start: int, stop: int, values: dict[str, np.ndarray]) -> None:
        """Rows ``start:stop`` of the variant table, formatted by a background thread;
        ``values``: (rows, K) per value column."""
        self._check(start, stop)
        self._store(start, stop, self._pool.submit(self._format, start, stop, values))

    def write_block(self, start: int, stop: int, values: dict[str, np.ndarray]) -> None:
        """``add``, formatted on the calling thread before returning (thread-safe)."""
        self._check(start, stop)
        self._store(start, stop, self._format(start, stop, values))

    @staticmethod
    def _check(start: int, stop: int) -> None:
        if not 0 <= start <= stop:
            raise ValueError(f"Expected 0 <= start <= stop, got {start}:{stop}")

    def _store(self, start: int, stop: int, block) -> None:
        with self._lock:
            if (start, stop) in self._blocks:
                raise ValueError(f"Rows {start}:{stop} were already added")
            self._blocks[start, stop] = block

    def _format(self, start: int, stop: int, values: dict[str, np.ndarray]) -> list[bytes]:
        with self._timer():
            return self._format_block(start, stop, values)

    def _format_block(self, start: int, stop: int, values: dict[str, np.ndarray]) -> list[bytes]:
        """One piece per label: the rows' text, the value columns as Arrow casts them (the
        kernel its CSV writer formats with: the same bytes), missing values ``NA``, tabs
        between the fields, a newline after each row."""
        m = stop - start
        variants = self._variants.result()
        if stop > len(variants):
            raise ValueError(f"Expected rows within the {len(variants)} variants, got "
                             f"{start}:{stop}")
        if m == 0:
            return [b""] * len(self.labels)
        lead = variants.slice(start, m)
        # a column with one value per row for every label (OBS_CT: a broadcast, stride 0)
        # is formatted once, not once per label
        shared = [np.ndim(v) == 2 and np.shape(v)[1] > 1 and np.asarray(v).strides[1] == 0
                  for v in values.values()]
        # each value's text with the tab after it (the last column: the newline), so a
        # row is its pieces put end to end: the delimiters cost no pass of their own
        ends = ["\t"] * (len(values) - 1) + ["\n"]
        fields = [delimited_text(np.asarray(v)[:, 0] if one else np.asarray(v).T.reshape(-1),
                                 end)
                  for v, one, end in zip(values.values(), shared, ends)]
        # constants as arrays (a Python string would go through pyarrow.scalar, which
        # imports pandas)
        nothing = repeated_text("", m)
        pieces = []
        for k, label in enumerate(self.labels):
            rows = join_text(
                lead, repeated_text(f"\t{label}\t" if fields else f"\t{label}\n", m),
                *(f if one else f.slice(k * m, m) for f, one in zip(fields, shared)),
                nothing)
            offsets = np.frombuffer(rows.buffers()[1], np.int32, m + 1, rows.offset * 4)
            pieces.append(rows.buffers()[2][offsets[0]:offsets[-1]])
        return pieces

    def close(self) -> Path:
        """Wait for the formatting, write the file; the stream cannot be used afterwards."""
        try:
            blocks = [block.result() if isinstance(block, Future) else block
                      for _, block in sorted(self._blocks.items())]
        finally:
            self._pool.shutdown(wait=True)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        header = ("\t".join(self.columns) + "\n").encode()
        with atomic_output(self.path) as tmp, open(tmp, "wb", buffering=0) as fh:
            write_buffers(fh.fileno(), [header, *(pieces[k] for k in range(len(self.labels))
                                                  for pieces in blocks)])
        return self.path

    def abort(self) -> None:
        """Drop what was formatted; nothing is written."""
        for f in (self._variants, *self._blocks.values()):
            if isinstance(f, Future):
                f.cancel()
        self._pool.shutdown(wait=True)
