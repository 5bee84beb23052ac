"""The record of a generated phantom cohort: where its files are."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

__all__ = ["PhantomCohort"]


@dataclass(frozen=True)
class PhantomCohort:
    root: Path
    hd5_dir: Path
    phenotypes_csv: Path
    bfile: Path
    truth_json: Path
    preview_png: Path
    sample_ids: tuple[str, ...]
    scale: str

    @classmethod
    def at(cls, root: str | Path, sample_ids, scale: str) -> "PhantomCohort":
        root = Path(root)
        return cls(
            root=root, hd5_dir=root / "hd5", phenotypes_csv=root / "phenotypes.csv",
            bfile=root / "genotypes", truth_json=root / "truth.json", preview_png=root / "preview.png",
            sample_ids=tuple(str(s) for s in sample_ids), scale=scale,
        )

    def hd5_path(self, sample_id: str) -> Path:
        return self.hd5_dir / f"{sample_id}.hd5"

    def to_dict(self) -> dict[str, Any]:
        return {
            "root": str(self.root), "hd5_dir": str(self.hd5_dir), "phenotypes_csv": str(self.phenotypes_csv),
            "bfile": str(self.bfile), "truth_json": str(self.truth_json), "preview_png": str(self.preview_png),
            "sample_ids": list(self.sample_ids), "scale": self.scale,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "PhantomCohort":
        data = dict(data)
        paths = ("root", "hd5_dir", "phenotypes_csv", "bfile", "truth_json", "preview_png")
        return cls(**{k: Path(data[k]) for k in paths}, sample_ids=tuple(data["sample_ids"]), scale=data["scale"])
