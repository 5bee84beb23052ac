"""``fastio demo``: generate, convert (and load) — the README's main job."""
from __future__ import annotations

import numpy as np
import pytest

from fastio.store import open_store
from fastio.synthetic import BAD_KINDS, make_cohort


def test_demo_converts_and_reports(tmp_path, capsys):
    from fastio.cli import main

    assert main(["demo", "--out", str(tmp_path), "--n", "4", "--scale", "quick", "--workers", "1",
                 "--no-load"]) == 0
    text = capsys.readouterr().out
    assert "generated 10 ml4h .hd5 files" in text
    for word in ("ecg_rest", "dxa_2", "compression ratio", "not an HDF5 file", "duplicate sample id"):
        assert word in text, word
    png = tmp_path / "preview.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    st = open_store(tmp_path / "store.zarr")
    assert st.complete and len(st.failures) > 0
    # Rerunning the demo regenerates identical files and resumes into the same store.
    assert main(["demo", "--out", str(tmp_path), "--n", "4", "--scale", "quick", "--workers", "1",
                 "--no-load"]) == 0
    assert "0 converted now" in capsys.readouterr().out


def test_synthetic_cohort_is_deterministic(tmp_path):
    a = make_cohort(tmp_path / "a", n=3, scale="quick", seed=7, bad=False)
    b = make_cohort(tmp_path / "b", n=3, scale="quick", seed=7, bad=False)
    from fastio.catalogue import get_spec
    from fastio.hdf5 import read_tensor

    for sid in a.good:
        for name in ("ecg_rest", "dxa_2"):
            spec = get_spec(name, "quick")
            np.testing.assert_array_equal(read_tensor(f"{a.root}/{sid}.hd5", spec),
                                          read_tensor(f"{b.root}/{sid}.hd5", spec))
    with pytest.raises(ValueError, match="bad kinds"):
        make_cohort(tmp_path / "c", n=1, bad=("gremlins",))
    assert set(BAD_KINDS) == {"not_hdf5", "truncated", "missing_ecg", "nan_dxa", "wrong_rank_dxa", "duplicate"}


@pytest.mark.slow
def test_demo_with_the_loader(tmp_path, capsys):
    from fastio.cli import main

    assert main(["demo", "--out", str(tmp_path), "--n", "8", "--scale", "quick", "--workers", "1",
                 "--batches", "3"]) == 0
    text = capsys.readouterr().out
    assert "loader    ecg_rest: 3 batches, batch_size" in text and "batches/s" in text
