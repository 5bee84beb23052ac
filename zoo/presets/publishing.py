"""``zoo presets publish RUN_DIR --name N --version V --out MIRROR``: a trained recipe run
→ preset files, a registry entry and a model card.

The run directory (``zoo train`` output) gives the encoder and the training store; the
store's registration attributes and work folder give the method, its parameters and the
fitted state (template, network weights) that ``embed()`` reloads. A mirror is laid out
like the package: ``MIRROR/registry.json``, ``MIRROR/files/<name>@<version>/``,
``MIRROR/model_cards/<name>@<version>.md`` (``--cards`` puts cards elsewhere). A version
is published once: an existing ``name@version`` is an error, never overwritten.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import tempfile
from pathlib import Path

import numpy as np

from fastio.catalogue import short_name
from fastio.safefs import atomic_output, atomic_write_text, remove_owned
from fastio.spec import Normalization
from fastio.store import open_store
from zoo.models import load_model
from zoo.presets.cards import render_card
from zoo.presets.fetching import sha256_of
from zoo.presets.record import FileEntry, Preset, check_preset_name
from zoo.presets.registry import read_registry_file, registry_json
from zoo.recipes.inference import find_encoder
from zoo.registration.pipeline import work_dir_for
from zoo.reproduce.convergence import Convergence

__all__ = ["publish", "preset_name", "run_facts", "training_fingerprint"]

ENCODER_FILE = "encoder.keras"
# the state files a registration step reloads from its work folder (steps.py, learned_steps.py)
_STATE_FILES = ("template.npy", "model.weights.h5")
_ARCH_KEYS = ("encoder_blocks", "activation", "conv_layers", "conv_width", "conv_x", "conv_y", "conv_z",
              "dense_blocks", "dense_layers", "block_size", "pool_type", "pool_x", "pool_y", "pool_z",
              "dense_normalize", "dropout", "bottleneck_type", "pair_merge", "pair_loss", "pair_loss_weight")


def _read_json(path: Path) -> dict:
    if not path.is_file():
        raise ValueError(f"{path}: expected this file of a finished `zoo train` run, found none")
    return json.loads(path.read_text(encoding="utf-8"))


def run_facts(run_dir: str | Path) -> tuple[dict, dict]:
    """(arguments, train summary) of a recipe run directory."""
    run_dir = Path(run_dir)
    summary = next(iter(sorted(run_dir.glob("train_summary_*.json"))), None)
    if summary is None:
        raise ValueError(f"{run_dir}: expected a `zoo train` run directory (train_summary_<id>.json), found none")
    run_id = summary.name[len("train_summary_"):-len(".json")]
    return _read_json(run_dir / f"arguments_{run_id}.json"), _read_json(summary)


def _convergence(args: dict, summary: dict) -> dict:
    """Whether the training converged, from its validation-loss curve (``zoo.reproduce.
    convergence``): ``max_epochs``, ``convergence`` (stopped early / still improving / flat
    at the cap / too short to tell) and, for a training that used every epoch,
    ``val_loss_fall`` over its last ``patience`` epochs. Nothing for a run that recorded
    no curve."""
    curve = (summary.get("history") or {}).get("val_loss")
    cap, patience = args.get("epochs"), args.get("patience")
    if not curve or not cap or not patience:
        return {}
    run = Convergence(str(args.get("id")), (np.asarray(curve, dtype=float),), int(cap), int(patience))
    out = {"max_epochs": int(cap), "convergence": run.status}
    if run.gains:
        out["val_loss_fall"] = {"over_epochs": int(patience), "fall": round(float(run.gains[0]), 4)}
    return out


def _encoder(args: dict, spec, run_dir: Path):
    """The run's trained encoder of ``spec``, found as `zoo infer` finds it (the recipe owns
    the file names), so a preset ships exactly the model inference would use."""
    return find_encoder(argparse.Namespace(**{**args, "encoder_blocks": [], "model_file": None}), spec, run_dir)


def _resolved_normalization(store, tensor: str) -> Normalization:
    norm = store.spec(tensor).normalization
    if norm.kind != "dataset_zscore":
        return norm
    stats = store.stats(tensor)
    return Normalization("standardize", float(stats["mean"]), float(stats["std"]))


def _fingerprint(store, tensor: str) -> str:
    """sha256 over the sample ids and float32 values of the encoder's training tensor."""
    h = hashlib.sha256()
    present, ids, arr = store.present(tensor), store.sample_ids, store[tensor]
    for block in range(store.n_blocks()):
        a, b = store.block_range(block)
        rows = np.flatnonzero(present[a:b])
        if rows.size:
            values = np.ascontiguousarray(np.asarray(arr[a:b], dtype=np.float32)[rows])
            h.update("\n".join(ids[a + r] for r in rows).encode())
            h.update(values.tobytes())
    return h.hexdigest()


