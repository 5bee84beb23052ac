"""Splits are a pure function of (seed, id): stable under cohort growth."""
from __future__ import annotations

import pytest

from fastio.split import read_id_csv, split_fraction, split_ids


def _ids(n, start=0):
    return [f"{1000000 + i}" for i in range(start, start + n)]


def test_ratios_and_partition():
    ids = _ids(5000)
    parts = split_ids(ids, valid_ratio=0.2, test_ratio=0.1, seed=3)
    assert sorted(parts["train"] + parts["valid"] + parts["test"]) == sorted(ids)
    assert not set(parts["train"]) & set(parts["valid"])
    assert abs(len(parts["valid"]) / 5000 - 0.2) < 0.03
    assert abs(len(parts["test"]) / 5000 - 0.1) < 0.03
    # input order is kept inside each split
    assert parts["train"] == [i for i in ids if i in set(parts["train"])]


def test_adding_samples_never_moves_existing_ones():
    old = split_ids(_ids(300), 0.1, 0.1, seed=0)
    new = split_ids(_ids(300) + _ids(700, start=300), 0.1, 0.1, seed=0)
    for name in old:
        assert set(old[name]) <= set(new[name])
    # shuffling the input changes nothing either
    rev = split_ids(list(reversed(_ids(300))), 0.1, 0.1, seed=0)
    assert {k: set(v) for k, v in rev.items()} == {k: set(v) for k, v in old.items()}


def test_seed_and_ratios():
    a = split_ids(_ids(500), 0.1, 0.1, seed=0)
    b = split_ids(_ids(500), 0.1, 0.1, seed=1)
    assert a["valid"] != b["valid"]
    # growing the valid ratio only moves samples from train into valid
    c = split_ids(_ids(500), 0.2, 0.1, seed=0)
    assert set(a["valid"]) <= set(c["valid"]) and set(a["test"]) == set(c["test"])
    assert 0.0 <= split_fraction("x") < 1.0 and split_fraction("x") == split_fraction("x")
    everything = split_ids(_ids(50), 0.0, 0.0)
    assert len(everything["train"]) == 50


@pytest.mark.parametrize("valid,test", [(-0.1, 0.1), (0.6, 0.5), (1.5, 0.0)])
def test_bad_ratios(valid, test):
    with pytest.raises(ValueError, match="Expected"):
        split_ids(["a"], valid, test)


def test_id_csvs(tmp_path):
    (tmp_path / "valid.csv").write_text("sample_id,age\nb,3\nc,4\n")
    (tmp_path / "test.csv").write_text("d\ne\n")  # no header: the first line is an id
    parts = split_ids(list("abcdefz"), csvs={"valid": tmp_path / "valid.csv", "test": tmp_path / "test.csv"})
    assert parts == {"train": ["a", "f", "z"], "valid": ["b", "c"], "test": ["d", "e"]}
    (tmp_path / "train.csv").write_text("IID\na\n")
    parts = split_ids(list("abcdefz"), csvs={"train": tmp_path / "train.csv", "valid": tmp_path / "valid.csv"})
    assert parts == {"train": ["a"], "valid": ["b", "c"], "test": []}
    (tmp_path / "dup.csv").write_text("sample_id\nb\n")
    with pytest.raises(ValueError, match="also listed"):
        split_ids(list("abc"), csvs={"valid": tmp_path / "valid.csv", "test": tmp_path / "dup.csv"})
    with pytest.raises(ValueError, match="split names"):
        split_ids(list("abc"), csvs={"holdout": tmp_path / "dup.csv"})
    assert read_id_csv(tmp_path / "valid.csv") == ["b", "c"]
