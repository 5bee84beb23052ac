"""The public names of ``zoo.models``: type checkers read them here, and ``__init__.py``
imports each one lazily from this file (``lazy_loader.attach_stub``)."""
from .arch import Arch
from .decoder import conv_decode
from .encoder import conv_encode
from .losses import PairLoss, contrastive_loss, cosine_loss, euclid_loss
from .merges import AverageMerge, DropFuse, KroneckerMerge, merge_layer
from .pair import Pair, build_model, cross_decoder, decoders_of, encoders_of, parse_pairs
from .saving import load_model, register_layers
from .vocabulary import MERGES, PAIR_LOSSES

__all__ = [
    "Arch", "AverageMerge", "DropFuse", "KroneckerMerge", "MERGES", "PAIR_LOSSES", "Pair",
    "PairLoss", "build_model", "contrastive_loss", "conv_decode", "conv_encode", "cosine_loss",
    "cross_decoder", "decoders_of", "encoders_of", "euclid_loss", "load_model", "merge_layer",
    "parse_pairs", "register_layers",
]