def _objective(args: dict, tensor: str) -> str:
    inputs = [short_name(t) for t in args["input_tensors"]]
    if len(inputs) == 1:
        return "ae"
    partners = [t for t in inputs if t != tensor]
    merge = {"dropout": "dropfuse"}.get(args.get("pair_merge"), args.get("pair_merge") or "pair")
    return f"{merge}_{'_'.join(partners)}"


def _registration(store, tensor: str) -> tuple[dict, str, Path | None]:
    """(registration record, source tensor, work folder) of the encoder's input tensor."""
    info = dict(store[tensor].attrs.get("registration") or {})
    config = dict(info.get("config") or {})
    if not config:
        return {"method": "none", "params": {}}, tensor, None
    source = config["source"]
    if dict(store[source].attrs.get("registration") or {}):
        raise ValueError(f"{store.path}: {tensor} registers {source}, itself registered; publishing a chain "
                         "of registrations is not supported (register the stored source tensor)")
    params = {k: v for k, v in config.items() if k not in ("method", "source", "out")}
    return {"method": config["method"], "params": params, "fit": info.get("fit", {})}, source, \
        work_dir_for(store.path, tensor)


def _run_tensor(run_dir: Path, tensor: str | None):
    """(arguments, train summary, inputs, tensor, training store) of one encoder of a run."""
    args, summary = run_facts(run_dir)
    inputs = [short_name(t) for t in args["input_tensors"]]
    tensor = short_name(tensor) if tensor else inputs[0]
    if tensor not in inputs:
        raise ValueError(f"{run_dir}: expected --tensor among the run's inputs {inputs}, got {tensor!r}")
    return args, summary, inputs, tensor, open_store(summary["store"])


def preset_name(run_dir, tensor: str | None = None) -> str:
    """The default name ``<source>.<method>.<objective>`` of a run's encoder of ``tensor``."""
    args, _, _, tensor, store = _run_tensor(Path(run_dir), tensor)
    registration, source, _ = _registration(store, tensor)
    return f"{source}.{registration['method']}.{_objective(args, tensor)}"


def training_fingerprint(run_dir, tensor: str | None = None) -> str:
    """The data fingerprint a preset of this run's encoder of ``tensor`` records."""
    _, _, _, tensor, store = _run_tensor(Path(run_dir), tensor)
    return _fingerprint(store, tensor)


def _bundle(args: dict, store, tensor: str, work: Path | None, run_dir: Path,
            staging: Path) -> list[tuple[str, Path, str]]:
    """(file name, path, role) of every file a preset of ``tensor``'s encoder bundles: the
    encoder re-saved into ``staging``, then the registration's state files."""
    encoder_path = staging / ENCODER_FILE
    _encoder(args, store.spec(tensor), run_dir).save(encoder_path)
    sources = [(ENCODER_FILE, encoder_path, "encoder")]
    if work is not None:
        sources += [(f, work / f, "registration") for f in _STATE_FILES if (work / f).is_file()]
    return sources


def bundled_sizes(run_dir, tensor: str | None = None) -> dict[str, int]:
    """Bytes of each file a preset of ``tensor``'s encoder in ``run_dir`` would bundle (the
    encoder staged in a temporary folder of our own): checked before publishing a batch."""
    run_dir = Path(run_dir)
    args, _, _, tensor, store = _run_tensor(run_dir, tensor)
    _, _, work = _registration(store, tensor)
    with tempfile.TemporaryDirectory(prefix="regzoo-bundle-") as staging:
        return {name: path.stat().st_size for name, path, _ in _bundle(args, store, tensor, work, run_dir,
                                                                       Path(staging))}


