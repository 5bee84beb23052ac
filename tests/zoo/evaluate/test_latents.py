"""Latent tables: ml4h and PLINK headers, TSV and Parquet, clear errors."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from zoo.evaluate.design import parse_covar_names, read_covariates
from zoo.evaluate.latents import align_samples, read_latents, write_latents


@pytest.fixture
def table():
    rng = np.random.default_rng(0)
    return pd.DataFrame(rng.normal(size=(5, 3)), columns=["latent_0", "latent_1", "latent_2"],
                        index=pd.Index(["007", "1", "2", "3", "4"], name="sample_id"))


@pytest.mark.parametrize("name,plink", [("hidden_ecg_x.tsv", False), ("h.tsv", True),
                                        ("h.parquet", False)])
def test_round_trip(tmp_path, table, name, plink):
    path = write_latents(table, tmp_path / name, plink_ids=plink)
    back = read_latents(path)
    assert list(back.index) == ["007", "1", "2", "3", "4"]     # ids stay strings
    np.testing.assert_allclose(back.to_numpy(), table.to_numpy(), rtol=1e-8)


def test_ml4h_header(tmp_path):
    (tmp_path / "h.tsv").write_text("sample_id\tlatent_0\tlatent_1\n10\t0.5\t1.5\n11\t-1\t2\n")
    frame = read_latents(tmp_path / "h.tsv")
    assert frame.loc["11", "latent_1"] == 2.0 and frame.index.name == "sample_id"


def test_errors_name_the_file(tmp_path):
    p = tmp_path / "dup.tsv"
    p.write_text("sample_id\tlatent_0\n1\t0.5\n1\t0.7\n")
    with pytest.raises(ValueError, match="dup.tsv.*duplicate"):
        read_latents(p)
    p = tmp_path / "noid.tsv"
    p.write_text("x\tlatent_0\n1\t0.5\n")
    with pytest.raises(ValueError, match="noid.tsv.*sample_id"):
        read_latents(p)
    p = tmp_path / "nan.tsv"
    p.write_text("sample_id\tlatent_0\n1\t0.5\n2\t\n")
    with pytest.raises(ValueError, match="nan.tsv.*finite"):
        read_latents(p)
    with pytest.raises(ValueError, match="not found"):
        read_latents(tmp_path / "absent.tsv")


def test_align_and_covariates(tmp_path, table):
    other = table.iloc[[4, 2, 0]] * 2
    a, b = align_samples(table, other, order=pd.Index(["4", "3", "2", "007"]))
    assert list(a.index) == ["4", "2", "007"] == list(b.index)
    pheno = tmp_path / "pheno.csv"
    pd.DataFrame({"sample_id": ["1", "2", "3"], "age": [50, None, 60], "sex": [0, 1, 1],
                  "PC1": [0.1, 0.2, 0.3], "PC2": [1, 2, 3], "site": ["a", "b", "c"]}
                 ).to_csv(pheno, index=False)
    cov = read_covariates(pheno, "age,sex,PC1-PC2")
    assert list(cov.columns) == ["age", "sex", "PC1", "PC2"] and list(cov.index) == ["1", "3"]
    with pytest.raises(ValueError, match="pheno.csv.*numeric covariate 'site'"):
        read_covariates(pheno, ["site"])
    with pytest.raises(ValueError, match=r"pheno.csv.*\['bmi'\]"):
        read_covariates(pheno, ["bmi"])
    assert parse_covar_names("PC1-PC3,age") == ("PC1", "PC2", "PC3", "age")
