"""zoo.evaluate.countsahead: the counts a helper thread takes ahead of the scan are
``called_counts``'s, each chunk is counted once by whoever reaches it first, and a scan
given them writes the same tables."""
from __future__ import annotations

import threading

import numpy as np
import pytest

from zoo.evaluate.bedfile import fileset
from zoo.evaluate.bedtables import called_counts
from zoo.evaluate.countsahead import CountsAhead
from zoo.evaluate.design import read_covariates
from zoo.evaluate.gwas import GwasConfig, run_gwas
from zoo.evaluate.latents import read_latents


def _expected(cohort, a: int, b: int) -> tuple:
    bed = fileset(cohort.bfile)[".bed"]
    n = 300
    per_variant = (n + 3) // 4
    packed = np.fromfile(bed, np.uint8, offset=3).reshape(-1, per_variant)
    return called_counts(packed[a:b], n)


def _assert_counts(got, expected) -> None:
    for g, e in zip(got, expected):
        np.testing.assert_array_equal(g, e)


def test_the_thread_counts_every_chunk_as_called_counts_does(cohort_missing):
    """300 samples (no padding in the last byte is assumed), 120 variants with missing
    calls, chunks of 25: five chunks, the last one short."""
    ahead = CountsAhead.start_for(cohort_missing.bfile, 25)
    ahead.stop()                       # waits for the thread, which has no scan to meet
    ahead = CountsAhead(fileset(cohort_missing.bfile)[".bed"], 300, 120, 25)
    ahead.run()
    assert (ahead.n_chunks, ahead.counted) == (5, 5)
    for i in range(5):
        a, b = ahead.bounds(i)
        _assert_counts(ahead.take(a, b), _expected(cohort_missing, a, b))
    assert ahead.bounds(4) == (100, 120)


def test_chunks_the_scan_took_first_are_left_to_it(cohort_missing):
    ahead = CountsAhead(fileset(cohort_missing.bfile)[".bed"], 300, 120, 25)
    assert ahead.take(0, 25) is None and ahead.take(25, 50) is None     # the scan's now
    ahead.run()                     # counts chunks 4, 3 and 2, and stops at chunk 1
    assert ahead.counted == 3
    _assert_counts(ahead.take(50, 75), _expected(cohort_missing, 50, 75))
    # not one of its chunks: a range of another chunk size, or a shifted one
    assert ahead.take(50, 70) is None and ahead.take(55, 80) is None


def test_a_scan_waits_for_the_chunk_being_counted(cohort_missing, monkeypatch):
    """The scan reaching the chunk the thread is counting gets the thread's counts (it
    neither counts it a second time nor takes it from under the thread)."""
    ahead = CountsAhead(fileset(cohort_missing.bfile)[".bed"], 300, 120, 60)
    counting, release = threading.Event(), threading.Event()
    real = CountsAhead._count

    def slow(self, packed, a, b):
        counting.set()
        release.wait(10)
        return real(self, packed, a, b)

    monkeypatch.setattr(CountsAhead, "_count", slow)
    ahead.start()
    assert counting.wait(10)                     # the thread is in chunk 1 (60:120)
    got = {}
    scan = threading.Thread(target=lambda: got.setdefault("counts", ahead.take(60, 120)))
    scan.start()
    scan.join(0.2)
    assert scan.is_alive()                       # waiting for the thread's counts
    release.set()
    scan.join(10)
    _assert_counts(got["counts"], _expected(cohort_missing, 60, 120))
    ahead.stop()
    assert ahead.counted == 2                    # and chunk 0, nobody having taken it


def test_the_thread_counts_max_chunks_at_most(cohort_missing):
    """Two of five chunks, the last two: the scan counts the first three itself."""
    ahead = CountsAhead(fileset(cohort_missing.bfile)[".bed"], 300, 120, 25, max_chunks=2)
    ahead.run()
    assert ahead.counted == 2
    assert [ahead.take(*ahead.bounds(i)) is None for i in range(5)] == [True] * 3 + [False] * 2
    with pytest.raises(ValueError, match="max_chunks >= 0"):
        CountsAhead(fileset(cohort_missing.bfile)[".bed"], 300, 120, 25, max_chunks=-1)


def test_a_bed_of_the_wrong_size_is_left_to_the_scan(cohort_missing, tmp_path):
    bed = tmp_path / "short.bed"
    bed.write_bytes(fileset(cohort_missing.bfile)[".bed"].read_bytes()[:-7])
    ahead = CountsAhead(bed, 300, 120, 25)
    ahead.run()
    assert ahead.counted == 0 and ahead.take(0, 25) is None
    with pytest.raises(ValueError, match="n_fam >= 1"):
        CountsAhead(bed, 0, 120, 25)


@pytest.mark.parametrize("chunk_size", [25, 40])
def test_a_scan_given_counts_ahead_writes_the_same_tables(cohort_missing, tmp_path,
                                                          monkeypatch, chunk_size):
    """Chunks of 25 are those counted ahead, and every product takes them; a scan in
    chunks of 40 stops the thread and counts for itself. Both give the tables of a scan
    without it."""
    from zoo.evaluate.bedfile import BedChunks

    given_counts = []
    real = BedChunks.product

    def spy(self, start, stop, stacked, buffer, counts=None):
        given_counts.append(counts is not None)
        return real(self, start, stop, stacked, buffer, counts)

    monkeypatch.setattr(BedChunks, "product", spy)
    latents = read_latents(cohort_missing.latents)
    covar = read_covariates(cohort_missing.phenotypes, cohort_missing.covar_names)
    config = GwasConfig(progress=False, chunk_size=chunk_size)
    plain = run_gwas(cohort_missing.bfile, latents, covar, config, out_dir=tmp_path / "plain")
    ahead = CountsAhead(fileset(cohort_missing.bfile)[".bed"], 300, 120, 25)
    ahead.run()                                  # every chunk counted before the scan
    given_counts.clear()
    given = run_gwas(cohort_missing.bfile, latents, covar, config, out_dir=tmp_path / "ahead",
                     ahead=ahead)
    assert given_counts == [chunk_size == 25] * -(-120 // chunk_size)
    for kind in ("long", "manova"):
        assert given.files[kind].read_bytes() == plain.files[kind].read_bytes()
    for key in ("obs", "a1_freq", "p"):
        np.testing.assert_array_equal(given.stats[key], plain.stats[key])
