"""The one protocol every registration method follows (the registry is
:data:`zoo.registration.methods.METHODS`).

A :class:`Method` is a record: its ``name``, what it ``applies_to`` (a tensor's rank and
axes), its ``Options`` (a frozen dataclass validated on construction: an unknown option
or a bad value is a ``ValueError``, never ignored) and ``build``, which turns options and
a seed into a *step*. A step is fitted once and applied block by block by
:func:`zoo.registration.pipeline.register_store`:

- ``out_spec(spec, out)`` / ``extra_specs(spec, out)``: the tensors it writes;
- ``fit(store, tensor, spec, work, sample, progress)``: build a template or train a
  network — or reload the state saved in ``work``, so a resumed run applies the same
  transform (``sample(k)`` returns up to ``k`` present rows);
- ``apply(values)`` → ``(registered, extras, reasons)``: one failure reason per row
  (``None`` where the row succeeded) — a method records a failure, it does not raise;
- ``describe()``: the provenance stored with the output (fitted settings, loss history).
"""
from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from fastio.spec import TensorSpec

__all__ = ["Applies", "Method", "Options", "option", "option_type", "ANY", "IMAGE", "STRIP", "CINE"]

_TYPES = {"int": int, "float": float, "str": str, "bool": bool}


def option(default, help: str, *, choices: tuple | None = None, minimum: float | None = None):
    """A field of an ``Options`` dataclass: its default, its ``--help`` text and its checks."""
    return dataclasses.field(default=default, metadata={"help": help, "choices": choices, "minimum": minimum})


def option_type(annotation) -> tuple[type, bool]:
    """``(type, optional)`` of a field annotated ``int``, ``float | None``, ... (as a string,
    under ``from __future__ import annotations``, or as a type)."""
    if isinstance(annotation, str):
        parts = [p.strip() for p in annotation.split("|")]
        optional = "None" in parts
        names = [p for p in parts if p != "None"]
        if len(names) != 1 or names[0] not in _TYPES:
            raise TypeError(f"Expected an option annotated int, float, str or bool (or '| None'), got {annotation!r}")
        return _TYPES[names[0]], optional
    args = typing.get_args(annotation) if isinstance(annotation, types.UnionType) else (annotation,)
    names = [a.__name__ for a in args if a is not type(None)]
    return option_type(" | ".join(names + (["None"] if type(None) in args else [])))


@dataclass(frozen=True)
class Options:
    """Base of every method's options: subclasses are frozen dataclasses whose fields are
    declared with :func:`option`. Values are checked on construction."""

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            kind, optional = option_type(f.type)
            if value is None:
                if not optional:
                    raise ValueError(f"Expected option {f.name!r} to be a {kind.__name__}, got None")
                continue
            if kind is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
                object.__setattr__(self, f.name, value)
            if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
                raise ValueError(f"Expected option {f.name!r} to be a {kind.__name__}, got {value!r}")
            choices, minimum = f.metadata.get("choices"), f.metadata.get("minimum")
            if choices is not None and value not in choices:
                raise ValueError(f"Expected option {f.name!r} in {choices}, got {value!r}")
            if minimum is not None and value < minimum:
                raise ValueError(f"Expected option {f.name!r} of at least {minimum}, got {value!r}")

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls))

    def to_dict(self) -> dict:
        return {name: getattr(self, name) for name in self.names()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Options":
        """Options from a mapping; an unknown key is a ``ValueError`` that names it."""
        unknown = sorted(set(data) - set(cls.names()))
        if unknown:
            raise ValueError(f"Expected options among {list(cls.names())}, got unknown option(s) {unknown}")
        return cls(**dict(data))


@dataclass(frozen=True)
class Applies:
    """What a method registers: tensors of ``rank`` axes (None: any), with at least
    ``min_last`` entries on the last axis; ``what`` names them in error messages."""

    what: str
    rank: int | None = None
    min_last: int = 1

    def check(self, spec: TensorSpec, method: str) -> None:
        shape = tuple(spec.shape)
        if self.rank is not None and (len(shape) != self.rank or shape[-1] < self.min_last):
            raise ValueError(f"Tensor {spec.name}: method {method!r} expects {self.what}, got shape {shape}")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


ANY = Applies("any tensor")
IMAGE = Applies("images (H, W, C)", rank=3)
STRIP = Applies("a strip (samples, leads)", rank=2)
CINE = Applies("a cine (H, W, T frames)", rank=3, min_last=3)

# The transforms ECC alignment fits (alignment.py), here with the vocabulary so that the
# methods' options are declared without loading numpy.
TRANSFORMS = ("translation", "rigid", "affine", "homography")


@dataclass(frozen=True)
class Method:
    """One registration method. ``build(options, seed)`` returns its step."""

    name: str
    summary: str
    learned: bool
    applies_to: Applies
    options: type[Options]
    build: Callable[[Options, int], Any]

    def parse(self, values: Mapping[str, Any] | None = None, **more) -> Options:
        """This method's validated options from a mapping and/or keywords (``None`` values
        mean "the default", as an unset command-line flag does)."""
        given = {k: v for k, v in {**dict(values or {}), **more}.items() if v is not None}
        try:
            return self.options.from_dict(given)
        except ValueError as exc:
            raise ValueError(f"Method {self.name!r}: {exc}") from None

    def step(self, options: Options | Mapping[str, Any] | None = None, *, seed: int = 0):
        """The fit/apply object for ``options`` (an ``Options`` or a mapping) and ``seed``."""
        if not isinstance(options, self.options):
            options = self.parse(options)
        return self.build(options, int(seed))

    def describe(self) -> dict:
        """The method as data (its name, what it applies to, its options' defaults)."""
        return {"name": self.name, "summary": self.summary, "learned": self.learned,
                "applies_to": self.applies_to.to_dict(), "options": self.options().to_dict()}
