"""Codecs: the catalogue's per-tensor defaults, the user's choice at conversion
(``fastio convert --codec``), and that a store's values and batches do not depend on it."""
from __future__ import annotations

import json

import numpy as np
import pytest

from .convert_fixtures import QUICK_TENSORS, assert_same_store, converted, quick_cohort  # noqa: F401
from fastio.augment import Augment
from fastio.catalogue import get_spec, list_specs
from fastio.cli import main as cli
from fastio.compression import parse_codec_choices, with_codecs
from fastio.loader import LoaderCore
from fastio.store import open_store


@pytest.mark.parametrize("scale", ["full", "quick"])
def test_catalogue_stores_ecg_and_dxa_uncompressed_and_other_images_with_lz4(scale):
    """The defaults the loader benchmark chose (benchmarks/results/loader.md)."""
    for spec in list_specs(scale):
        assert spec.codec == ("none" if spec.group in ("ecg", "dxa") else "blosc-lz4"), spec.name
    assert {s.group for s in list_specs(scale) if s.codec == "blosc-lz4"} == {"mri", "mri_brain"}


def test_codec_choices_parse_and_apply():
    assert parse_codec_choices(["blosc-lz4"]) == {None: "blosc-lz4"}
    choices = parse_codec_choices(["ecg.ecg_rest=blosc-lz4hc", "zstd"])
    assert choices == {"ecg_rest": "blosc-lz4hc", None: "zstd"}
    specs = with_codecs([get_spec("ecg_rest"), get_spec("dxa_2")], choices)
    assert [s.codec for s in specs] == ["blosc-lz4hc", "zstd"]  # a named tensor wins over CODEC
    assert with_codecs([get_spec("dxa_2")], {"dxa_2": "none"})[0] == get_spec("dxa_2").replace(codec="none")
    with pytest.raises(ValueError, match=r"--codec dxa_2=lzma: expected CODEC or NAME=CODEC .*got 'lzma'"):
        parse_codec_choices(["dxa_2=lzma"])
    with pytest.raises(ValueError, match="expected one codec for dxa_2"):
        parse_codec_choices(["dxa_2=none", "dxa_2=gzip"])
    with pytest.raises(ValueError, match=r"expected names of the tensors converted \(dxa_2\), got ecg_rest"):
        with_codecs([get_spec("dxa_2")], {"ecg_rest": "none"})


def _inner_codecs(store, name) -> list[str]:
    meta = json.loads((store / name / "zarr.json").read_text())
    return [c["name"] for c in meta["codecs"][0]["configuration"]["codecs"]]


def _batches(store, name, augment):
    loader = LoaderCore(str(store), inputs=[name], batch_size=4, split="all", seed=3, augment=augment)
    out = []
    for epoch in range(2):
        loader.set_epoch(epoch)
        out += [loader[i][0][get_spec(name).input_name].copy() for i in range(len(loader))]
    loader.close()
    return out


