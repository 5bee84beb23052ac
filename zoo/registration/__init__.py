"""zoo.registration: hand-crafted and learned registration, as functions, layers and
store-to-store pipeline steps.

Names resolve lazily, so ``import zoo.registration`` neither imports Keras nor OpenCV;
see :mod:`zoo.registration.spatial` for the coordinate conventions every module shares.
"""
import lazy_loader

# the public names and their modules are listed once, in __init__.pyi
__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
