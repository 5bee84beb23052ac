"""The failures table of a store (STORE.md ``failures/`` and ``blocks/failures``): each
writer stages the rows it found per block, ``finalize_failures`` joins them. A mixin of
``Store``: it uses the store's ``_group``, ``_array``, ``_writable`` and block layout."""
from __future__ import annotations

import json
from typing import Mapping

import numpy as np

__all__ = ["FAILURE_COLUMNS", "FailureTable", "string_array"]

FAILURE_COLUMNS = ("sample_id", "file", "tensor", "reason")


def string_array(group, name: str, values: list[str], dim: str, chunks: int | None = None):
    n = len(values)
    arr = group.create_array(
        name, shape=(n,), dtype=str, chunks=(max(1, chunks or n),),
        dimension_names=[dim], overwrite=True,
    )
    if n:
        arr[:] = np.asarray(values, dtype=object)
    return arr


class FailureTable:
    @property
    def failures(self):
        """The failures table as a pandas DataFrame (sample_id, file, tensor, reason)."""
        import pandas as pd

        return pd.DataFrame(self.failure_columns(), columns=list(FAILURE_COLUMNS))

    def failure_columns(self) -> dict[str, list[str]]:
        """The failures table as plain lists (no pandas import: CLI start-up)."""
        if "failures" not in self._group or "sample_id" not in self._group["failures"]:
            return {c: [] for c in FAILURE_COLUMNS}
        g = self._group["failures"]
        m = g["sample_id"].shape[0]
        return {c: ([str(v) for v in g[c][:]] if m else []) for c in FAILURE_COLUMNS}

    # ---- failures ---------------------------------------------------------------------
    def stage_failures(self, block: int, rows: list[Mapping[str, str]], source: str = "convert") -> None:
        """Record the failure rows one writer (``source``: ``convert``, ``register`` …) found
        in one block; replaces that source's rows there, keeps other sources' rows."""
        self._writable()
        staged = self.staged_sources(block)
        staged[str(source)] = [{c: str(r[c]) for c in FAILURE_COLUMNS} for r in rows]
        self.restage(block, staged)

    def staged_sources(self, block: int) -> dict[str, list[dict[str, str]]]:
        """The rows staged in one block, by source."""
        self.block_range(block)
        text = str(self._array("blocks/failures")[block])
        return json.loads(text) if text else {}

    def restage(self, block: int, staged: Mapping[str, list]) -> None:
        """Replace everything staged in one block (what merge_parts copies)."""
        self._writable()
        self.block_range(block)
        self._array("blocks/failures")[block] = json.dumps(dict(staged), sort_keys=True)

    def staged_failures(self, block: int) -> list[dict[str, str]]:
        """Every source's rows staged in one block."""
        return [r for _, rows in sorted(self.staged_sources(block).items()) for r in rows]

    def finalize_failures(self) -> int:
        """Assemble the failures table from every block's staged rows."""
        self._writable()
        rows = [r for b in range(self.n_blocks()) for r in self.staged_failures(b)]
        rows.sort(key=lambda r: tuple(r[c] for c in ("sample_id", "tensor", "file", "reason")))
        g = self._group.require_group("failures")
        for c in FAILURE_COLUMNS:
            string_array(g, c, [r[c] for r in rows], "failure")
        return len(rows)
