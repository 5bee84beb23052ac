"""Latent and covariate tables read by Arrow (no pandas): the values pandas' parser reads,
the same checks as ``read_latents``/``read_covariates``, errors naming the file."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from zoo.evaluate.design import prepare_model, read_covariates
from zoo.evaluate.latents import read_latents, write_latents
from zoo.evaluate.sampletable import (SampleTable, read_columns, read_covariate_table,
                                      read_latent_table)


def test_values_equal_pandas_parser(tmp_path):
    """Full-precision decimal text (write_latents' shortest round trip, and 17 digits)
    parses to the very doubles pandas' C parser gives."""
    rng = np.random.default_rng(3)
    values = rng.normal(size=(200, 4)) * 10.0 ** rng.integers(-12, 12, size=(200, 4))
    frame = pd.DataFrame(values, columns=[f"latent_{i}" for i in range(4)],
                         index=pd.Index([f"s{i:03d}" for i in range(200)], name="sample_id"))
    path = write_latents(frame, tmp_path / "h.tsv")
    ours = read_latent_table(path)
    theirs = pd.read_csv(path, sep="\t", dtype={"sample_id": str})
    assert ours.names == tuple(frame.columns) and ours.ids.tolist() == frame.index.tolist()
    np.testing.assert_array_equal(ours.values.view(np.int64),
                                  theirs[list(frame.columns)].to_numpy(np.float64).view(np.int64))
    (tmp_path / "p.csv").write_text("IID,age,sex\n" + "".join(
        f"{i},{v:.17g},{i % 2}\n" for i, v in enumerate(values[:, 0])))
    cov = read_covariate_table(tmp_path / "p.csv", ("age", "sex"))
    np.testing.assert_array_equal(cov.values, pd.read_csv(tmp_path / "p.csv")[["age", "sex"]]
                                  .to_numpy(np.float64))
    assert cov.ids[:3].tolist() == ["0", "1", "2"]                  # ids as text


def test_columns_types_and_ids(tmp_path):
    (tmp_path / "t.tsv").write_text("FID\tIID\tx\tflag\tname\tn\n007\t007\t1.5\ttrue\ta\t3\n"
                                    "8\t8\tNA\tfalse\tb\t\n")
    cols = read_columns(tmp_path / "t.tsv")
    assert cols["IID"].tolist() == ["007", "8"]                     # leading zero kept
    np.testing.assert_array_equal(cols["x"], [1.5, np.nan])
    assert cols["flag"].tolist() == [True, False] and cols["name"].tolist() == ["a", "b"]
    np.testing.assert_array_equal(cols["n"], [3.0, np.nan])


def test_latent_checks_match_read_latents(tmp_path):
    cases = {"dup.tsv": ("sample_id\tlatent_0\n1\t0.5\n1\t0.7\n", "dup.tsv.*duplicate"),
             "noid.tsv": ("x\tlatent_0\n1\t0.5\n", "noid.tsv.*sample_id"),
             "inf.tsv": ("sample_id\tlatent_0\n1\tinf\n2\t0.5\n", "inf.tsv.*finite.*'1'"),
             "text.tsv": ("sample_id\tlatent_0\n1\tabc\n", "text.tsv.*non-numeric"),
             "none.tsv": ("sample_id\tname\n1\tabc\n", "none.tsv.*latent columns")}
    for name, (text, message) in cases.items():
        (tmp_path / name).write_text(text)
        for reader in (read_latent_table, read_latents):
            with pytest.raises(ValueError, match=message):
                reader(tmp_path / name)
    (tmp_path / "plain.tsv").write_text("IID\tFID\ta\tb\n5\t5\t1\t2.5\n6\t6\t3\t4\n")
    table = read_latent_table(tmp_path / "plain.tsv")       # no latent_*: numeric columns
    assert table.names == ("a", "b") and table.values.tolist() == [[1.0, 2.5], [3.0, 4.0]]
    with pytest.raises(ValueError, match="missing.tsv: file not found"):
        read_latent_table(tmp_path / "missing.tsv")


def test_covariates_complete_cases_and_frames(tmp_path):
    (tmp_path / "p.csv").write_text("sample_id,age,sex,note\na,50,1,x\nb,,0,y\nc,61,0,z\n")
    table = read_covariate_table(tmp_path / "p.csv", ("age", "sex"))
    assert table.ids.tolist() == ["a", "c"] and table.values.tolist() == [[50, 1], [61, 0]]
    frame = read_covariates(tmp_path / "p.csv", "age,sex")
    pd.testing.assert_frame_equal(frame, table.to_frame())
    assert frame.index.name == "sample_id" and list(frame.columns) == ["age", "sex"]
    with pytest.raises(ValueError, match="p.csv.*numeric covariate 'note'"):
        read_covariate_table(tmp_path / "p.csv", ("age", "note"))
    with pytest.raises(ValueError, match=r"p.csv.*covariate columns \['bmi'\]"):
        read_covariate_table(tmp_path / "p.csv", ("bmi",))
    back = SampleTable.from_frame(frame)
    assert back.ids.tolist() == ["a", "c"] and back.names == ("age", "sex")


def test_model_same_from_tables_and_frames(tmp_path):
    """prepare_model gives the same model from SampleTables as from DataFrames; the
    .fam order wins, and a repeated sample is an error."""
    rng = np.random.default_rng(0)
    ids = np.array([f"s{i}" for i in range(30)])
    lat = SampleTable(ids[::-1].copy(), ("latent_0", "latent_1"), rng.normal(size=(30, 2)))
    cov = SampleTable(ids[:25], ("age",), rng.normal(size=(25, 1)))
    fam = np.concatenate([ids, ["extra"]])
    a = prepare_model(lat, cov, fam, dtype="float64")
    b = prepare_model(lat.to_frame(), cov.to_frame(), fam, dtype="float64")
    assert a.sample_ids.tolist() == ids[:25].tolist() == b.sample_ids.tolist()
    np.testing.assert_array_equal(a.sample_index, np.arange(25))
    np.testing.assert_array_equal(a.stacked, b.stacked)
    assert a.pheno_names == ("latent_0", "latent_1") and a.covar_names == ("age",)
    # tables already in the .fam's order (no lookups) give the same model
    ordered = SampleTable(ids.copy(), lat.names, lat.values[::-1].copy())
    same = prepare_model(ordered, None, ids, dtype="float64")
    np.testing.assert_array_equal(same.stacked, prepare_model(lat, None, ids,
                                                              dtype="float64").stacked)
    np.testing.assert_array_equal(same.sample_index, np.arange(30))
    twice = SampleTable(np.array(["s1", "s2", "s1"]), ("latent_0",), np.zeros((3, 1)))
    with pytest.raises(ValueError, match="one row per sample in the latents.*'s1' twice"):
        prepare_model(twice, None, fam)
