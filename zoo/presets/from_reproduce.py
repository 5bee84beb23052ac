"""``zoo presets build --from-reproduce RUN_DIR``: publish the encoders of a finished
``zoo reproduce`` run, with the run's own measurements on their cards.

For every model of the run's main nuisance level (``zoo.reproduce.plan.MODELS``), the
seed-0 encoder of each latent space is published by :func:`~zoo.presets.publishing.publish`
(so its registration state — template, VoxelMorph/DeepCycle weights — travels with it), as
``<tensor>.<registration>.<objective>``. A name the target registry (or the installed one:
the package's plus ``ZOO_REGISTRY``) already knows gets its next version, a new name
version 1; nothing is overwritten. A space already published under that name from the
same training (run, command, data fingerprint and outcome) is skipped, so an interrupted
command resumes by running it again, and after a resumed ``zoo reproduce`` retrained some
models only those get new versions.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from zoo.presets.publishing import bundled_sizes, preset_name, publish, run_facts, training_fingerprint
from zoo.presets.registry import load_registry, read_registry_file
from zoo.presets.reproduce_run import ReproduceRun, reproduce_command, space_metrics

__all__ = ["publish_reproduce", "next_version", "MAX_FILE_BYTES"]

# the zoo's size rule: each bundled file at most 1 MB (25 MB for every shipped preset)
MAX_FILE_BYTES = 1_000_000


def next_version(name: str, presets) -> int:
    """1 + the newest version of ``name`` among ``presets`` (1 for a new name)."""
    return 1 + max((p.version for p in presets if p.name == name), default=0)


def _same_run(preset, facts: tuple[dict, dict], command: str, fingerprint_of: Callable[[], str]) -> bool:
    """Was ``preset`` published from this very training? The run id and command repeat
    when a resumed ``zoo reproduce`` retrains a model the plan changed, so the training's
    own outcome (best validation loss, epochs run) must match too."""
    training, (args, summary) = preset.training, facts
    return (training.get("run_id") == args["id"] and training.get("command") == command
            and training.get("best_val_loss") == summary.get("best_val_loss")
            and training.get("epochs_run") == summary.get("epochs_run")
            and training.get("data", {}).get("fingerprint") == fingerprint_of())


def publish_reproduce(run_dir, publish_to, cards=None, *, say: Callable[[str], None] = print) -> list:
    """Publish every latent space of the finished reproduce run in ``run_dir`` into the
    mirror ``publish_to`` (cards into ``cards``, default ``publish_to/model_cards``).
    Returns the records published now (skipped ones not included)."""
    run = ReproduceRun.open(run_dir)
    mirror = Path(publish_to)
    registry_path = mirror / "registry.json"
    command = reproduce_command(run.settings)
    data, evaluation = run.data(), run.evaluation()
    installed = load_registry().presets()

    def earlier(run_path: Path, tensor: str) -> list:
        target = read_registry_file(registry_path) if registry_path.is_file() else []
        pname, facts = preset_name(run_path, tensor), run_facts(run_path)
        return [p for p in target if p.name == pname and _same_run(
            p, facts, command, lambda: training_fingerprint(run_path, tensor))]

    # each space with what it was already published as (read once: publishing one space adds
    # no entry under another's name)
    spaces = [(model, path, tensor, earlier(path, tensor)) for model in run.main.models
              for path in [run.run_dir(model.name, 0)] for tensor in model.inputs]
    # every file checked before the first is published: a batch that cannot all go in leaves
    # the mirror as it was, not with its first few versions published for good
    too_big = [f"{run_path.name} {tensor}: {name} ({size} bytes)" for _, run_path, tensor, done in spaces
               if not done for name, size in bundled_sizes(run_path, tensor).items() if size > MAX_FILE_BYTES]
    if too_big:
        raise ValueError(f"{run.root}: expected every file a preset bundles at most {MAX_FILE_BYTES} bytes, got "
                         f"{'; '.join(too_big)}; nothing was published")
    published = []
    for model, run_path, tensor, done in spaces:
        name = tensor if not model.dropfuse else f"{tensor}@{model.name}"
        if done:
            say(f"{name}: already published from this run as {done[0].ref}, skipped")
            continue
        target = read_registry_file(registry_path) if registry_path.is_file() else []
        pname = preset_name(run_path, tensor)
        preset = publish(run_path, version=next_version(pname, target + installed), out=mirror, tensor=tensor,
                         name=pname, cards=cards, metrics=space_metrics(run, name), data=data, command=command,
                         evaluation=evaluation, max_file_size=MAX_FILE_BYTES)
        published.append(preset)
        say(f"{name}: published {preset.ref} ({sum(f.size for f in preset.files) / 1e6:.2f} MB in "
            f"{len(preset.files)} files)")
    total = sum(f.size for p in published for f in p.files)
    say(f"{len(published)} presets published into {mirror}: {total / 1e6:.2f} MB in all")
    return published

