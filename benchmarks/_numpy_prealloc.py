"""Plain numpy with no avoidable work, for the two ECG kernels of ``test_loader.py``'s
kernel benchmark: the same float64 arithmetic as ``fastio._kernels.numpy_ref`` (so the
same outputs), but normalisation, amplitude and intensity folded into one multiply-add,
the roll done by slicing and every buffer allocated once. ``numpy_ref`` is ordinary numpy
(fresh float64 temporaries per call, page faults included); quoting the kernels against
this as well shows how much of their speed-up is more than avoided allocation."""
from __future__ import annotations

import numpy as np

F64 = np.float64


class Prealloc:
    """Buffers for one sample shape; each method returns ``self.out`` (overwritten by the
    next call)."""

    def __init__(self, shape: tuple[int, ...]):
        self.acc = np.empty(shape)
        self.noise = np.empty(shape)
        self.out = np.empty(shape, np.float32)

    def _finish(self, sigma, table, offset):
        if sigma:
            np.multiply(table[offset:offset + self.acc.size].reshape(self.acc.shape), sigma,
                        out=self.noise, dtype=F64)
            self.acc += self.noise
        np.copyto(self.out, self.acc, casting="same_kind")
        return self.out

    def pointwise(self, src, mu, inv_sd, scale=1.0, shift=0.0, sigma=0.0, table=None, offset=0):
        a = inv_sd * scale
        np.multiply(src, a, out=self.acc, dtype=F64)
        self.acc += shift - mu * a
        return self._finish(sigma, table, offset)

    def shift1d(self, src, roll, chan_scale, mu, inv_sd, scale=1.0, shift=0.0, sigma=0.0,
                table=None, offset=0):
        a = inv_sd * np.asarray(chan_scale, dtype=F64) * scale
        b = shift - mu * a
        n = src.shape[0]
        r = int(roll) % n
        np.multiply(src[:n - r], a, out=self.acc[r:], dtype=F64)
        np.multiply(src[n - r:], a, out=self.acc[:r], dtype=F64)
        self.acc += b
        return self._finish(sigma, table, offset)
