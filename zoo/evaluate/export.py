"""Biobank scale: latent phenotypes for external GWAS engines, and variant-block jobs.

* plink2 ``--pheno``/``--covar`` files: tab-separated, ``FID IID`` first, missing = ``NA``.
* REGENIE ``--phenoFile``/``--covarFile``: space-separated, ``FID IID`` first, missing = ``NA``.
* ``run_gwas_dask``: the .bed split into contiguous variant blocks, each an independent
  ``run_gwas`` call (its own reader, its own residualisation — cheap next to the scan) that
  Dask distributed schedules on any cluster; results are merged in genome order.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from fastio.safefs import atomic_output
from zoo.evaluate.gwas import GwasConfig, GwasResult, open_bfile, run_gwas

__all__ = ["write_plink_phenotypes", "write_regenie_phenotypes", "variant_blocks",
           "run_gwas_dask"]


def _with_ids(frame: pd.DataFrame, fid: pd.Series | None) -> pd.DataFrame:
    ids = frame.index.astype(str)
    out = frame.reset_index(drop=True)
    out.insert(0, "IID", ids)
    out.insert(0, "FID", ids if fid is None else [str(fid.get(i, i)) for i in ids])
    return out


def _check_names(frame: pd.DataFrame, path: Path):
    bad = [c for c in frame.columns if not str(c) or any(ch.isspace() for ch in str(c))]
    if bad:
        raise ValueError(f"{path}: expected column names without whitespace, got {bad[:5]}")


def write_plink_phenotypes(frame: pd.DataFrame, path: str | Path, *,
                           fid: pd.Series | None = None) -> Path:
    """plink2 phenotype/covariate file from a table indexed by sample id (FID = IID unless
    ``fid`` maps IID -> FID)."""
    return _write_phenotypes(frame, path, fid, sep="\t")


def write_regenie_phenotypes(frame: pd.DataFrame, path: str | Path, *,
                             fid: pd.Series | None = None) -> Path:
    """REGENIE ``--phenoFile``/``--covarFile`` (space separated, ``NA`` for missing)."""
    return _write_phenotypes(frame, path, fid, sep=" ")


def _write_phenotypes(frame: pd.DataFrame, path: str | Path, fid: pd.Series | None, *,
                      sep: str) -> Path:
    path = Path(path)
    _check_names(frame, path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(path) as tmp:
        _with_ids(frame, fid).to_csv(tmp, sep=sep, index=False, na_rep="NA", float_format="%.9g")
    return path


def variant_blocks(n_variants: int, block_size: int) -> list[slice]:
    """Contiguous ``slice`` blocks covering ``range(n_variants)``."""
    if block_size < 1 or n_variants < 0:
        raise ValueError(f"Expected block_size >= 1 and n_variants >= 0, got {block_size}, "
                         f"{n_variants}")
    return [slice(a, min(a + block_size, n_variants)) for a in range(0, n_variants, block_size)]


def _block_job(bfile: str, latents: pd.DataFrame, covariates, config_dict: dict, block: slice):
    config = GwasConfig.from_dict({**config_dict, "progress": False})
    return run_gwas(bfile, latents, covariates, config, variants=block)


def run_gwas_dask(client, bfile: str | Path, latents: pd.DataFrame,
                  covariates: pd.DataFrame | None = None, config=None, *,
                  block_size: int = 50_000):
    """Run ``run_gwas`` on variant blocks as Dask tasks on ``client``; merge in order.

    ``latents``/``covariates`` are scattered once to the workers; each block is one task.
    """
    config = config or GwasConfig()
    bed = open_bfile(bfile)
    blocks = variant_blocks(bed.sid_count, block_size)
    if not blocks:
        raise ValueError(f"{bfile}: expected at least one variant, got none")
    lat_f, cov_f = client.scatter([latents, covariates], broadcast=True)
    futures = [client.submit(_block_job, str(bfile), lat_f, cov_f, config.to_dict(), block,
                             key=f"zoo-gwas-{Path(str(bfile)).name}-{block.start}-{block.stop}",
                             pure=False)
               for block in blocks]
    parts = client.gather(futures)
    return GwasResult.concat(parts)
