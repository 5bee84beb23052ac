"""`fastio convert/merge --overwrite` removes only a store it wrote: never a folder of user
files, a folder holding the source, '.', '..', or anything through a symlink."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fastio.conversion import convert
from fastio.safefs import UnsafePathError
from fastio.store import open_store
from fastio.synthetic import make_cohort

TENSORS = ["ecg_rest"]


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    return make_cohort(tmp_path_factory.mktemp("ow") / "hd5", n=6, scale="quick", seed=11, bad=())


def _convert(src, out, **kw):
    return convert(src, out, TENSORS, scale="quick", shard_size=4, workers=1, progress=False, **kw)


def _user_folder(path: Path) -> dict[str, str]:
    path.mkdir(parents=True, exist_ok=True)
    files = {"thesis.txt": "precious", "sub/data.csv": "a,b\n1,2\n"}
    for rel, text in files.items():
        (path / rel).parent.mkdir(parents=True, exist_ok=True)
        (path / rel).write_text(text)
    return files


def _intact(path: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        assert (path / rel).read_text() == text, rel


def _cli(*args, cwd=None):
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    return subprocess.run([sys.executable, "-c", "import sys; from fastio.cli import main; sys.exit(main())", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=300)


def test_overwrite_refuses_a_folder_of_user_files(cohort, tmp_path):
    out = tmp_path / "mine"
    files = _user_folder(out)
    with pytest.raises(UnsafePathError, match="no zarr.json"):
        _convert(cohort.root, out, overwrite=True)
    _intact(out, files)
    # A zarr.json some other tool wrote is not proof either.
    (out / "zarr.json").write_text(json.dumps({"zarr_format": 3, "node_type": "group", "attributes": {}}))
    with pytest.raises(UnsafePathError, match="not written by this tool"):
        _convert(cohort.root, out, overwrite=True)
    _intact(out, files)
    assert not (tmp_path / "mine.creating").exists()


def test_overwrite_refuses_the_source_inside_the_store(cohort, tmp_path):
    out = tmp_path / "out"
    src = out / "hd5"
    make_cohort(src, n=4, scale="quick", seed=2, bad=())
    before = sorted(p.name for p in src.iterdir())
    with pytest.raises(UnsafePathError, match="holds the source"):
        _convert(src, out, overwrite=True)
    assert sorted(p.name for p in src.iterdir()) == before
    # Even when OUT is a genuine store of ours that the user moved the sources into.
    store = tmp_path / "s.zarr"
    _convert(cohort.root, store)
    moved = store / "sources"
    make_cohort(moved, n=4, scale="quick", seed=2, bad=())
    with pytest.raises(UnsafePathError, match="holds the source"):
        _convert(moved, store, overwrite=True)
    assert len(list(moved.iterdir())) == len(before)


def test_overwrite_refuses_dot_dotdot_and_cwd(cohort, tmp_path, monkeypatch):
    work = tmp_path / "a" / "b"
    files = _user_folder(work)
    monkeypatch.chdir(work)
    for target in (".", "..", str(work), str(tmp_path / "a")):
        with pytest.raises(UnsafePathError):
            _convert(cohort.root, target, overwrite=True)
    _intact(work, files)


def test_overwrite_refuses_a_symlinked_store(cohort, tmp_path):
    real = tmp_path / "real.zarr"
    _convert(cohort.root, real)
    link = tmp_path / "link.zarr"
    link.symlink_to(real)
    with pytest.raises(UnsafePathError, match="symlink"):
        _convert(cohort.root, link, overwrite=True)
    assert open_store(real).complete and link.is_symlink()


def test_overwrite_replaces_our_own_store_and_a_killed_creation(cohort, tmp_path):
    out = tmp_path / "s.zarr"
    convert(cohort.root, out, TENSORS, scale="quick", shard_size=2, workers=1, progress=False)
    # A creation killed before its rename leaves OUT.creating with our marker: cleared.
    leftover = tmp_path / "s.zarr.creating"
    from fastio.store import create_store

    create_store(leftover, ["a", "b"], shard_size=2)
    summary = _convert(cohort.root, out, overwrite=True)
    assert summary.complete and open_store(out).shard_size() == 4
    assert not leftover.exists()
    # A user's folder at the temp name is not ours.
    files = _user_folder(leftover)
    with pytest.raises(UnsafePathError):
        _convert(cohort.root, out, overwrite=True)
    _intact(leftover, files)
    assert open_store(out).complete


def test_cli_overwrite_refusals_exit_non_zero(cohort, tmp_path):
    user = tmp_path / "mine"
    files = _user_folder(user)
    r = _cli("convert", cohort.root, str(user), "--tensors", "ecg_rest", "--scale", "quick",
             "--overwrite", "--quiet")
    assert r.returncode == 2 and "refusing to remove" in r.stderr and "Traceback" not in r.stderr
    _intact(user, files)
    r = _cli("convert", cohort.root, ".", "--tensors", "ecg_rest", "--scale", "quick",
             "--overwrite", "--quiet", cwd=user)
    assert r.returncode == 2 and "expected a new folder name" in r.stderr
    _intact(user, files)
    r = _cli("convert", cohort.root, "..", "--tensors", "ecg_rest", "--scale", "quick",
             "--overwrite", "--quiet", cwd=user / "sub")
    assert r.returncode == 2
    _intact(user, files)


def test_merge_overwrite_refuses_user_folder(cohort, tmp_path):
    parts = []
    for i in range(2):
        p = tmp_path / f"p{i}.zarr"
        convert(cohort.root, p, TENSORS, scale="quick", shard_size=2, workers=1, part=(i, 2), progress=False)
        parts.append(p)
    from fastio.parts import merge_parts

    out = tmp_path / "mine"
    files = _user_folder(out)
    with pytest.raises(UnsafePathError):
        merge_parts(parts, out, progress=False, overwrite=True)
    _intact(out, files)
    with pytest.raises(UnsafePathError, match="holds the source"):
        merge_parts(parts, parts[0], progress=False, overwrite=True)
    assert open_store(parts[0]).complete
