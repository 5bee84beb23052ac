"""What a conversion did (or what a store holds), as a frozen record and as text."""
from __future__ import annotations

import dataclasses
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

__all__ = ["ConvertSummary", "reason_kind", "format_failures", "format_bytes"]


def reason_kind(reason: str) -> str:
    """The stable head of a failure reason (``dataset missing``, ``wrong rank`` …)."""
    return re.split(r"[:(]", reason, maxsplit=1)[0].strip()


def format_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024 or unit == "GiB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1024
    return f"{n:.1f} GiB"


@dataclass(frozen=True)
class ConvertSummary:
    store: str
    n_samples: int
    tensors: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> shape/codec/present/bytes
    n_failures: int = 0
    failure_kinds: dict[str, int] = field(default_factory=dict)
    bytes_on_disk: int = 0
    raw_bytes: int = 0
    n_files: int | None = None
    blocks_converted: int | None = None
    blocks_total: int | None = None
    seconds: float | None = None
    part: list[int] | None = None
    complete: bool = False
    blocks_repaired: int = 0

    @property
    def compression_ratio(self) -> float:
        return self.raw_bytes / self.bytes_on_disk if self.bytes_on_disk else float("nan")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "ConvertSummary":
        return cls(**dict(data))

    @classmethod
    def from_store(cls, store, **extra: Any) -> "ConvertSummary":
        tensors, raw = {}, 0
        for name in store.tensors:
            spec, count = store.spec(name), int(store.present(name).sum())
            nbytes = count * int(np.prod(spec.shape)) * np.dtype(spec.dtype).itemsize
            raw += nbytes
            try:
                written = store.written(name)
            except KeyError:  # a store written by another tool: no block bookkeeping
                written = np.ones(0, dtype=bool)
            tensors[name] = {"shape": list(spec.shape), "codec": spec.codec, "present": count,
                             "raw_bytes": nbytes, "bytes_on_disk": store.nbytes_on_disk(name),
                             "blocks_written": int(written.sum()), "blocks": int(written.size)}
        failures = store.failure_columns()
        kinds = Counter(reason_kind(r) for r in failures["reason"])
        return cls(store=str(store.path), n_samples=store.n, tensors=tensors,
                   n_failures=len(failures["reason"]), failure_kinds=dict(sorted(kinds.items())),
                   bytes_on_disk=store.nbytes_on_disk(), raw_bytes=raw,
                   part=store.provenance.get("part"), complete=store.complete, **extra)

    def format(self) -> str:
        lines = [f"store     {self.store}" + ("" if self.complete else "   (INCOMPLETE: rerun to resume)")]
        if self.part:
            lines.append(f"part      {self.part[0]}/{self.part[1]}")
        head = f"samples   {self.n_samples}"
        if self.n_files is not None:
            head += f" (from {self.n_files} files)"
        lines.append(head)
        if self.blocks_total is not None:
            took = f" in {self.seconds:.1f} s" if self.seconds is not None else ""
            lines.append(f"blocks    {self.blocks_converted} converted now, "
                         f"{self.blocks_total - self.blocks_converted} already done{took}")
        if self.blocks_repaired:
            lines.append(f"repaired  {self.blocks_repaired} damaged or missing block(s), rewritten from the source")
        width = max([26, *(len(name) + 2 for name in self.tensors)])
        lines.append(f"{'tensor':<{width}}{'shape':<16}{'present':>9}{'codec':>12}{'on disk':>12}{'ratio':>7}")
        for name, t in self.tensors.items():
            ratio = t["raw_bytes"] / t["bytes_on_disk"] if t["bytes_on_disk"] else float("nan")
            lines.append(f"{name:<{width}}{'x'.join(map(str, t['shape'])):<16}{t['present']:>9}"
                         f"{t['codec']:>12}{format_bytes(t['bytes_on_disk']):>12}{ratio:>6.1f}x"
                         + ("" if t["blocks_written"] == t["blocks"]
                            else f"  ({t['blocks_written']}/{t['blocks']} blocks written)"))
        lines.append(f"size      {format_bytes(self.bytes_on_disk)} on disk, "
                     f"{format_bytes(self.raw_bytes)} raw float32 "
                     f"(compression ratio {self.compression_ratio:.2f}x)")
        lines.append(f"failures  {self.n_failures}" + ("" if not self.failure_kinds else ": " + ", ".join(
            f"{k} ({v})" for k, v in self.failure_kinds.items())))
        return "\n".join(lines)


def format_failures(failures, limit: int = 20) -> str:
    """The failures table as text (first ``limit`` rows). ``failures``: the DataFrame of
    ``Store.failures`` or the plain columns of ``Store.failure_columns()`` (the command
    lines pass the latter: no pandas import at start-up)."""
    cols = {c: [str(v) for v in list(failures[c])[:max(limit, 0)]]
            for c in ("sample_id", "tensor", "file", "reason")}
    total = len(failures["sample_id"])
    if not total:
        return "no failures"
    if limit <= 0:
        return f"{total} failures (rows not shown)"
    w_id = max([9, *(len(s) for s in cols["sample_id"])])
    w_t = max([6, *(len(s) for s in cols["tensor"])])
    w_f = max([4, *(len(s) for s in cols["file"])])
    out = [f"{'sample_id':<{w_id}}  {'tensor':<{w_t}}  {'file':<{w_f}}  reason"]
    for sid, tensor, file, reason in zip(cols["sample_id"], cols["tensor"], cols["file"],
                                         cols["reason"]):
        out.append(f"{sid:<{w_id}}  {tensor:<{w_t}}  {file:<{w_f}}  {reason}")
    if total > limit:
        out.append(f"... and {total - limit} more")
    return "\n".join(out)
