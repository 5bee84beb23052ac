"""zoo.reproduce: the whole registered-vs-unregistered experiment, resumable, as a report.

``zoo reproduce --out DIR [--quick | --converge]`` (``cli``) runs ``run_reproduce`` (``run``): a phantom
cohort per nuisance strength, every registration (``plan.REGISTRATIONS``), every model ×
training seed (``train``), per-space measures (``measure``), and writes Table 1, Table 2,
the nuisance sweep and its negative control (``tables``, ``report``, ``figures``).
"""
import lazy_loader

# the public names and their modules are listed once, in __init__.pyi
__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
