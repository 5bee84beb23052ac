"""Test helpers: a tiny preset built on the spot, and a loopback HTTP mirror with faults.

The server is real (``http.server`` on 127.0.0.1, an ephemeral port, in the test
process); pooch downloads from it exactly as from any mirror. ``faults[path]`` is a list
of modes consumed one request at a time: ``ok``, ``corrupt`` (bytes flipped),
``truncate`` (half the announced body, then the connection closes), ``404``, ``500``,
``stall`` (headers and a few bytes, then silence longer than any client timeout).
"""
from __future__ import annotations

import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np

from fastio.spec import Normalization, TensorSpec
from zoo.presets.record import FileEntry, Preset
from zoo.presets.registry import registry_json

TINY_SHAPE = (8, 4)
TINY_DIM = 3


def tiny_spec(name="tiny") -> TensorSpec:
    return TensorSpec(name=name, group="test", path_prefix="test", dataset=name, shape=TINY_SHAPE,
                      normalization=Normalization("zscore"))


def save_tiny_encoder(path: Path, seed: int = 0) -> Path:
    """A real Keras encoder (8×4 → 3) saved as .keras."""
    import keras

    keras.utils.set_random_seed(seed)
    x = keras.Input(TINY_SHAPE, name="input_tiny_continuous")
    h = keras.layers.Flatten()(x)
    out = keras.layers.Dense(TINY_DIM, activation="tanh", name="embed")(keras.layers.Dense(6, activation="swish")(h))
    model = keras.Model(x, out, name="encoder_tiny")
    path.parent.mkdir(parents=True, exist_ok=True)
    model.save(path)
    return path


def make_preset(files: dict[str, bytes], name="tiny.none.ae", version=1, urls=()) -> Preset:
    """A record for ``files`` (the first is the encoder)."""
    entries = [FileEntry(n, hashlib.sha256(b).hexdigest(), len(b), "encoder" if i == 0 else "registration")
               for i, (n, b) in enumerate(files.items())]
    spec = tiny_spec(name.split(".")[0])
    return Preset(name=name, version=version, source=spec, input=spec, registration={"method": "none", "params": {}},
                  objective="ae", embedding_dim=TINY_DIM, files=tuple(entries), urls=tuple(urls),
                  training={"data": {"kind": "test", "name": "unit test"}})


def write_mirror(root: Path, preset: Preset, files: dict[str, bytes]) -> Path:
    """Lay ``files`` out as a mirror serves them: ``root/files/<ref>/<name>``."""
    folder = root / "files" / preset.ref
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return root


def write_registry(path: Path, presets) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(registry_json(presets), encoding="utf-8")
    return path


def write_raw_registry(path: Path, entries: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"format": 1, "presets": entries}), encoding="utf-8")
    return path


class FaultServer:
    """Serves ``root`` over HTTP on the loopback with per-path faults."""

    def __init__(self, root: Path, stall_seconds: float = 5.0, chunk_delay: float = 0.0):
        self.root = Path(root)
        self.faults: dict[str, list[str]] = {}
        self.hits: dict[str, int] = {}
        self.stall_seconds, self.chunk_delay = stall_seconds, chunk_delay
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_GET(self):
                server.handle(self)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()

    def _mode(self, path: str) -> str:
        with self._lock:
            self.hits[path] = self.hits.get(path, 0) + 1
            queue = self.faults.get(path)
            return queue.pop(0) if queue else "ok"

    def handle(self, h: BaseHTTPRequestHandler) -> None:
        from urllib.parse import unquote

        path = unquote(h.path)
        mode = self._mode(path)
        target = self.root / path.lstrip("/")
        if mode in ("404", "500") or not target.is_file():
            code = 500 if mode == "500" else 404
            h.send_response(code)
            h.send_header("Content-Length", "0")
            h.end_headers()
            return
        data = target.read_bytes()
        if mode == "corrupt":
            data = bytes(b ^ 0xFF for b in data[:16]) + data[16:]
        h.send_response(200)
        h.send_header("Content-Type", "application/octet-stream")
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        try:
            if mode == "truncate":
                h.wfile.write(data[: len(data) // 2])
                h.wfile.flush()
                h.close_connection = True
                return
            if mode == "stall":
                h.wfile.write(data[:8])
                h.wfile.flush()
                time.sleep(self.stall_seconds)
                return
            step = max(1, len(data) // 8) if self.chunk_delay else len(data)
            for a in range(0, len(data), step):
                h.wfile.write(data[a:a + step])
                h.wfile.flush()
                if self.chunk_delay:
                    time.sleep(self.chunk_delay)
        except (BrokenPipeError, ConnectionResetError):
            pass


def zscore(x: np.ndarray) -> np.ndarray:
    """The loader's per-sample z-score (ml4h's epsilon on the SD)."""
    x = x.astype(np.float64)
    axes = tuple(range(1, x.ndim))
    mu = x.mean(axis=axes, keepdims=True)
    sd = x.std(axis=axes, keepdims=True)
    return ((x - mu) / (sd + 1e-6)).astype(np.float32)
