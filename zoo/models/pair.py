"""Multimodal models: one encoder per input tensor, pair losses, a merge, one decoder per
output tensor.

An autoencoder is the one-input case (no merge). With several inputs the latents may be
tied by any number of pairs (each with its own loss kind and weight), then merged
(DropFuse, average, concat or kronecker) into the vector every decoder reads, so every
decoder learns to reconstruct its tensor from the merged latent. Encoders and decoders
are nested Keras models named as ml4h names them (``encode_{tm.name}``,
``decode_{tm.name}``; runs made earlier used ``encoder_{name}``): they can come
from earlier runs (fine-tuning) and are pulled back out after training to be saved
alone, and :func:`cross_decoder` chains any encoder to any decoder (decode B from A's
latent).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from fastio import ml4h_names
from fastio.catalogue import short_name
from zoo.models.arch import Arch
from zoo.models.decoder import conv_decode
from zoo.models.encoder import conv_encode
from zoo.models.vocabulary import PAIR_LOSSES

__all__ = ["Pair", "parse_pairs", "build_model", "cross_decoder", "encoders_of", "decoders_of"]


@dataclass(frozen=True)
class Pair:
    """Two tensors whose latents a loss pulls together."""

    a: str
    b: str
    loss: str = "contrastive"
    weight: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "a", short_name(self.a))
        object.__setattr__(self, "b", short_name(self.b))
        if self.a == self.b:
            raise ValueError(f"Expected a pair of two different tensors, got {self.a!r} twice")
        if self.loss not in PAIR_LOSSES:
            raise ValueError(f"Expected pair loss in {PAIR_LOSSES}, got {self.loss!r}")
        if not float(self.weight) >= 0:
            raise ValueError(f"Expected a pair loss weight >= 0, got {self.weight!r}")
        object.__setattr__(self, "weight", float(self.weight))

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Pair":
        return cls(**dict(data))


def _per_pair(value, n: int, what: str) -> list:
    values = list(value) if isinstance(value, (list, tuple)) else [value]
    if len(values) == 1:
        return values * n
    if len(values) != n:
        raise ValueError(f"Expected one {what} or one per pair ({n}), got {len(values)}: {values}")
    return values


def parse_pairs(pairs, losses="contrastive", weights=1.0) -> list[Pair]:
    """ml4h's ``--pairs A B [--pairs C D]`` with ``--pair_loss``/``--pair_loss_weight``
    given once for all pairs or once per pair."""
    pairs = [p for p in (pairs or [])]
    out = []
    for p, loss, weight in zip(pairs, _per_pair(losses, len(pairs), "pair loss"),
                               _per_pair(weights, len(pairs), "pair loss weight")):
        if isinstance(p, Pair):
            out.append(p)
            continue
        if len(p) != 2:
            raise ValueError(f"Expected each pair as two tensor names, got {p!r}")
        out.append(Pair(p[0], p[1], loss, weight))
    return out


def _check_encoder(encoder, spec):
    got = tuple(encoder.inputs[0].shape[1:])
    if got != tuple(spec.shape):
        raise ValueError(
            f"Encoder {encoder.name} for tensor {spec.name}: expected input shape "
            f"{tuple(spec.shape)}, got {got}"
        )


def _check_decoder(decoder, spec, width):
    got_in = int(decoder.inputs[0].shape[-1])
    got_out = tuple(decoder.outputs[0].shape[1:])
    if got_in != width or got_out != tuple(spec.shape):
        raise ValueError(
            f"Decoder {decoder.name} for tensor {spec.name}: expected latent width {width} "
            f"→ shape {tuple(spec.shape)}, got {got_in} → {got_out}"
        )


def build_model(
    inputs: Sequence,
    outputs: Sequence,
    *,
    arch=None,
    pairs: Sequence[Pair] = (),
    pair_merge: str | None = None,
    encoders: Mapping[str, Any] | None = None,
    decoders: Mapping[str, Any] | None = None,
    seed: int | None = None,
    name: str = "model",
):
    """Build the training model.

    ``inputs``/``outputs`` are TensorSpecs. ``encoders``/``decoders`` map tensor names to
    prebuilt models (fine-tuning); the rest are built with ``conv_encode``/``conv_decode``
    from ``arch`` (one :class:`Arch`, or a mapping from tensor name to its own; a tensor
    it lacks gets the first entry's). ``pair_merge`` defaults to ``dropout`` when pairs are given and to
    ``concat`` otherwise (several inputs only). Inputs are keyed by ``spec.input_name``,
    outputs by ``spec.output_name`` (the Loader's keys).
    """
    import keras

    # losses and merges define Keras layers at import: imported with Keras, not before
    from zoo.models.losses import PairLoss
    from zoo.models.merges import merge_layer, merged_width

    inputs, outputs = list(inputs), list(outputs)
    if not inputs or not outputs:
        raise ValueError(f"Expected at least one input and one output tensor, got {inputs} → {outputs}")
    encoders, decoders = dict(encoders or {}), dict(decoders or {})
    names = [s.name for s in inputs]
    if len(set(names)) != len(names):
        raise ValueError(f"Expected distinct input tensors, got {names}")
    ml4h_names.check_distinct(inputs)
    ml4h_names.check_distinct(outputs)
    for pair in pairs:
        for end in (pair.a, pair.b):
            if end not in names:
                raise ValueError(f"Pair {pair.a}–{pair.b}: expected {end!r} among the input tensors {names}")

    def arch_of(name):
        if isinstance(arch, Mapping) and arch and all(isinstance(a, Arch) for a in arch.values()):
            return arch.get(name, next(iter(arch.values())))
        return arch

    latents, model_inputs = {}, {}
    for spec in inputs:
        encoder = encoders.get(spec.name) or conv_encode(spec, arch=arch_of(spec.name))
        _check_encoder(encoder, spec)
        x = keras.Input(shape=tuple(spec.shape), name=spec.input_name)
        model_inputs[spec.input_name] = x
        latents[spec.name] = encoder(x)

    for pair in pairs:
        layer = PairLoss(pair.loss, pair.weight, name=f"pair_{pair.loss}_{pair.a}_{pair.b}")
        latents[pair.a], latents[pair.b] = layer([latents[pair.a], latents[pair.b]])

    widths = [int(latents[n].shape[-1]) for n in names]
    if len(inputs) == 1:
        if pair_merge not in (None, ""):
            raise ValueError(f"Expected no pair_merge with a single input tensor, got {pair_merge!r}")
        merged, width = latents[names[0]], widths[0]
    else:
        kind = pair_merge or ("dropout" if pairs else "concat")
        width = merged_width(kind, widths)
        merged = merge_layer(kind, seed=seed, name=f"merge_{kind}")([latents[n] for n in names])

    model_outputs = {}
    for spec in outputs:
        decoder = decoders.get(spec.name) or conv_decode(spec, arch=arch_of(spec.name), latent_dim=width)
        _check_decoder(decoder, spec, width)
        model_outputs[spec.output_name] = decoder(merged)
    return keras.Model(model_inputs, model_outputs, name=name)


def _strip(name: str, kind: str) -> str | None:
    for prefix in ml4h_names.MODEL_PREFIXES[kind]:
        if name.startswith(prefix):
            return name[len(prefix):]
    return None


def _nested(model, kind: str, specs) -> dict[str, Any]:
    import keras

    found = {}
    for layer in model.layers:
        token = _strip(layer.name, kind) if isinstance(layer, keras.Model) else None
        if token is not None:
            found.setdefault(token, layer)
    if specs is None:
        return found
    out = {}
    for spec in specs:
        hit = next((found[t] for t in ml4h_names.block_tokens(spec) if t in found), None)
        if hit is not None:
            out[spec.name] = hit
    return out


def encoders_of(model, specs=None) -> dict[str, Any]:
    """The encoders nested in ``model``: keyed by the token of their name (ml4h's
    ``encode_{tm.name}``, or an earlier run's ``encoder_{name}``), or, given ``specs``, by
    each spec's name."""
    return _nested(model, "encoder", specs)


def decoders_of(model, specs=None) -> dict[str, Any]:
    """The decoders nested in ``model`` (``decode_{tm.name}`` / ``decoder_{name}``), keyed
    like :func:`encoders_of`."""
    return _nested(model, "decoder", specs)


def cross_decoder(encoder, decoder, name: str | None = None):
    """A model that decodes the decoder's tensor from the encoder's tensor (B from A)."""
    import keras

    width_out, width_in = int(encoder.outputs[0].shape[-1]), int(decoder.inputs[0].shape[-1])
    if width_out != width_in:
        raise ValueError(
            f"Cross-decoding {encoder.name} → {decoder.name}: expected equal latent widths, "
            f"got {width_out} and {width_in} (concat/kronecker decoders read merged latents)"
        )
    x = keras.Input(shape=tuple(encoder.inputs[0].shape[1:]), name=encoder.inputs[0].name)
    out = decoder(encoder(x))
    src = _strip(encoder.name, "encoder") or encoder.name
    dst = _strip(decoder.name, "decoder") or decoder.name
    return keras.Model(x, out, name=name or f"cross_{src}_to_{dst}")
