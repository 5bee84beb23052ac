"""The .bed decoders and the direct product: numpy-table path == numba memmap path ==
bed-reader path == plain numpy, bad files named."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from zoo.evaluate import skinny
from zoo.evaluate._kernels.bed import (BYTE_TABLE, decode_centre, decode_centre_all,
                                       missing_positions)
from zoo.evaluate._kernels.genotypes import centre_impute
from zoo.evaluate.bedfile import BedChunks, block_buffer
from zoo.evaluate.bedtables import called_counts, decode_counts, missing_rows, padded_rows
from zoo.evaluate.gwas import GwasConfig, run_gwas
from zoo.evaluate.skinny import panel_size


def _reference(prefix, rows, start, stop):
    from bed_reader import open_bed

    x = open_bed(str(prefix) + ".bed").read(index=np.s_[rows, start:stop], dtype="float64")
    called = ~np.isnan(x)
    mean = np.nanmean(x, axis=0)
    g = np.where(called, x - mean, 0.0)
    return g, called.sum(axis=0), mean, (g * g).sum(axis=0), called


def _missing_reference(called: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(ptr, idx) of the missing rows per column, by a plain loop."""
    rows = [np.flatnonzero(~called[:, j]) for j in range(called.shape[1])]
    ptr = np.concatenate([[0], np.cumsum([len(r) for r in rows])])
    return ptr, np.concatenate(rows).astype(np.int64)


def _check_counts(got: dict, obs, mean, ss, called) -> None:
    """Per-variant called counts, means, sums of squares and missing rows of a chunk."""
    np.testing.assert_array_equal(got["obs"], obs)
    np.testing.assert_allclose(got["mean"], mean, rtol=1e-12)
    np.testing.assert_allclose(got["sumsq"], ss, rtol=1e-10)
    ptr, idx = _missing_reference(called)
    np.testing.assert_array_equal(got["missing"][0], ptr)
    np.testing.assert_array_equal(got["missing"][1], idx)
    assert idx.size > 0


@pytest.mark.parametrize("subset", [False, True])
@pytest.mark.parametrize("reader", ["numpy", "numba", "bed-reader"])
def test_readers_match_numpy(cohort_missing, reader, subset):
    n_fam = 300
    rows = np.arange(n_fam) if not subset else np.random.default_rng(0).permutation(n_fam)[:211]
    chunks = BedChunks(cohort_missing.bfile, rows, reader=reader)
    out = np.empty((len(rows), 50), np.float64, order="F")
    got = chunks.read(17, 60, out)
    g, obs, mean, ss, called = _reference(cohort_missing.bfile, rows, 17, 60)
    np.testing.assert_allclose(got["g"], g, atol=1e-12)
    _check_counts(got, obs, mean, ss, called)


