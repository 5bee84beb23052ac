"""Train the same network again (another seed, another cohort) without tracing it again.

Most of a small model's training time on a CPU is fixed cost: Keras traces its train and
test functions on the first batch (2-5 s on two cores for the ``zoo reproduce --quick``
models, more than their whole training). A process that trains many models of a few
architectures (``zoo reproduce``: each model × seeds × nuisance levels) can keep the first
compiled model of each architecture and, for the next training of that architecture, load
the new model's initial state into it: every variable (weights and the seed generators'
states) from the freshly built model, and the optimizer's from a fresh optimizer. The
traced functions then run again, and the training computes what a fresh model would
(``tests/zoo/recipes/test_reuse.py`` checks identical latents).

Off unless :func:`enable` was called in the process; only models built from flags (not
``--model_file``) are reused.
"""
from __future__ import annotations

import json

__all__ = ["enable", "disable", "compiled"]

_models: dict[str, object] | None = None  # architecture key -> compiled model; None: off


def enable() -> None:
    global _models
    if _models is None:
        _models = {}


def disable() -> None:
    global _models
    _models = None


def compiled(fresh, make_optimizer, compile_options: dict):
    """``fresh`` compiled with ``make_optimizer()`` and ``compile_options``, or, when reuse
    is on and a model of the same architecture and compile options was compiled in this
    process before, that model holding ``fresh``'s initial state (and its name)."""
    if _models is None:
        fresh.compile(optimizer=make_optimizer(), **compile_options)
        return fresh
    optimizer = make_optimizer()
    key = _key(fresh, optimizer, compile_options)
    kept = _models.get(key)
    if kept is None:
        fresh.compile(optimizer=optimizer, **compile_options)
        _models[key] = fresh
        return fresh
    _load_state(kept.variables, fresh.variables, "model")
    optimizer.build(kept.trainable_variables)  # the initial moments, step count and rate
    _load_state(kept.optimizer.variables, optimizer.variables, "optimizer")
    # a random layer's seed is part of its config (a saved file records it), while its
    # draws come from its seed generator's state, loaded above
    for mine, theirs in zip(_layers(kept), _layers(fresh)):
        if hasattr(theirs, "seed"):
            mine.seed = theirs.seed
    kept.name = fresh.name
    if _config(kept) != _config(fresh):
        raise RuntimeError(f"reusing a compiled model for {fresh.name}: its configuration differs from the "
                           "freshly built one's")
    kept.stop_training = False
    return kept


def _layers(model) -> list:
    return list(model._flatten_layers(include_self=False, recursive=True))


def _config(model) -> str:
    return json.dumps(model.get_config(), sort_keys=True, default=repr)


def _key(model, optimizer, compile_options: dict) -> str:
    """What must match to reuse a model: its configuration but for its name and the
    seeds of its layers, the optimizer's and the compile options."""
    config = _without_seeds({k: v for k, v in model.get_config().items() if k != "name"})
    return json.dumps([config, optimizer.get_config(), compile_options], sort_keys=True, default=repr)


def _without_seeds(value):
    if isinstance(value, dict):
        return {k: _without_seeds(v) for k, v in value.items() if k != "seed"}
    if isinstance(value, list):
        return [_without_seeds(v) for v in value]
    return value


def _load_state(targets, sources, what: str) -> None:
    targets, sources = list(targets), list(sources)
    if len(targets) != len(sources) or any(tuple(t.shape) != tuple(s.shape) for t, s in zip(targets, sources)):
        raise RuntimeError(f"reusing a compiled model: expected the fresh {what}'s variables to match the kept "
                           f"one's, got {len(sources)} vs {len(targets)}")
    for target, source in zip(targets, sources):
        target.assign(source)
