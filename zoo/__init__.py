"""zoo: models, registration, phantom cohort and evaluation for registered representations.

The front door is a handful of verbs, one per step of the experiment:
:func:`generate` (a phantom biobank), :func:`register_store` (register a tensor of a
fastio store), :func:`train` / :func:`infer` (the ml4h recipes), :func:`compare` (latent
spaces by prediction, PheWAS and GWAS), :func:`run_reproduce` (the whole experiment), and
the zoo itself: :func:`list_presets`, :func:`embed`, :class:`Encoder`,
:class:`EmbeddingTransformer`. Names are imported on first use: ``import zoo`` does no
work and never imports Keras.
"""
import lazy_loader

__version__ = "0.1.0"
# the public names and their modules are listed once, in __init__.pyi
__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
