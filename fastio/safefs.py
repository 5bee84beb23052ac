"""Filesystem actions that can only touch what a tool wrote.

Every command that removes or overwrites goes through here:

- :func:`atomic_output` / :func:`atomic_write_text` / :func:`atomic_write_bytes` write to a
  unique temp name in the target's folder and ``os.replace`` it into place, so a kill never
  leaves half a file, and a symlink planted at the target is replaced, never written through.
- :func:`check_removable` refuses to remove a path unless it is provably the tool's own: not
  ``.``, ``..``, the home or root folder, not an ancestor of the working directory, not a
  symlink, holding none of the sources, and carrying the owner's marker file.
- :func:`remove_owned` is the one ``rmtree`` the project runs; it calls
  :func:`check_removable` first.
- :func:`output_folder` creates a command's output folder and proves it writable before
  the long work; if the command then fails, it removes the folders it created, and only
  while they are still empty.
"""
from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable, Iterable, Iterator

__all__ = [
    "UnsafePathError",
    "atomic_output",
    "atomic_write_bytes",
    "atomic_write_text",
    "check_removable",
    "output_folder",
    "remove_owned",
    "is_within",
]


# Read once at import (os.umask can only be read by setting it, which is not thread safe).
_UMASK = os.umask(0o022)
os.umask(_UMASK)


class UnsafePathError(ValueError):
    """A remove or overwrite was refused because the target is not provably ours."""


def is_within(path: str | os.PathLike, folder: str | os.PathLike) -> bool:
    """True when ``path`` is ``folder`` or lies below it (symlinks resolved)."""
    p, f = Path(path).resolve(), Path(folder).resolve()
    return p == f or f in p.parents


def check_removable(path: str | os.PathLike, *, marker: str | None, what: str,
                    sources: Iterable[str | os.PathLike] = (),
                    owned: Callable[[Path], bool] | None = None) -> Path:
    """Return ``path`` if the caller may remove it, else raise :class:`UnsafePathError`.

    ``marker`` names a file (relative to ``path``) that only the owning tool writes, e.g.
    ``zarr.json`` whose attributes a caller checks separately, or a run manifest. ``None``
    skips the marker check (for a path the caller created in this very call).
    ``owned(path)`` reads the owner's own metadata (the marker's content): a marker file of
    the right name that another tool wrote is not proof.
    ``sources`` are inputs of the same command: none may lie inside what is removed.
    """
    raw = Path(path)
    if raw.name in ("", ".", ".."):
        raise UnsafePathError(f"{path}: refusing to remove {raw.name or 'the root'!r}; expected the {what}'s own folder")
    if raw.is_symlink():
        raise UnsafePathError(f"{path}: is a symlink; refusing to remove through it (expected the {what} itself)")
    resolved = raw.resolve()
    protected = {Path("/").resolve(), Path.home().resolve()}
    if resolved in protected:
        raise UnsafePathError(f"{path}: refusing to remove the home or root folder")
    cwd = Path.cwd().resolve()
    if resolved == cwd or resolved in cwd.parents:
        raise UnsafePathError(f"{path}: is the working directory or one of its parents; refusing to remove it")
    for src in sources:
        if is_within(src, resolved):
            raise UnsafePathError(f"{path}: holds the source {src}; refusing to remove it (write the {what} elsewhere)")
    if marker is not None and raw.exists() and not (raw / marker).is_file():
        raise UnsafePathError(
            f"{path}: exists but is not a {what} (no {marker}); refusing to remove files this tool did not write"
        )
    if owned is not None and raw.exists() and not owned(raw):
        raise UnsafePathError(
            f"{path}: exists but its {marker or 'metadata'} was not written by this tool (expected a {what}); "
            "refusing to remove files this tool did not write"
        )
    return raw


def remove_owned(path: str | os.PathLike, *, marker: str | None, what: str,
                 sources: Iterable[str | os.PathLike] = (),
                 owned: Callable[[Path], bool] | None = None) -> None:
    """Remove a folder or file after :func:`check_removable` proved it is ours."""
    target = check_removable(path, marker=marker, what=what, sources=sources, owned=owned)
    if target.is_dir():
        shutil.rmtree(target)
    elif target.exists():
        target.unlink()


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike, *, suffix: str = ".tmp") -> Iterator[Path]:
    """Yield a temp path beside ``path``; on success it replaces ``path`` atomically.

    On an exception the temp file is removed and ``path`` is untouched. A symlink at
    ``path`` is replaced by the new file, never written through. ``suffix`` ends the temp
    name, for writers that insist on an extension (Keras' ``.weights.h5``).
    """
    target = Path(path)
    if target.is_dir() and not target.is_symlink():
        raise IsADirectoryError(f"{target}: is a folder; expected a file path to write")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix, dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        # mkstemp makes the file private (0600); the output gets the mode a plain open() gives.
        os.chmod(tmp_path, 0o666 & ~_UMASK)
        os.replace(tmp_path, target)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` through :func:`atomic_output` (fsync'd before the rename)."""
    with atomic_output(path) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    return Path(path)


def atomic_write_text(path: str | os.PathLike, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` through :func:`atomic_output`."""
    return atomic_write_bytes(path, text.encode(encoding))


@contextlib.contextmanager
def output_folder(path: str | os.PathLike) -> Iterator[Path]:
    """Create ``path`` (and missing parents), check that files can be created in it, and
    yield it. If the body raises (Ctrl-C included), the folders this call created are
    removed again when empty, so a failed run leaves no empty run folder behind; anything
    the body wrote stays, and folders that existed before are never touched.
    """
    target = Path(path)
    if target.exists() and not target.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "exists and is not a folder; expected an output folder",
                                 str(target))
    missing = []
    for folder in [target, *target.parents]:
        if folder.exists():
            break
        missing.append(folder)
    created: list[Path] = []
    try:
        for folder in reversed(missing):
            try:
                folder.mkdir()
            except FileExistsError:
                if not folder.is_dir():
                    raise
                continue  # another process made it since the check (side-by-side runs): not ours
            created.append(folder)
        try:
            fd, probe = tempfile.mkstemp(prefix=".write-check.", dir=target)
        except OSError as exc:   # name the folder, not the probe file
            raise type(exc)(exc.errno, f"{exc.strerror}; cannot create files in the output folder",
                            str(target)) from None
        os.close(fd)
        os.unlink(probe)
        yield target
    except BaseException:
        for folder in reversed(created):
            try:
                folder.rmdir()
            except OSError:
                break  # not empty (the body wrote there): keep it and its parents
        raise
