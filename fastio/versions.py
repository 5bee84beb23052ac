"""The library versions a tool records beside what it wrote (a store's ``versions``, a
registration's): one function, so every record is spelled the same way."""
from __future__ import annotations

import importlib.metadata
import platform

__all__ = ["versions"]


def versions(*distributions: str) -> dict[str, str]:
    """``{"python": X.Y.Z, name: version, ...}`` for each installed distribution (by its
    pip name, e.g. ``regzoo``, ``opencv-python-headless``); one not installed is left out."""
    out = {"python": platform.python_version()}
    for name in distributions:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            pass
    return out
