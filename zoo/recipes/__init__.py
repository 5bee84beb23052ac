"""ml4h-compatible recipes: ``python -m zoo.recipes --mode train|infer_encoders ...``.

Python API: :func:`train` (returns the run directory) and :func:`infer` (returns the
written latent tables); both take a command line (list of strings) or an argparse
Namespace. ``zoo train`` / ``zoo infer`` are the same recipes under friendlier names.
The modules are ``training`` and ``inference`` so that the function names ``train`` and
``infer`` are never shadowed by a submodule of the same name.
"""
import lazy_loader

# the public names and their modules are listed once, in __init__.pyi
__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
