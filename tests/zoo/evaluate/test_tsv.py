"""zoo.evaluate.tsv: the long table streamed block by block equals the one-shot writer."""
import numpy as np
import pandas as pd
import pytest

from zoo.evaluate.arrowcols import to_arrow
from zoo.evaluate.columns import ColumnTable
from zoo.evaluate.tsv import LongTableStream, write_long_table


@pytest.mark.parametrize("columns,threads,table", [(["OBS_CT", "BETA", "P"], 1, "frame"),
                                                   (["OBS_CT", "BETA", "P"], 2, "columns"),
                                                   ([], 2, "frame")])
def test_stream_bytes_equal_the_one_shot_writer(tmp_path, columns, threads, table):
    """Formatted on one or two threads, from a DataFrame or a ColumnTable (Arrow text),
    missing values (NA) in a middle and in the last column."""
    rng = np.random.default_rng(3)
    m, labels = 23, ["a", "b", "c"]
    variants = pd.DataFrame({"#CHROM": ["1"] * m, "POS": np.arange(m) * 10 + 5,
                             "ID": [f"rs{i}" for i in range(m)]})
    beta = rng.normal(size=(m, 3)).astype(np.float32)
    beta[4, 1] = np.nan                               # missing: "NA"
    obs = np.arange(m) + 90                           # one per row, every label: a broadcast
    values = {"OBS_CT": np.broadcast_to(obs[:, None], (m, 3)), "BETA": beta,
              "P": rng.random((m, 3)) ** 30}
    values["P"][[0, 22], [2, 0]] = np.nan             # in the last column, before "\n"
    values = {c: values[c] for c in columns}
    whole = write_long_table(variants, labels, {}, values, tmp_path / "whole.tsv")
    if table == "columns":
        variants = ColumnTable({"#CHROM": to_arrow(np.array(["1"] * m)),
                                "POS": np.arange(m) * 10 + 5,
                                "ID": to_arrow(np.array([f"rs{i}" for i in range(m)]))})
    stream = LongTableStream(tmp_path / "stream.tsv", variants, labels, columns,
                             threads=threads)
    for a, b in ((0, 10), (10, 10), (10, 23)):
        stream.add(a, b, {c: v[a:b] for c, v in values.items()})
    assert stream.close().read_bytes() == whole.read_bytes()
    lines = whole.read_text().splitlines()
    if columns:
        assert lines[1 + 2 * m].endswith("\tNA") and lines[1 + 22].endswith("\tNA")
    assert len(lines) == 1 + 3 * m and lines[0].split("\t") == ["#CHROM", "POS", "ID", "PHENO",
                                                               *columns]


def test_blocks_written_by_the_callers_threads_in_any_order(tmp_path):
    """``write_block`` from two threads, blocks finishing out of order and mixed with
    ``add``: the file is in row order, the bytes of the one-shot writer; a block added
    twice is an error."""
    from concurrent.futures import ThreadPoolExecutor

    rng = np.random.default_rng(5)
    m, labels = 40, ["x", "y"]
    variants = pd.DataFrame({"#CHROM": ["2"] * m, "POS": np.arange(m) + 1,
                             "ID": [f"v{i}" for i in range(m)]})
    values = {"BETA": rng.normal(size=(m, 2)), "P": rng.random((m, 2))}
    whole = write_long_table(variants, labels, {}, values, tmp_path / "whole.tsv")
    stream = LongTableStream(tmp_path / "stream.tsv", variants, labels, list(values), threads=1)
    bounds = [(30, 40), (0, 7), (20, 30), (7, 20)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda ab: stream.write_block(*ab, {c: v[ab[0]:ab[1]]
                                                          for c, v in values.items()}),
                      bounds[:3]))
    stream.add(7, 20, {c: v[7:20] for c, v in values.items()})
    with pytest.raises(ValueError, match="0:7 were already added"):
        stream.write_block(0, 7, {c: v[0:7] for c, v in values.items()})
    assert stream.close().read_bytes() == whole.read_bytes()


def test_write_buffers_writes_every_byte_in_order_through_short_writes(tmp_path, monkeypatch):
    """More buffers than one ``writev`` takes, empty ones, and a kernel that writes only
    part of what it is given: every byte lands once, in order."""
    import os

    from zoo.evaluate import tsv

    rng = np.random.default_rng(1)
    buffers = [rng.integers(0, 256, int(rng.integers(0, 50)), dtype=np.uint8).tobytes()
               for _ in range(2500)]
    real = os.writev
    calls = []

    def short_writev(fd, views):           # writes the first half of what it is given
        calls.append(len(views))
        assert len(views) <= tsv._IOV_MAX
        data = b"".join(bytes(v) for v in views)
        return os.write(fd, data[:max(1, len(data) // 2)])

    monkeypatch.setattr(os, "writev", short_writev)
    path = tmp_path / "out.bin"
    with open(path, "wb", buffering=0) as fh:
        tsv.write_buffers(fh.fileno(), buffers)
    assert path.read_bytes() == b"".join(buffers)
    monkeypatch.setattr(os, "writev", real)
    with open(path, "wb", buffering=0) as fh:
        tsv.write_buffers(fh.fileno(), buffers)
    assert path.read_bytes() == b"".join(buffers) and max(calls) == tsv._IOV_MAX
