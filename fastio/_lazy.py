"""Lazy public names for packages whose API lives in sub-modules.

A package lists ``public name -> module`` as data and gets ``__getattr__``/``__dir__``
that import a module only when one of its names is first used, so importing the package
does no work (and never pulls in Keras or TensorFlow by accident).
"""
from __future__ import annotations

import importlib
from typing import Callable, Mapping, MutableMapping

__all__ = ["lazy_exports"]


def lazy_exports(package: str, exports: Mapping[str, str | None],
                 namespace: MutableMapping) -> tuple[Callable, Callable]:
    """``exports`` maps a public name to the module defining it — absolute, or relative to
    ``package`` — or to ``None`` for a sub-module exported under its own name."""
    root = package.split(".", 1)[0] + "."

    def __getattr__(name: str):
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        target = exports[name]
        if target is None:
            value = importlib.import_module(f"{package}.{name}")
        else:
            module = target if target.startswith(root) else f"{package}.{target}"
            value = getattr(importlib.import_module(module), name)
        namespace[name] = value  # later look-ups skip __getattr__
        return value

    def __dir__() -> list[str]:
        return sorted(exports)

    return __getattr__, __dir__