@pytest.mark.filterwarnings("ignore:Mean of empty slice")
@pytest.mark.parametrize("n", [1, 5, 6, 7, 8])
def test_padding_and_python_kernels(tmp_path, n):
    """Sample counts that leave 1–3 padding codes in the last byte; the kernels' pure-Python
    versions (what NUMBA_DISABLE_JIT=1 runs) give the same numbers as the compiled ones."""
    from bed_reader import to_bed

    rng = np.random.default_rng(n)
    geno = rng.integers(0, 3, size=(n, 9)).astype(np.int8)
    geno[rng.random(geno.shape) < 0.15] = -127
    to_bed(tmp_path / "p.bed", geno)
    packed = np.fromfile(tmp_path / "p.bed", np.uint8)[3:].reshape(9, -1)
    expect = _reference(tmp_path / "p", slice(None), 0, 9)
    for kernel, args in ((decode_centre_all, (packed, n, BYTE_TABLE)),
                         (decode_centre, (packed, np.arange(n, dtype=np.int64)))):
        for fn in (kernel, getattr(kernel, "py_func", kernel)):
            out = np.empty((n, 9), np.float64, order="F")
            obs, mean, ss = np.empty(9, np.int64), np.empty(9), np.empty(9)
            fn(*args, out, obs, mean, ss)
            np.testing.assert_allclose(out, expect[0], atol=1e-12)
            np.testing.assert_array_equal(obs, expect[1])
            np.testing.assert_allclose(ss, expect[3], atol=1e-12)
    ptr, idx = _missing_reference(expect[4])
    for fn in (missing_positions, getattr(missing_positions, "py_func", missing_positions)):
        for all_rows in (True, False):      # byte-skipping and per-sample paths
            got = np.full(ptr[-1], -1, np.int64)
            fn(packed, np.arange(n, dtype=np.int64), all_rows, BYTE_TABLE, ptr, got)
            np.testing.assert_array_equal(got, idx)
    # the numpy tables: counts bit for bit the kernels', uncentred counts, missing rows
    obs, mean, ss = called_counts(packed, n)
    np.testing.assert_array_equal(obs, expect[1])
    np.testing.assert_allclose(ss, expect[3], atol=1e-12)
    kernel_mean = np.empty(9)
    decode_centre_all(packed, n, BYTE_TABLE, np.empty((n, 9), order="F"), np.empty(9, np.int64),
                      kernel_mean, np.empty(9))
    np.testing.assert_array_equal(mean, kernel_mean)
    for dtype in (np.float32, np.float64):
        x = decode_counts(packed, np.full((padded_rows(n), 12), np.nan, dtype, order="F"))
        assert x.shape == (padded_rows(n), 9)
        np.testing.assert_array_equal(x[:n], np.where(geno == -127, 0, geno))
    got = missing_rows(packed, n, obs)
    np.testing.assert_array_equal(got[0], ptr)
    np.testing.assert_array_equal(got[1], idx)
    # the product through them, its buffer's rows not whole bytes
    stacked = rng.standard_normal((n, 3))
    got = BedChunks(tmp_path / "p", np.arange(n)).product(1, 9, stacked,
                                                           np.empty((n, 3), order="F"))
    np.testing.assert_allclose(got["prod"], expect[0][:, 1:].T @ stacked, atol=1e-12)
    np.testing.assert_array_equal(got["obs"], expect[1][1:])
    # padding codes other than 00 (not what PLINK writes) are still ignored
    if n % 4:
        dirty = packed.copy()
        dirty[:, -1] |= np.uint8(0xFF << (2 * (n % 4)) & 0xFF)
        np.testing.assert_array_equal(called_counts(dirty, n)[0], expect[1])
        np.testing.assert_array_equal(called_counts(dirty, n)[2], ss)
    out = np.empty((n, 9), np.float64, order="F")
    obs, mean, ss = np.empty(9, np.int64), np.empty(9), np.empty(9)
    getattr(centre_impute, "py_func", centre_impute)(np.where(geno == -127, -127, geno).astype(np.int8), out, obs, mean, ss)
    np.testing.assert_allclose(out, expect[0], atol=1e-12)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("subset", [False, True])
@pytest.mark.parametrize("reader", ["numpy", "numba", "bed-reader"])
def test_product_matches_numpy(cohort_missing, reader, subset, dtype):
    """gᵀS decoded and multiplied a block at a time == centred float genotypes times S
    (missing calls: 0), with the per-variant counts and missing rows of the whole chunk."""
    rows = np.arange(300) if not subset else np.random.default_rng(1).permutation(300)[:211]
    chunks = BedChunks(cohort_missing.bfile, rows, reader=reader)
    stacked = np.random.default_rng(2).standard_normal((len(rows), 7)).astype(dtype)
    buffer = np.empty((len(rows), 8), dtype, order="F")        # 43 variants: 6 blocks
    got = chunks.product(17, 60, stacked, buffer)
    g, obs, mean, ss, called = _reference(cohort_missing.bfile, rows, 17, 60)
    expect = g.T @ stacked.astype(np.float64)
    tol = 1e-12 if dtype == "float64" else 2e-6
    np.testing.assert_allclose(got["prod"], expect, atol=tol * np.abs(expect).max())
    _check_counts(got, obs, mean, ss, called)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("reader", ["numpy", "numba"])
