"""The public names of ``zoo.recipes``: type checkers read them here, and ``__init__.py``
imports each one lazily from this file (``lazy_loader.attach_stub``)."""
from .args import build_parser, parse_args
from .inference import infer
from .run import main
from .training import train

__all__ = [
    "build_parser", "infer", "main", "parse_args", "train",
]