def test_convert_codec_flag_changes_the_bytes_not_the_values(converted, quick_cohort, tmp_path, capsys):  # noqa: F811
    """`--codec NAME=CODEC` stores that tensor with CODEC: the store's values, its
    `fastio inspect` report and the loader's batches (two epochs: the second reads the
    memoised statistics) equal those of the default store bit for bit."""
    default, _ = converted
    out = tmp_path / "codec.zarr"
    assert cli(["convert", quick_cohort.root, str(out), "--tensors", *QUICK_TENSORS, "--scale", "quick",
                "--workers", "1", "--shard-size", "4", "--quiet",
                "--codec", "ecg_rest=blosc-lz4", "ecg_rest_median_raw_10=zstd", "dxa_2=blosc-lz4"]) == 0
    assert_same_store(default, out)
    assert [open_store(out).spec(n).codec for n in QUICK_TENSORS] == ["blosc-lz4", "zstd", "blosc-lz4"]
    assert [open_store(default).spec(n).codec for n in QUICK_TENSORS] == ["none", "none", "none"]
    assert _inner_codecs(out, "ecg_rest") == ["bytes", "blosc"] == _inner_codecs(out, "dxa_2")
    assert _inner_codecs(default, "dxa_2") == ["bytes", "crc32c"] == _inner_codecs(default, "ecg_rest")
    capsys.readouterr()
    for store, codecs in ((out, ("blosc-lz4", "zstd", "blosc-lz4")), (default, ("none", "none", "none"))):
        assert cli(["inspect", str(store), "--json"]) == 0
        report = json.loads(capsys.readouterr().out)["tensors"]
        assert tuple(report[n]["codec"] for n in QUICK_TENSORS) == codecs
        assert cli(["inspect", str(store)]) == 0
        rows = {}  # the first table names each tensor's shape, present count and codec
        for line in capsys.readouterr().out.splitlines():
            if line.strip():
                rows.setdefault(line.split()[0], line.split())
        assert tuple(rows[n][3] for n in QUICK_TENSORS) == codecs
    for name, augment in (("ecg_rest", Augment(time_shift=0.1, amplitude=0.1, noise=0.05)),
                          ("ecg_rest", None), ("dxa_2", None), ("dxa_2", Augment(rotate=10, noise=0.05))):
        for a, b in zip(_batches(default, name, augment), _batches(out, name, augment), strict=True):
            assert a.tobytes() == b.tobytes(), name
    # A plain CODEC sets every tensor; an unknown name or codec is bad input (exit 2).
    every = tmp_path / "every.zarr"
    assert cli(["convert", quick_cohort.root, str(every), "--tensors", "ecg_rest", "dxa_2", "--scale",
                "quick", "--workers", "1", "--shard-size", "4", "--quiet", "--codec", "gzip"]) == 0
    assert [open_store(every).spec(n).codec for n in ("ecg_rest", "dxa_2")] == ["gzip", "gzip"]
    capsys.readouterr()
    assert cli(["convert", quick_cohort.root, str(tmp_path / "bad.zarr"), "--tensors", "dxa_2",
                "--scale", "quick", "--quiet", "--codec", "ecg_rest=none"]) == 2
    assert "expected names of the tensors converted (dxa_2), got ecg_rest" in capsys.readouterr().err
    assert cli(["convert", quick_cohort.root, str(tmp_path / "bad.zarr"), "--tensors", "dxa_2",
                "--scale", "quick", "--quiet", "--codec", "lz5"]) == 2
    assert "expected CODEC or NAME=CODEC" in capsys.readouterr().err
    assert not (tmp_path / "bad.zarr").exists()


def test_a_store_written_before_dxa_was_uncompressed_reads_and_resumes_with_its_codec(
        converted, quick_cohort, tmp_path, capsys):  # noqa: F811
    """DXA's default was blosc-lz4 until issue 15: such a store reads the same values, and a
    rerun with today's default is refused naming the tensor and both codecs (resuming would
    mix codecs), while the same rerun with `--codec dxa_2=blosc-lz4` resumes it."""
    default, _ = converted
    old = tmp_path / "old.zarr"
    args = ["convert", quick_cohort.root, str(old), "--tensors", "dxa_2", "--scale", "quick",
            "--workers", "1", "--shard-size", "4", "--quiet"]
    assert cli([*args, "--codec", "dxa_2=blosc-lz4"]) == 0
    assert open_store(old).spec("dxa_2").codec == "blosc-lz4" and open_store(default).spec("dxa_2").codec == "none"
    np.testing.assert_array_equal(open_store(old)["dxa_2"][:], open_store(default)["dxa_2"][:])
    for a, b in zip(_batches(default, "dxa_2", None), _batches(old, "dxa_2", None), strict=True):
        assert a.tobytes() == b.tobytes()
    capsys.readouterr()
    assert cli(args) == 2
    assert "differs in tensors: dxa_2 codec 'blosc-lz4' in the store, 'none' now" in capsys.readouterr().err
    assert cli([*args, "--codec", "dxa_2=blosc-lz4"]) == 0
    assert open_store(old).spec("dxa_2").codec == "blosc-lz4"
