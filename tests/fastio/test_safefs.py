"""fastio.safefs: removes only what is provably ours; writes never go through a symlink."""
import os
from pathlib import Path

import pytest

from fastio.safefs import UnsafePathError, atomic_output, atomic_write_text, check_removable, remove_owned


def test_refuses_dot_dotdot_cwd_and_parents(tmp_path, monkeypatch):
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    for target in (".", "..", str(work), str(tmp_path / "a")):
        with pytest.raises(UnsafePathError):
            check_removable(target, marker=None, what="store")
    assert work.is_dir()


def test_refuses_folder_without_marker_and_keeps_user_files(tmp_path):
    user = tmp_path / "mine"
    user.mkdir()
    (user / "thesis.txt").write_text("precious")
    with pytest.raises(UnsafePathError, match="no zarr.json"):
        remove_owned(user, marker="zarr.json", what="store")
    assert (user / "thesis.txt").read_text() == "precious"


def test_refuses_folder_holding_the_source(tmp_path):
    out = tmp_path / "out"
    (out / "hd5").mkdir(parents=True)
    (out / "zarr.json").write_text("{}")
    with pytest.raises(UnsafePathError, match="holds the source"):
        remove_owned(out, marker="zarr.json", what="store", sources=[out / "hd5"])
    assert (out / "hd5").is_dir()


def test_refuses_symlinked_target(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (real / "zarr.json").write_text("{}")
    link = tmp_path / "link"
    link.symlink_to(real)
    with pytest.raises(UnsafePathError, match="symlink"):
        remove_owned(link, marker="zarr.json", what="store")
    assert (real / "zarr.json").is_file()


def test_removes_owned_folder(tmp_path):
    own = tmp_path / "store.zarr"
    own.mkdir()
    (own / "zarr.json").write_text("{}")
    remove_owned(own, marker="zarr.json", what="store")
    assert not own.exists()


def test_atomic_write_replaces_symlink_not_its_target(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    link = tmp_path / "out.tsv"
    link.symlink_to(victim)
    atomic_write_text(link, "new")
    assert victim.read_text() == "keep me"
    assert not link.is_symlink() and link.read_text() == "new"


def test_atomic_output_leaves_nothing_on_error(tmp_path):
    target = tmp_path / "table.tsv"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_output(target) as tmp:
            Path(tmp).write_text("half")
            raise RuntimeError("killed")
    assert target.read_text() == "old"
    assert sorted(os.listdir(tmp_path)) == ["table.tsv"]


def test_atomic_output_gives_the_umask_mode_not_mkstemp_private(tmp_path):
    umask = os.umask(0o022)
    os.umask(umask)
    path = atomic_write_text(tmp_path / "a.txt", "x")
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask
    with atomic_output(tmp_path / "w.weights.h5", suffix=".weights.h5") as tmp:
        assert tmp.name.endswith(".weights.h5") and tmp.parent == tmp_path
        tmp.write_bytes(b"w")
    assert (tmp_path / "w.weights.h5").read_bytes() == b"w"


def test_output_folder_made_by_another_process_meanwhile_is_used_and_never_removed(tmp_path, monkeypatch):
    """Two runs started side by side both find ``runs/`` missing; the one that makes it
    second uses it and, failing, leaves it (it is the other run's)."""
    import pathlib

    from fastio.safefs import output_folder

    shared = tmp_path / "runs"
    real_exists = pathlib.Path.exists

    def exists_before_the_other_run(self, *args, **kwargs):
        if self == shared and not real_exists(self):
            shared.mkdir()  # the other process makes it right after this check
            return False
        return real_exists(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "exists", exists_before_the_other_run)
    with pytest.raises(RuntimeError):
        with output_folder(shared / "mine") as out:
            assert out.is_dir()
            raise RuntimeError("training failed")
    assert shared.is_dir() and not (shared / "mine").exists()


def test_output_folder_removes_only_the_empty_folders_it_created(tmp_path):
    from fastio.safefs import output_folder

    (tmp_path / "existing").mkdir()
    with pytest.raises(RuntimeError):
        with output_folder(tmp_path / "existing" / "a" / "b") as out:
            assert out.is_dir() and not list(out.iterdir())   # the write probe is gone
            raise RuntimeError("scan failed")
    assert [p.name for p in tmp_path.iterdir()] == ["existing"] and not list((tmp_path / "existing").iterdir())
    with pytest.raises(KeyboardInterrupt):
        with output_folder(tmp_path / "x" / "y") as out:
            (out / "partial.tsv").write_text("kept\n")
            raise KeyboardInterrupt
    assert (tmp_path / "x" / "y" / "partial.tsv").read_text() == "kept\n"
    with pytest.raises(ValueError):
        with output_folder(tmp_path / "existing"):
            raise ValueError("bad input")
    assert (tmp_path / "existing").is_dir()   # it existed before: never removed
    (tmp_path / "file").write_text("user\n")
    with pytest.raises(NotADirectoryError, match="file"):
        with output_folder(tmp_path / "file"):
            pass
    assert (tmp_path / "file").read_text() == "user\n"
