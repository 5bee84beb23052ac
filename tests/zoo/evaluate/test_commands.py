"""The commands over zoo.evaluate, ``zoo gwas`` and ``zoo compare``, end to end on the
simulated cohort (the conftest beside this file)."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from zoo.commands import compare as cli_compare, gwas as cli_gwas
from zoo.evaluate.latents import read_latents, write_latents


def test_zoo_gwas(cohort, tmp_path, capsys):
    out = tmp_path / "gwas"
    rc = cli_gwas.main(["--bfile", cohort.bfile, "--latents", cohort.latents,
                        "--covariates", cohort.phenotypes, "--covar-names", "age,sex,PC1-PC3",
                        "--out", str(out), "--threshold", "1e-6", "--window", "100000",
                        "--quiet"])
    assert rc == 0
    long = pd.read_csv(out / "latent_gwas.glm.linear.tsv", sep="\t")
    assert list(long.columns) == ["#CHROM", "POS", "ID", "REF", "ALT", "A1", "PHENO", "OBS_CT",
                                  "BETA", "SE", "T_STAT", "P"]
    assert len(long) == 300 * 4
    manova = pd.read_csv(out / "latent_gwas.manova.tsv", sep="\t")
    assert len(manova) == 300 and {"PILLAI", "F_STAT", "P"} <= set(manova.columns)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["n_loci"] == {"min_p": 3, "manova": 3}
    assert 0.8 < summary["lambda_gc"] < 1.3
    loci = pd.read_csv(out / "loci_min_p.tsv", sep="\t")
    assert set(loci["ID"]) == set(cohort.causal_ids)
    for name in ("manhattan_min_p.png", "manhattan_manova.png", "qq.png"):
        assert (out / name).stat().st_size > 5_000
    assert "λ_GC" in capsys.readouterr().out


def test_zoo_gwas_quick_exit_writes_every_output(cohort, tmp_path):
    """`python -m zoo.cli gwas` ends without the interpreter's teardown (exit_now); every
    file it leaves equals the in-process run's (which returns normally), byte for byte,
    summary.json apart from its timings, and its last line reaches the pipe."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    argv = ["--bfile", cohort.bfile, "--latents", cohort.latents, "--covariates",
            cohort.phenotypes, "--covar-names", "age,sex,PC1-PC3", "--quiet"]
    assert cli_gwas.main(argv + ["--out", str(tmp_path / "inproc")]) == 0
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(root)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])}
    proc = subprocess.run([sys.executable, "-m", "zoo.cli", "gwas", *argv, "--out",
                           str(tmp_path / "cli")], capture_output=True, text=True, env=env,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("zoo gwas: 500 samples") and proc.stdout.endswith("cli\n")
    files = sorted(p.name for p in (tmp_path / "inproc").iterdir())
    assert sorted(p.name for p in (tmp_path / "cli").iterdir()) == files
    assert len(files) == 8              # 2 tables, 2 loci tables, summary.json, 3 figures
    for name in files:
        mine = (tmp_path / "cli" / name).read_bytes()
        theirs = (tmp_path / "inproc" / name).read_bytes()
        if name == "summary.json":
            mine, theirs = json.loads(mine), json.loads(theirs)
            mine.pop("profile"), theirs.pop("profile")
        if name.endswith(".png"):       # drawn whole: a PNG ends with its IEND chunk
            assert mine.endswith(b"IEND\xaeB`\x82") and len(mine) > 5_000, name
        else:
            assert mine == theirs, name


def test_zoo_gwas_dask_and_export(cohort, tmp_path):
    base = ["--bfile", cohort.bfile, "--latents", cohort.latents, "--covariates",
            cohort.phenotypes, "--covar-names", "age,sex,PC1-PC3", "--quiet", "--no-plots",
            "--no-manova"]
    assert cli_gwas.main(base + ["--out", str(tmp_path / "one")]) == 0
    assert cli_gwas.main(base + ["--out", str(tmp_path / "dask"), "--dask", "local",
                                 "--block-size", "120", "--export-phenotypes"]) == 0
    one = pd.read_csv(tmp_path / "one" / "latent_gwas.glm.linear.tsv", sep="\t")
    blocks = pd.read_csv(tmp_path / "dask" / "latent_gwas.glm.linear.tsv", sep="\t")
    # float32 products round differently with other chunk boundaries: equal to ~1e-6
    pd.testing.assert_frame_equal(blocks, one, check_exact=False, rtol=1e-4, atol=1e-6)
    pheno = pd.read_csv(tmp_path / "dask" / "latents.regenie.pheno", sep=" ")
    assert list(pheno.columns[:3]) == ["FID", "IID", "latent_0"] and len(pheno) == 500
    covar = pd.read_csv(tmp_path / "dask" / "covariates.plink2.covar", sep="\t")
    assert list(covar.columns) == ["FID", "IID", "age", "sex", "PC1", "PC2", "PC3"]


def test_zoo_gwas_errors(cohort, tmp_path, capsys):
    from zoo.cli import main

    out = tmp_path / "out"
    rc = main(["gwas", "--bfile", cohort.bfile, "--latents", cohort.latents,
               "--covariates", cohort.phenotypes, "--covar-names", "age,height",
               "--out", str(out), "--quiet"])
    assert rc == 2 and "height" in capsys.readouterr().err
    rc = main(["gwas", "--bfile", str(tmp_path / "nope"), "--latents", cohort.latents,
               "--out", str(out), "--quiet"])
    assert rc == 2 and "nope.bed" in capsys.readouterr().err
    assert not out.exists()   # a failed run leaves no empty output folder
    # --out is checked before the scan: a file there is one line naming it, exit 3
    (tmp_path / "file").write_text("not a folder\n")
    rc = main(["gwas", "--bfile", cohort.bfile, "--latents", cohort.latents,
               "--out", str(tmp_path / "file"), "--quiet"])
    err = capsys.readouterr().err
    assert rc == 3 and str(tmp_path / "file") in err and len(err.strip().splitlines()) == 1
    assert (tmp_path / "file").read_text() == "not a folder\n"


@pytest.fixture(scope="module")
def blurred(cohort, tmp_path_factory):
    """An 'unregistered' space: the true latents drowned in nuisance variation."""
    latents = read_latents(cohort.latents)
    rng = np.random.default_rng(0)
    noisy = latents + rng.normal(0, 2.0, latents.shape)
    return write_latents(noisy, tmp_path_factory.mktemp("blurred") / "hidden_blurred.tsv")


def test_zoo_compare(cohort, blurred, tmp_path):
    out = tmp_path / "compare"
    # symlinks planted at its outputs are replaced, never written through
    (tmp_path / "victims").mkdir()
    out.mkdir()
    planted = ("comparison.json", "comparison.md", "scores.tsv", "scores.png", "qq_registered.png")
    for name in planted:
        (tmp_path / "victims" / name).write_text("precious\n")
        (out / name).symlink_to(tmp_path / "victims" / name)
    rc = cli_compare.main([
        "--latents", f"registered={cohort.latents}", "--latents", f"unregistered={blurred}",
        "--pairs", "registered:unregistered", "--phenotypes", cohort.phenotypes,
        "--bfile", cohort.bfile, "--truth", cohort.truth, "--out", str(out),
        "--covar-names", "age,sex,PC1-PC3", "--targets", "bmi,hypertension,age",
        "--splits", "3", "--threshold", "1e-6", "--window", "100000", "--quiet"])
    assert rc == 0
    report = json.loads((out / "comparison.json").read_text())
    summary = pd.DataFrame(report["phenotype_summary"]).set_index(["space", "phenotype"])
    assert summary.loc[("registered", "bmi"), "mean"] > summary.loc[("unregistered", "bmi"), "mean"]
    pairs = pd.DataFrame(report["pair_scores"]).set_index("phenotype")
    assert pairs.loc["bmi", "diff"] > 0 and pairs.loc["hypertension", "metric"] == "auroc"
    gwas = pd.DataFrame(report["gwas"]).set_index("space")
    assert gwas.loc["registered", "loci_min_p"] == 3
    assert gwas.loc["registered", "recall_manova"] == 1.0
    # the precisions' chance rate, one per space (the same variants and truth for each)
    assert 0 < gwas.loc["registered", "null_rate"] == gwas.loc["unregistered", "null_rate"] < 1
    assert gwas.loc["registered", "loci_min_p"] > gwas.loc["unregistered", "loci_min_p"]
    counts = pd.DataFrame(report["phewas_counts"]).set_index("space")
    assert counts.loc["registered", "n_associated"] == 1          # hypertension
    text = (out / "comparison.md").read_text()
    pair_counts = pd.DataFrame(report["gwas_pairs"]).set_index("measure")
    assert pair_counts.loc["loci_min_p", "diff"] == 3 - gwas.loc["unregistered", "loci_min_p"]
    assert len(pair_counts.loc["loci_min_p", "half_diffs"]) == 2
    assert pair_counts.loc["n_associated", "a"] == 1
    means = pd.DataFrame(report["pair_means"]).set_index("metric")
    assert means.loc["r2", "diff"] > 0
    for part in ("## Phenotype prediction", "## Pairs: mean over phenotypes", "## PheWAS",
                 "## Latent GWAS", "registered:unregistered"):
        assert part in text
    assert "| precision_manova | null_rate |" in text
    for name in ("scores.png", "manhattan_registered.png", "qq_unregistered.png"):
        assert (out / name).stat().st_size > 5_000
    for name in planted:
        assert (tmp_path / "victims" / name).read_text() == "precious\n"
        assert not (out / name).is_symlink()


def test_zoo_compare_errors(cohort, tmp_path, capsys):
    from zoo.cli import main

    out = tmp_path / "out"
    rc = main(["compare", "--latents", f"a={cohort.latents}", "--pairs", "a:b",
               "--phenotypes", cohort.phenotypes, "--out", str(out), "--quiet"])
    assert rc == 2 and "'b'" in capsys.readouterr().err
    rc = main(["compare", "--latents", cohort.latents, "--phenotypes", cohort.phenotypes,
               "--out", str(out), "--quiet"])
    assert rc == 2 and "NAME=PATH" in capsys.readouterr().err
    assert not out.exists()   # a failed run leaves no empty output folder


def test_zoo_gwas_ld_clumping(cohort, tmp_path):
    rc = cli_gwas.main(["--bfile", cohort.bfile, "--latents", cohort.latents,
                        "--covariates", cohort.phenotypes, "--covar-names", "age,sex",
                        "--out", str(tmp_path), "--threshold", "1e-6", "--ld-r2", "0.2",
                        "--window", "1000000", "--quiet", "--no-plots"])
    assert rc == 0
    summary = json.loads((tmp_path / "summary.json").read_text())
    # simulated variants are independent: LD clumping keeps the 3 causal loci apart even
    # with a window that spans them
    assert summary["n_loci"]["min_p"] == 3 and summary["ld_r2"] == 0.2
    rc = cli_gwas.main(["--bfile", cohort.bfile, "--latents", cohort.latents,
                        "--covariates", cohort.phenotypes, "--covar-names", "age,sex",
                        "--out", str(tmp_path / "dist"), "--threshold", "1e-6",
                        "--window", "1000000", "--quiet", "--no-plots"])
    assert rc == 0
    by_distance = json.loads((tmp_path / "dist" / "summary.json").read_text())
    assert by_distance["n_loci"]["min_p"] == 2       # the two chromosome-1 loci merge


def test_comparison_without_genotypes_records_skipped(cohort_tables, tmp_path):
    from zoo.evaluate.compare import CompareConfig, build_comparison
    from zoo.evaluate.phenotypes import CvConfig
    from zoo.evaluate.report import comparison_markdown, write_comparison

    latents, covar = cohort_tables
    pheno = covar.copy()
    pheno["bmi"] = latents["latent_0"] * 2 + 25
    pheno["rare"] = 0
    pheno.iloc[:3, pheno.columns.get_loc("rare")] = 1       # 3 cases: too few for 4 splits
    pheno["flat"] = 1.0
    comp = build_comparison({"a": latents, "b": latents.iloc[:, :2]}, pheno, [("a", "b")],
                            config=CompareConfig(covar_names=("age", "sex"),
                                                 cv=CvConfig(n_splits=4)), progress=False)
    assert comp.gwas is None and set(comp.skipped) == {"rare", "flat"}
    assert "rare" not in set(comp.summary["phenotype"])
    text = comparison_markdown(comp)
    assert "Not scored: " in text and "## Latent GWAS" not in text
    files = write_comparison(comp, tmp_path, plots=False)
    assert json.loads(files["json"].read_text())["skipped_phenotypes"]["rare"].startswith("3 cases")


def test_zoo_gwas_repeated_covariate_is_used_once(cohort, tmp_path):
    base = ["--bfile", cohort.bfile, "--latents", cohort.latents, "--covariates",
            cohort.phenotypes, "--quiet", "--no-plots"]
    assert cli_gwas.main(base + ["--covar-names", "age,sex", "--out", str(tmp_path / "once")]) == 0
    with pytest.warns(UserWarning, match=r"\['age'\] named more than once"):
        assert cli_gwas.main(base + ["--covar-names", "age,age,sex",
                                     "--out", str(tmp_path / "twice")]) == 0
    once, twice = (pd.read_csv(tmp_path / d / "latent_gwas.glm.linear.tsv", sep="\t")
                   for d in ("once", "twice"))
    pd.testing.assert_frame_equal(twice, once)
    assert json.loads((tmp_path / "twice" / "summary.json").read_text())["covariates"] == ["age", "sex"]


def test_zoo_gwas_identical_latents_give_nan_manova_and_per_dim_results(cohort, tmp_path):
    latents = read_latents(cohort.latents)
    latents["latent_copy"] = latents["latent_0"]
    path = write_latents(latents, tmp_path / "hidden_dup.tsv")
    out = tmp_path / "out"
    with pytest.warns(UserWarning, match="MANOVA"):
        rc = cli_gwas.main(["--bfile", cohort.bfile, "--latents", str(path), "--out", str(out),
                            "--quiet", "--threshold", "1e-6"])
    assert rc == 0
    long = pd.read_csv(out / "latent_gwas.glm.linear.tsv", sep="\t")
    first = long[long["PHENO"] == "latent_0"].reset_index(drop=True)
    copy = long[long["PHENO"] == "latent_copy"].reset_index(drop=True)
    np.testing.assert_allclose(copy["P"], first["P"], rtol=1e-6)
    assert np.isfinite(first["P"]).all()
    manova = pd.read_csv(out / "latent_gwas.manova.tsv", sep="\t")
    assert len(manova) == 300 and manova["P"].isna().all()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["lambda_gc_manova_chi2"] is None and summary["n_loci"]["manova"] == 0
    # each dimension's test is that of a run without the copy
    assert cli_gwas.main(["--bfile", cohort.bfile, "--latents", cohort.latents, "--out",
                          str(tmp_path / "plain"), "--quiet", "--no-plots"]) == 0
    plain = pd.read_csv(tmp_path / "plain" / "latent_gwas.glm.linear.tsv", sep="\t")
    pd.testing.assert_frame_equal(long[long["PHENO"] != "latent_copy"].reset_index(drop=True), plain)


def test_zoo_gwas_profile_and_lean_imports(cohort, tmp_path):
    """--profile prints the phases, summary.json keeps them; a whole run, plots included,
    imports neither scipy.stats nor scipy.special's package (the p-values and the QQ band
    come from scipy's ufuncs alone, ``zoo.evaluate.pvalues``) nor Keras nor pandas (the
    tables are read, kept and written as numpy and Arrow columns: ``sampletable``,
    ``columns``, ``arrowcols``), and on every .fam sample without missing calls neither
    numba (the numpy decoder), bed-reader (the .bim/.fam read by Arrow), scipy.linalg,
    tqdm (no progress bar) nor pyarrow.compute (Arrow's kernels called by name,
    ``arrowcols``)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    out = tmp_path / "prof"
    argv = ["gwas", "--bfile", cohort.bfile, "--latents", cohort.latents, "--covariates",
            cohort.phenotypes, "--covar-names", "age,sex,PC1-PC3", "--out", str(out),
            "--quiet", "--profile"]
    code = (f"import sys\nfrom zoo.cli import main\nrc = main({argv!r})\n"
            "heavy = [m for m in ('scipy.stats', 'keras', 'tensorflow', 'sklearn', 'numba', "
            "'bed_reader', 'scipy.linalg', 'scipy.special', 'tqdm', 'pandas', "
            "'pyarrow.compute') "
            "if m in sys.modules]\nprint('HEAVY', heavy)\nsys.exit(rc)")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(root)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "HEAVY []" in proc.stdout
    for phase in ("import", "read", "scan", "loci", "write", "total"):
        assert f"\n{phase} " in proc.stdout, phase
    profile = json.loads((out / "summary.json").read_text())["profile"]
    assert set(profile["phases"]) == {"import", "read", "read.fileset", "scan", "loci", "write",
                                      "import_plots", "plots", "scan.setup", "scan.product",
                                      "scan.statistics", "scan.format", "scan.write"}
    # the scan's stages are timed on their own threads, inside the scan: their CPU is part
    # of the scan's (the process's, which also holds the plots thread's import)
    stages = sum(profile["phases"][f"scan.{s}"]["cpu_s"]
                 for s in ("setup", "product", "statistics", "format", "write"))
    assert 0 < stages <= profile["phases"]["scan"]["cpu_s"] * 1.05 + 0.02
    for t in profile["phases"].values():
        assert t["wall_s"] >= 0 and t["cpu_s"] >= 0
    assert profile["total_wall_s"] >= profile["phases"]["scan"]["wall_s"] > 0
    assert (out / "qq.png").stat().st_size > 5_000
