"""``generate``: genotypes → biology → phenotypes → nine rendered tensors per subject.

Every random draw comes from a child of ``SeedSequence(seed)``; rendering uses one child
per (visit, block), so files are identical for a seed whatever the thread timing.
Blocks of subjects render and compress in a thread pool (the numba kernels and zlib
release the GIL); the main thread alone writes the HDF5 files.
"""
from __future__ import annotations

import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from fastio.bounded import bounded_map
from fastio.safefs import atomic_output
from zoo.phantom import layout
from zoo.phantom.biology import FACTORS, anatomy, simulate_biology
from zoo.phantom.cohort import PhantomCohort
from zoo.phantom.genotypes import GenotypeModel, genetic_pcs, simulate_genotypes
from zoo.phantom.hd5 import encode_chunk, write_subject
from zoo.phantom.phenotypes import make_phenotypes
from zoo.phantom.plink import write_plink
from zoo.phantom.preview import write_preview
from zoo.phantom.truth import write_truth
from zoo.phantom.truth_build import build_truth

__all__ = ["generate", "DEFAULT_VARIANTS"]

log = logging.getLogger(__name__)

SCALES = ("quick", "full")
DEFAULT_VARIANTS = {"quick": 20_000, "full": 100_000}
REPEAT_FRACTION = 0.10  # subjects with a repeat imaging visit at instance_1
MISSING_FRACTION = 0.03  # subjects lacking one modality group
MIN_SUBJECTS, MIN_VARIANTS = 20, 1000
_BLOCK_BYTES = 64e6


def _validate(n, scale, n_variants) -> int:
    if scale not in SCALES:
        raise ValueError(f"Expected scale in {SCALES}, got {scale!r}")
    if int(n) != n or n < MIN_SUBJECTS:
        raise ValueError(f"Expected an integer n >= {MIN_SUBJECTS} subjects, got {n!r}")
    n_variants = DEFAULT_VARIANTS[scale] if n_variants is None else n_variants
    if int(n_variants) != n_variants or n_variants < MIN_VARIANTS:
        raise ValueError(f"Expected an integer n_variants >= {MIN_VARIANTS}, got {n_variants!r}")
    return int(n_variants)


def _sample_ids(n: int, rng: np.random.Generator) -> list[str]:
    # seven-digit ids like UK Biobank eids; a different seed gives different people
    return [str(v) for v in np.sort(rng.choice(9_000_000, size=n, replace=False) + 1_000_000)]


def _visit_plan(n: int, rng: np.random.Generator) -> dict:
    repeat = np.flatnonzero(rng.random(n) < REPEAT_FRACTION)
    if len(repeat) == 0:
        repeat = np.array([int(rng.integers(n))])
    n_missing = int(rng.binomial(n, MISSING_FRACTION))
    who = rng.choice(n, size=n_missing, replace=False)
    groups = list(layout.GROUPS)
    missing = {int(i): (groups[int(rng.integers(len(groups)))],) for i in who}
    day0 = np.datetime64("2014-05-01")
    primary_days = rng.integers(0, 5 * 365, n)
    repeat_days = primary_days[repeat] + 730 + rng.integers(0, 365, len(repeat))
    return {
        "repeat": repeat,
        "missing": missing,
        "primary_date": [str(day0 + int(d)) for d in primary_days],
        "repeat_date": [str(day0 + int(d)) for d in repeat_days],
    }


def _take(tree, idx):
    if isinstance(tree, dict):
        return {k: _take(v, idx) for k, v in tree.items()}
    return tree[idx]


def _blocks(count: int, size: int) -> list[np.ndarray]:
    return [np.arange(s, min(s + size, count)) for s in range(0, count, size)]