def test_product_in_sample_panels_matches_numpy(cohort_missing, reader, dtype, monkeypatch):
    """With a BLAS bound that cuts the 300 samples in two panels (skinny.py), the product
    and the counts are those of the one-call product, in either decoder."""
    chunks = BedChunks(cohort_missing.bfile, np.arange(300), reader=reader)
    chunks.blas_bound = 256 * 8 * 7
    assert panel_size(8, 300, 7, chunks.blas_bound) == 150
    batched = []
    matmul = np.matmul
    monkeypatch.setattr(skinny.np, "matmul", lambda a, b: batched.append(a.shape) or matmul(a, b))
    stacked = np.random.default_rng(2).standard_normal((300, 7)).astype(dtype)
    got = chunks.product(17, 60, stacked, np.empty((300, 8), dtype, order="F"))
    assert (2, 8, 150) in batched                  # the 43 variants' blocks went in panels
    g, obs, mean, ss, called = _reference(cohort_missing.bfile, np.arange(300), 17, 60)
    expect = g.T @ stacked.astype(np.float64)
    tol = 1e-12 if dtype == "float64" else 2e-6
    np.testing.assert_allclose(got["prod"], expect, atol=tol * np.abs(expect).max())
    _check_counts(got, obs, mean, ss, called)


@pytest.mark.parametrize("columns", [16, 26, 27, 28, 31, 40])
def test_float32_product_padded_to_whole_panels(cohort_missing, columns):
    """A float32 S of 27–31 columns (mod 16) is multiplied padded with zero columns to a
    multiple of 16 (a faster sgemm in one call a block): the same product as numpy's, the
    padding dropped."""
    chunks = BedChunks(cohort_missing.bfile, np.arange(300))
    chunks.blas_bound = None                 # one call a block, as without small kernels
    stacked = np.random.default_rng(4).standard_normal((300, columns)).astype(np.float32)
    wide = chunks._padded_columns(stacked)
    assert wide.shape[1] == {27: 32, 28: 32, 31: 32}.get(columns, columns)
    assert chunks._padded_columns(stacked) is wide                       # made once
    np.testing.assert_array_equal(wide[:, :columns], stacked)
    assert not wide[:, columns:].any()
    got = chunks.product(3, 50, stacked, np.empty((300, 8), np.float32, order="F"))
    g = _reference(cohort_missing.bfile, np.arange(300), 3, 50)[0]
    expect = g.T @ stacked.astype(np.float64)
    assert got["prod"].shape == expect.shape
    np.testing.assert_allclose(got["prod"], expect, atol=2e-6 * np.abs(expect).max())


def test_product_checks_its_arguments(cohort):
    chunks = BedChunks(cohort.bfile, np.arange(500))
    with pytest.raises(ValueError, match="500 rows"):
        chunks.product(0, 5, np.zeros((499, 3)), np.zeros((499, 8), order="F"))
    with pytest.raises(ValueError, match="float64 buffer with 500 rows"):
        chunks.product(0, 5, np.zeros((500, 3)), np.zeros((500, 8), np.float32, order="F"))


def test_block_buffer_holds_the_same_variants_in_either_precision():
    """48 variants at 10k samples (2 MiB of float32 columns), float64 too."""
    assert block_buffer(10_000, np.float32).shape == (10_000, 48)
    assert block_buffer(10_000, np.float64).shape == (10_000, 48)
    assert block_buffer(10_000, np.float64).dtype == np.float64
    assert block_buffer(10_000_000, np.float64).shape == (10_000_000, 8)     # at least 8
    assert block_buffer(100, np.float32).flags.f_contiguous


