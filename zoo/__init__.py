"""zoo: models, registration, phantom cohort and evaluation for registered representations.

Sub-packages are imported lazily: ``import zoo`` does no work and never imports Keras.
"""
import lazy_loader

__version__ = "0.1.0"
# the public names and their modules are listed once, in __init__.pyi
__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