def generate(out_dir, n=1000, seed=0, scale="quick", n_variants=None, progress=True, *, workers=None,
             nuisance: float = layout.DEFAULT_NUISANCE) -> PhantomCohort:
    """Generate a phantom biobank of ``n`` subjects under ``out_dir`` and return its record.

    Writes ``hd5/{sample_id}.hd5`` (ml4h layout, all nine tensors), ``phenotypes.csv``,
    ``genotypes.bed/.bim/.fam``, ``truth.json`` and ``preview.png`` (``zoo phantom``).

    Args:
        out_dir: the cohort's folder (created).
        n: number of subjects (at least 20).
        seed: the seed of every draw: one seed, one cohort.
        scale: ``"quick"`` (small images and signals) or ``"full"`` (ml4h's sizes).
        n_variants: genotyped variants (default: the scale's; at least 1000).
        progress: show a progress bar.
        workers: processes that render the subjects' tensors.
        nuisance: 0..1 (default 0.25), every modality's nuisance — pose, scale, heartbeat
            phase, acquisition geometry — from none to the largest amplitudes; the same
            draws are scaled, so cohorts differing only in ``nuisance`` share people,
            genotypes and anatomy.

    Returns:
        The :class:`~zoo.phantom.cohort.PhantomCohort`: the paths it wrote and the sample ids.

    Example:
        >>> import zoo
        >>> cohort = zoo.generate("phantom", n=20, n_variants=1000, progress=False, workers=1)
        >>> len(cohort.sample_ids), len(list(cohort.hd5_dir.glob("*.hd5")))
        (20, 20)
    """
    from tqdm.auto import tqdm

    n_variants = _validate(n, scale, n_variants)
    nuisance = layout.check_strength(nuisance)
    n = int(n)
    workers = workers or max(1, min(2, os.cpu_count() or 1))
    geo = layout.Geometry(scale)
    root = Path(out_dir)
    timings = {}
    t0 = time.perf_counter()

    r_ids, r_geno, r_bio, r_pheno, r_plan, r_nuis = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(6))
    ids = _sample_ids(n, r_ids)
    cohort = PhantomCohort.at(root, ids, scale)
    cohort.hd5_dir.mkdir(parents=True, exist_ok=True)
    model = GenotypeModel()
    geno = simulate_genotypes(n, n_variants, r_geno, model)
    bio = simulate_biology(geno, r_bio, FACTORS)
    pcs = genetic_pcs(geno, 10, seed=seed)
    pheno = make_phenotypes(ids, bio, pcs, r_pheno)
    write_plink(cohort.bfile, geno, ids, bio.sex)
    with atomic_output(cohort.phenotypes_csv) as tmp:
        pheno.to_csv(tmp, index=False)
    timings["genetics_s"] = time.perf_counter() - t0

    plan = _visit_plan(n, r_plan)
    anat = anatomy(bio)
    nuis = layout.draw_nuisance(n, r_nuis, nuisance)
    nuis_repeat = layout.draw_nuisance(len(plan["repeat"]), r_nuis, nuisance)
    block_size = int(max(1, min(128, _BLOCK_BYTES // geo.bytes_per_subject())))

    def rng_for(visit: int, block: int) -> np.random.Generator:
        return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(7, visit, block)))

    t1 = time.perf_counter()
    # repeat visits render first; their subjects' files are written with the primary block
    repeat_of: dict[int, tuple[dict, int, int]] = {}
    for b, idx in enumerate(_blocks(len(plan["repeat"]), block_size)):
        subjects = plan["repeat"][idx]
        rendered = layout.render_block(_take(anat, subjects), _take(nuis_repeat, idx), geo, rng_for(1, b))
        for k, (i, j) in enumerate(zip(subjects, idx)):
            repeat_of[int(i)] = (rendered, k, int(j))

    def run_block(b: int, idx: np.ndarray) -> dict:
        rendered = layout.render_block(_take(anat, idx), _take(nuis, idx), geo, rng_for(0, b))
        files = []
        for k, i in enumerate(idx):
            miss = plan["missing"].get(int(i), ())
            sets = layout.subject_datasets(rendered, k, geo, layout.PRIMARY, plan["primary_date"][i], miss)
            if int(i) in repeat_of:
                rep, kr, j = repeat_of[int(i)]
                sets += layout.subject_datasets(rep, kr, geo, layout.REPEAT, plan["repeat_date"][j], miss)
            files.append((cohort.hd5_path(ids[i]), sets, [encode_chunk(d.array) for d in sets]))
        return {"files": files, "r_samples": rendered["r_samples"], "beats_used": rendered["beats_used"]}

    blocks = _blocks(n, block_size)
    results = []
    with ThreadPoolExecutor(workers) as pool, tqdm(total=n, disable=not progress, desc="phantom", unit="subject") as bar:
        # a bounded number of rendered blocks in memory, written in block order
        for res in bounded_map(pool, run_block, enumerate(blocks), in_flight=workers + 1):
            for path, sets, payloads in res.pop("files"):
                write_subject(path, sets, payloads)
            results.append(res)
            bar.update(len(res["beats_used"]))
    timings["render_write_s"] = time.perf_counter() - t1

    ecg_meta = {
        "r_samples": [row[row >= 0] for res in results for row in res["r_samples"]],
        "beats_used": np.concatenate([res["beats_used"] for res in results]),
        "repeat": [repeat_of[int(i)][0]["r_samples"][repeat_of[int(i)][1]] for i in plan["repeat"]],
    }
    t2 = time.perf_counter()
    write_preview(cohort)
    timings["preview_s"] = time.perf_counter() - t2
    timings["total_s"] = time.perf_counter() - t0
    log.info("phantom: %d subjects (%s) in %s", n, scale, {k: round(v, 1) for k, v in timings.items()})
    truth = build_truth(
        ids=ids, seed=seed, scale=scale, geno=geno, model=model, bio=bio, anat=anat, geo=geo,
        nuis=nuis, nuis_repeat=nuis_repeat, plan=plan, ecg_meta=ecg_meta, nuisance_strength=nuisance,
    )
    write_truth(cohort.truth_json, truth)
    return cohort