def test_readers_give_identical_gwas(cohort_missing, tmp_path):
    from zoo.evaluate.design import read_covariates
    from zoo.evaluate.latents import read_latents

    latents = read_latents(cohort_missing.latents)
    covar = read_covariates(cohort_missing.phenotypes, cohort_missing.covar_names)
    a = run_gwas(cohort_missing.bfile, latents, covar, GwasConfig(progress=False, dtype="float64"))
    b = run_gwas(cohort_missing.bfile, latents, covar,
                 GwasConfig(progress=False, dtype="float64", reader="bed-reader"))
    np.testing.assert_allclose(a.p, b.p, rtol=1e-10)
    np.testing.assert_array_equal(a.stats["obs"], b.stats["obs"])
    files = a.write(tmp_path)        # OBS_CT: each variant's called samples, in both tables
    long = pd.read_csv(files["long"], sep="\t")
    np.testing.assert_array_equal(long["OBS_CT"], np.tile(a.stats["obs"], latents.shape[1]))
    manova = pd.read_csv(files["manova"], sep="\t")
    np.testing.assert_array_equal(manova["OBS_CT"] + manova["MISS_CT"], len(latents))
    assert manova["OBS_CT"].nunique() > 1


def test_bad_bed_files_are_named(cohort, tmp_path):
    import shutil

    for ext in (".bim", ".fam"):
        shutil.copy(cohort.bfile + ext, tmp_path / f"bad{ext}")
    raw = open(cohort.bfile + ".bed", "rb").read()
    (tmp_path / "bad.bed").write_bytes(b"\x6c\x1b\x00" + raw[3:])
    with pytest.raises(ValueError, match=r"bad\.bed.*magic"):
        BedChunks(tmp_path / "bad", np.arange(500))
    (tmp_path / "bad.bed").write_bytes(raw[:-10])
    with pytest.raises(ValueError, match=r"bad\.bed.*bytes"):
        BedChunks(tmp_path / "bad", np.arange(500))
    with pytest.raises(ValueError, match="reader"):
        BedChunks(cohort.bfile, np.arange(500), reader="pgen")
    with pytest.raises(ValueError, match="sample rows"):
        BedChunks(cohort.bfile, np.array([0, 500]))


def test_tsv_written_at_scan_precision(cohort, cohort_tables, tmp_path):
    latents, covar = cohort_tables
    result = run_gwas(cohort.bfile, latents, covar, GwasConfig(progress=False),
                      variants=slice(0, 20))
    files = result.write(tmp_path)
    back = pd.read_csv(files["long"], sep="\t")
    assert open(files["long"]).readline().startswith("#CHROM\tPOS\tID\tREF\tALT\tA1\tPHENO")
    expect = result.long_frame()
    np.testing.assert_allclose(back["BETA"], expect["BETA"], rtol=1e-6)
    np.testing.assert_array_equal(back["P"], expect["P"])            # P in full double
    pd.testing.assert_series_equal(back["ID"], expect["ID"].astype(object), check_dtype=False)
    exact = pd.read_csv(result.write(tmp_path / "f64", precision="float64")["long"], sep="\t")
    np.testing.assert_array_equal(exact["BETA"], expect["BETA"])


