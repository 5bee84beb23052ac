"""Store-to-store registration: ``register_store`` reads a tensor, registers every present
sample and writes the result (plus transforms/flows/phases) back as new tensors.

Resumable like conversion: blocks are whole shards, each written at most once, and the
fitted state (template, trained weights) lives in a work folder beside the store
(``STORE.registration/<out>/``) so a rerun after a kill applies exactly the same transform.
Samples a method cannot register are stored absent and recorded, with the reason, in the
store's failures table (staged per block under the source ``register:<out>``, so they
never erase conversion's rows) and in the output's ``attrs["registration"]["failures"]`` —
nothing is skipped silently.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

from fastio.safefs import atomic_write_text, remove_owned
from fastio.store import open_store
from fastio.versions import versions
from zoo.registration.methods import get_method
from zoo.registration.plots import before_after

__all__ = ["WORK_MARKER", "check_tensor_name", "register_store", "work_dir_for"]

# the libraries whose versions a registration records beside its output
_LIBRARIES = ("regzoo", "numpy", "opencv-python-headless", "keras", "tensorflow-cpu", "scipy")

# Written into every work folder this module creates; --overwrite removes only folders
# that carry it (a folder of user files at the same path is never ours to delete).
WORK_MARKER = ".zoo-registration.json"
# A tensor name becomes a folder name inside the store and beside it (the work folder):
# no separators, no leading dot (so never '.' or '..'), nothing a shell would mangle.
_TENSOR_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


def check_tensor_name(name, what: str = "output tensor name") -> str:
    """Return ``name`` if it is a plain tensor name, else raise ``ValueError``."""
    if not isinstance(name, str) or not _TENSOR_NAME.fullmatch(name):
        raise ValueError(f"Expected an {what} of letters, digits, '_', '-' or '.' (not starting "
                         f"with '.', no '/'), got {name!r}")
    return name


def work_dir_for(store_path, out_tensor: str) -> Path:
    """Where the fitted state and pictures of one registered tensor live."""
    store_path = Path(store_path)
    return store_path.parent / f"{store_path.name}.registration" / out_tensor


def _sampler(store, tensor: str, seed: int):
    """``sample(k)``: up to ``k`` present rows, chosen at random but reproducibly; rows
    holding NaN or infinite values are left out (they are recorded as failures instead)."""

    def sample(limit: int) -> np.ndarray:
        present = np.flatnonzero(store.present(tensor))
        rng = np.random.default_rng(seed)
        if len(present) > limit:
            present = np.sort(rng.choice(present, limit, replace=False))
        arr = store[tensor]
        rows = []
        s = store.shard_size()
        for block in np.unique(present // s):
            a, b = store.block_range(int(block))
            values = np.asarray(arr[a:b], dtype=np.float32)
            rows.extend(values[i - a] for i in present[(present >= a) & (present < b)]
                        if np.isfinite(values[i - a]).all())
        return np.stack(rows) if rows else np.zeros((0, *store.spec(tensor).shape), np.float32)

    return sample


def _finite_rows(values) -> np.ndarray:
    """Per row: are all its values finite? (A NaN is never stored as a registered sample.)"""
    values = np.asarray(values)
    return np.isfinite(values.reshape(len(values), -1)).all(axis=1)


def _config(method, tensor, out, options) -> dict:
    return {"method": method, "source": tensor, "out": out,
            **{k: v for k, v in sorted(options.items()) if k not in ("threads",)}}


def _output_specs(store, step, spec, out, config, overwrite):
    """``(out_spec, extras, reuse)``, checked before anything is written or removed:
    without ``overwrite`` an output from another registration is an error (``reuse`` when it
    is this one, complete with its extras); with it, only tensors registration wrote may go."""
    out_spec = step.out_spec(spec, out)
    extras = step.extra_specs(spec, out)
    names = [out_spec.name] + [e.name for e in extras]
    for name in names:
        check_tensor_name(name)
        if overwrite and name in store and "registration" not in store[name].attrs:
            raise ValueError(f"{store.path}: tensor {name!r} was not written by zoo register; "
                             f"refusing to overwrite it (choose another --out-tensor)")
    if out in store and not overwrite:
        previous = dict(store[out].attrs.get("registration", {})).get("config")
        if previous != json.loads(json.dumps(config, default=str)):
            raise ValueError(
                f"{store.path}: tensor {out!r} exists from a different registration ({previous}); "
                f"pass overwrite=True (--overwrite) or choose another --out-tensor"
            )
        if all(n in store for n in names):
            return out_spec, extras, True
    return out_spec, extras, False


def _prepare_work(store, work: Path, out: str, overwrite: bool) -> None:
    """Create the work folder (with its marker); on ``overwrite`` first remove one we wrote."""
    if overwrite and (work.exists() or work.is_symlink()):
        remove_owned(work, marker=WORK_MARKER, what="registration work folder", sources=[store.path])
    if not work.exists():
        work.mkdir(parents=True)
        atomic_write_text(work / WORK_MARKER, json.dumps({"store": str(store.path), "out": out}) + "\n")
    elif not work.is_dir():
        raise ValueError(f"{work}: expected the registration work folder, found a file")


def register_store(store_path, method: str, tensor: str, *, out_tensor: str | None = None,
                   template=None, overwrite: bool = False, progress: bool = True, plot: bool = True,
                   plot_subjects: int = 4, seed: int = 0, **options) -> dict:
    """Register ``tensor`` of the store at ``store_path`` into a new tensor of the same store
    (``zoo register``); resumable: a rerun continues with the blocks not yet written.

    Args:
        store_path: a fastio store (``fastio.convert``), opened for writing.
        method: a name in :data:`~zoo.registration.methods.METHODS`.
        tensor: the source tensor.
        out_tensor: the output's name (default ``{tensor}_registered``).
        template: for the template methods, a tensor of the store (its mean is the
            template) or a ``.npy``/image file; default: built from the data.
        overwrite: replace an output that another registration wrote (without it, an
            error); a tensor ``zoo register`` did not write is never replaced.
        progress: show a progress bar.
        plot: write a before/after picture into the work folder.
        plot_subjects: subjects in that picture.
        seed: the seed of the fit (the subjects sampled, learned weights).
        **options: the method's options (its ``Options`` dataclass, e.g. ``transform``,
            ``iterations``, ``threads``, ``max_fit`` for template/homography; ``fs``,
            ``out_len`` for median_beat; ``epochs``, ``steps``, ``batch_size`` for the
            learned methods); ``None`` means the default, an option the method does not
            take is a ``ValueError``.

    Returns:
        The summary (also stored in the output's attrs): ``config``, ``n_registered``,
        ``n_source_present``, ``failures`` (one record per sample the method could not
        register), ``extras`` (the tensors written beside the output), ``work_dir``.

    Example:
        >>> import fastio, zoo
        >>> cohort = zoo.generate("phantom", n=20, n_variants=1000, progress=False, workers=1)
        >>> _ = fastio.convert(cohort.hd5_dir, "phantom.zarr", ["ecg_rest"], scale="quick",
        ...                    workers=1, executor="thread", progress=False)
        >>> summary = zoo.register_store("phantom.zarr", "median_beat", "ecg_rest",
        ...                              progress=False, plot=False)
        >>> summary["n_registered"], summary["failures"]
        (20, [])
    """
    chosen = get_method(method)
    options = {k: v for k, v in {**options, "template": template}.items() if v is not None}
    parsed = chosen.parse(options)
    out = check_tensor_name(f"{tensor}_registered" if out_tensor is None else out_tensor)
    store = open_store(store_path, mode="r+")
    if tensor not in store:
        raise ValueError(f"{store.path}: no tensor {tensor!r} to register; tensors are {store.tensors}")
    if out == tensor:
        raise ValueError(f"{store.path}: expected an output tensor name other than the source {tensor!r}")
    spec = store.spec(tensor)
    # the config as recorded since format 1: the options given, plus template and seed
    config = _config(method, tensor, out, {**options, "template": template, "seed": seed})
    was_complete = store.complete
    step = chosen.step(parsed, seed=seed)
    work = work_dir_for(store.path, out)
    out_spec, extras, reuse = _output_specs(store, step, spec, out, config, overwrite)
    _prepare_work(store, work, out, overwrite)
    if not reuse:
        attrs = {"registration": {"config": config, "versions": versions(*_LIBRARIES), "complete": False}}
        for s in [out_spec, *extras]:
            store.create_tensor(s, attrs=attrs, overwrite=True)
    step.fit(store, tensor, spec, work, _sampler(store, tensor, seed), progress)

    present_all = store.present(tensor)
    done = store.written(out)
    blocks = [b for b in range(store.n_blocks()) if not done[b]]
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=store.n_blocks(), initial=store.n_blocks() - len(blocks), desc=f"register {method}",
                   unit="block")
    source = store[tensor]
    files = store.source_files
    writer = f"register:{out}"
    for block in blocks:
        a, b = store.block_range(block)
        mask = present_all[a:b].copy()
        values = np.asarray(source[a:b], dtype=np.float32)
        out_values = np.zeros((b - a, *out_spec.shape), np.float32)
        extra_values = {e.name: np.zeros((b - a, *e.shape), np.float32) for e in extras}
        failures = []

        def fail(row, reason):
            mask[row] = False
            failures.append({"sample_id": store.sample_ids[a + row], "file": files[a + row] if files else "",
                             "tensor": out, "reason": reason})

        for row in np.flatnonzero(mask & ~_finite_rows(values)):
            fail(row, f"{method}: the source sample holds NaN or infinite values")
        rows = np.flatnonzero(mask)
        if rows.size:
            registered, extra, reasons = step.apply(values[rows])
            finite = _finite_rows(registered) & np.logical_and.reduce(
                [_finite_rows(v) for v in extra.values()], initial=True)
            for j, row in enumerate(rows):
                if reasons[j] is not None:
                    fail(row, reasons[j])
                elif not finite[j]:
                    fail(row, f"{method}: the registered sample holds NaN or infinite values")
            out_values[rows] = registered
            for key, vals in extra.items():
                extra_values[f"{out}_{key}"][rows] = vals
        # Failures first, then extras, then the output: its written marker is what a rerun trusts.
        store.stage_failures(block, failures, source=writer)
        for e in extras:
            store.write_block(e.name, a, extra_values[e.name], mask)
        store.write_block(out, a, out_values, mask)
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()

    failures = [r for b in range(store.n_blocks()) for r in store.staged_sources(b).get(writer, [])]
    store.finalize_failures()
    stats = {name: store.finalize_tensor(name) for name in [out, *[e.name for e in extras]]}
    summary = {
        "config": config,
        "versions": versions(*_LIBRARIES),
        "complete": True,
        "options": parsed.to_dict(),  # every option, defaults included
        "fit": step.describe(),
        "n_registered": int(store.present(out).sum()),
        "n_source_present": int(present_all.sum()),
        "failures": failures,
        "extras": [e.name for e in extras],
        "work_dir": str(work),
    }
    if plot:
        picture = before_after(store, tensor, out, method, work / f"{out}_before_after.png",
                               n_subjects=plot_subjects, template=getattr(step, "template", None))
        summary["plot"] = str(picture) if picture else None
    for name in [out, *[e.name for e in extras]]:
        store[name].attrs["registration"] = {**summary, "stats": stats[name]}
    if was_complete:
        store.mark_complete(True)
    return summary
