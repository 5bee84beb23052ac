"""zoo.presets: versioned pretrained encoders per modality × registration method.

A preset is data (:class:`Preset`, in ``registry.json``) plus verified files (encoder,
registration state); :func:`embed` and :class:`Encoder` apply its own registration and
normalisation. Names resolve lazily: importing the package loads neither Keras nor pooch.
"""
import lazy_loader

# the public names and their modules are listed once, in __init__.pyi
__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