def test_bim_and_fam_read_as_bed_reader_reads_them(cohort, tmp_path):
    """read_bim / read_fam_ids (Arrow's parser or str.split, no bed-reader import) give
    bed-reader's ids, chromosomes, positions and alleles; a short line is an error naming
    the file."""
    from bed_reader import open_bed

    from zoo.evaluate.bedfile import read_bim, read_fam_ids

    bed = open_bed(cohort.bfile + ".bed", count_A1=True)
    np.testing.assert_array_equal(read_fam_ids(cohort.bfile), bed.iid.astype(str))
    bim = read_bim(cohort.bfile, 10, 40)
    assert list(bim.columns) == ["#CHROM", "POS", "ID", "REF", "ALT", "A1"]
    np.testing.assert_array_equal(bim["#CHROM"], bed.chromosome[10:40].astype(str))
    np.testing.assert_array_equal(bim["POS"], bed.bp_position[10:40].astype(np.int64))
    np.testing.assert_array_equal(bim["ID"], bed.sid[10:40].astype(str))
    np.testing.assert_array_equal(bim["ALT"], bed.allele_1[10:40].astype(str))
    np.testing.assert_array_equal(bim["A1"], bed.allele_1[10:40].astype(str))
    np.testing.assert_array_equal(bim["REF"], bed.allele_2[10:40].astype(str))
    assert bim.index.tolist() == list(range(30))
    for ext in (".bed", ".fam"):
        (tmp_path / f"short{ext}").write_bytes(open(cohort.bfile + ext, "rb").read())
    lines = open(cohort.bfile + ".bim").read().splitlines()
    lines[5] = "\t".join(lines[5].split("\t")[:5])
    (tmp_path / "short.bim").write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError, match=r"short\.bim.*6 whitespace-separated columns"):
        read_bim(tmp_path / "short")
    for sep in ("  ", " "):             # str.split(), Arrow with a space delimiter
        (tmp_path / "short.bim").write_text("\n".join(lines).replace("\t", sep) + "\n")
        with pytest.raises(ValueError, match=r"short\.bim.*6 whitespace-separated columns"):
            read_bim(tmp_path / "short")


@pytest.mark.parametrize("layout", ["tabs", "spaces", "mixed", "crlf", "blank lines"])
def test_variants_read_alike_whatever_the_whitespace(cohort, tmp_path, layout):
    """A .bim of single tabs is parsed by Arrow, any other whitespace by str.split: the
    same columns either way (and what read_bim's DataFrame holds)."""
    from zoo.evaluate.bedfile import read_bim, read_variants

    text = open(cohort.bfile + ".bim").read()
    lines = text.splitlines()
    if layout == "spaces":
        text = "\n".join(" ".join(line.split("\t")) for line in lines) + "\n"
    elif layout == "mixed":
        text = "\n".join(" \t".join(line.split("\t")) for line in lines)
    elif layout == "crlf":
        text = "\r\n".join(lines) + "\r\n"
    elif layout == "blank lines":
        text = "\n\n".join(lines) + "\n\n"
    for ext in (".bed", ".fam"):
        (tmp_path / f"v{ext}").write_bytes(open(cohort.bfile + ext, "rb").read())
    (tmp_path / "v.bim").write_bytes(text.encode())
    ours, ref = read_variants(tmp_path / "v", 3, 17), read_variants(cohort.bfile, 3, 17)
    for col in ("#CHROM", "POS", "ID", "REF", "ALT", "A1"):
        np.testing.assert_array_equal(ours[col], ref[col])
    assert ours["POS"].dtype == np.int64 and len(read_variants(tmp_path / "v")) == len(lines)
    frame = read_bim(tmp_path / "v", 3, 17)
    np.testing.assert_array_equal(frame["ID"].to_numpy(dtype=str), ref["ID"])


@pytest.mark.parametrize("sep", ["\t", "  "])
def test_bim_positions_must_be_integers(cohort, tmp_path, sep):
    """A position that is not an integer is an error naming the .bim (Arrow's int64 parse
    and the str.split path alike)."""
    from zoo.evaluate.bedfile import read_variants

    lines = open(cohort.bfile + ".bim").read().splitlines()
    fields = lines[7].split("\t")
    fields[3] = "12x5"
    lines[7] = "\t".join(fields)
    (tmp_path / "p.bim").write_text("\n".join(lines).replace("\t", sep) + "\n")
    for ext in (".bed", ".fam"):
        (tmp_path / f"p{ext}").write_bytes(open(cohort.bfile + ext, "rb").read())
    with pytest.raises(ValueError, match=r"p\.bim: expected integer base-pair positions"):
        read_variants(tmp_path / "p")
