"""Keras 3 builders: ml4h-style conv encoders/decoders, pair losses, merges, pair models.

Names resolve lazily, so ``import zoo.models`` does not import Keras; the first use of
a builder or layer does. Every custom layer is registered under the ``regzoo`` package
for ``keras.saving.load_model(..., safe_mode=True)``; call :func:`register_layers`
before loading a saved model in a fresh process.
"""
import lazy_loader

# the public names and their modules are listed once, in __init__.pyi
__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