def publish(run_dir, *, version: int, out, name: str | None = None, tensor: str | None = None,
            cards=None, metrics: dict | None = None, data: dict | None = None, command: str = "",
            evaluation: str = "", description: str = "", license: str = "Apache-2.0",
            urls=(), max_file_size: int | None = None) -> Preset:
    """Publish one encoder of a finished run; returns the new record. With
    ``max_file_size`` (bytes), a larger file is an error before anything is written."""
    run_dir, out = Path(run_dir), Path(out)
    cards = Path(cards) if cards is not None else out / "model_cards"
    args, summary, inputs, tensor, store = _run_tensor(run_dir, tensor)
    registration, source, work = _registration(store, tensor)
    name = name or f"{source}.{registration['method']}.{_objective(args, tensor)}"
    check_preset_name(name)
    registry_path = out / "registry.json"
    existing = read_registry_file(registry_path) if registry_path.is_file() else []
    if any(p.name == name and p.version == int(version) for p in existing):
        raise ValueError(f"{registry_path}: {name}@{version} is already published; versions are immutable "
                         "(publish a new --version)")

    out.mkdir(parents=True, exist_ok=True)
    # a staging folder of our own (removed below): the encoder re-saved from the model that
    # `zoo infer` would load
    staging = Path(tempfile.mkdtemp(prefix=".publish-", dir=out))
    try:
        sources = _bundle(args, store, tensor, work, run_dir, staging)
        model = load_model(sources[0][1])  # safe mode: refuses Lambda layers and pickles
        input_spec = store.spec(tensor).replace(normalization=_resolved_normalization(store, tensor))
        if tuple(model.inputs[0].shape[1:]) != tuple(input_spec.shape):
            raise ValueError(f"{run_dir}: encoder input shape {tuple(model.inputs[0].shape[1:])} does not match "
                             f"tensor {tensor} {tuple(input_spec.shape)} of {store.path}")
        arch = {k: args[k] for k in _ARCH_KEYS if args.get(k) is not None
                and (len(inputs) > 1 or not k.startswith("pair_"))}
        if isinstance(arch.get("bottleneck_type"), list):  # one per input: this encoder's own
            kinds = arch["bottleneck_type"]
            arch["bottleneck_type"] = kinds[inputs.index(tensor)] if len(kinds) == len(inputs) else kinds[0]
        arch["parameters"] = int(model.count_params())
        training = {
            "command": command, "run_id": args["id"], "seed": args.get("random_seed"),
            "epochs_run": summary.get("epochs_run"), "best_epoch": summary.get("best_epoch"),
            "best_val_loss": summary.get("best_val_loss"), "n_train": summary.get("n_train"),
            "n_valid": summary.get("n_valid"), "partners": [t for t in inputs if t != tensor],
            "data": {**(data or {}), "fingerprint": _fingerprint(store, tensor)},
        }
        training.update(_convergence(args, summary))
        if evaluation:
            training["evaluation"] = evaluation
        ref = f"{name}@{int(version)}"
        files = [FileEntry(f, sha256_of(p), p.stat().st_size, role) for f, p, role in sources]
        too_big = [f"{f.name} ({f.size} bytes)" for f in files if max_file_size is not None and f.size > max_file_size]
        if too_big:
            raise ValueError(f"{run_dir}: expected every file of {ref} at most {max_file_size} bytes, got "
                             f"{', '.join(too_big)}")
        preset = Preset(
            name=name, version=int(version), source=store.spec(source), input=input_spec,
            registration=registration, objective=name.split(".")[2], embedding_dim=int(model.outputs[0].shape[-1]),
            files=tuple(files), architecture=arch, license=license, urls=tuple(urls), training=training,
            metrics=metrics or {}, description=description,
        )
        folder = out / "files" / ref
        folder.mkdir(parents=True, exist_ok=True)
        for (fname, path, _), entry in zip(sources, files):
            with atomic_output(folder / fname) as tmp:
                shutil.copyfile(path, tmp)
                if sha256_of(tmp) != entry.sha256:
                    raise ValueError(f"{path}: changed while being published (sha256 mismatch)")
        cards.mkdir(parents=True, exist_ok=True)
        atomic_write_text(cards / f"{ref}.md", render_card(preset))
        # the registry last: an entry exists only once its files and card do
        atomic_write_text(registry_path, registry_json([*existing, preset]))
        return preset
    finally:
        remove_owned(staging, marker=None, what="publish staging folder")
