"""``median_beat``: a 12-lead strip (samples, leads) → its median beat (round(1.2 fs),
leads), R peak at one third of the window (:mod:`zoo.registration.ecg`)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from fastio.catalogue import ECG_LEADS
from zoo.registration.method import STRIP, Method, Options, option
from zoo.registration.steps import extra_spec

if TYPE_CHECKING:  # annotations only; numpy itself loads where a step runs
    import numpy as np

__all__ = ["METHOD", "MedianBeatOptions", "MedianBeatStep"]


@dataclass(frozen=True)
class MedianBeatOptions(Options):
    fs: float | None = option(None, "sampling rate in Hz (default: samples / 10 s)", minimum=1.0)
    out_len: int | None = option(None, "resample the beat to this length", minimum=1)


class MedianBeatStep:
    method = "median_beat"

    def __init__(self, options: MedianBeatOptions, strip_seconds: float = 10.0):
        self.fs, self.out_len, self.strip_seconds = options.fs, options.out_len, strip_seconds

    def _fs(self, spec) -> float:
        return float(self.fs) if self.fs else spec.shape[0] / self.strip_seconds

    def describe(self) -> dict:
        return {"fs": self.fs, "out_len": self.out_len, "strip_seconds": self.strip_seconds,
                "r_position": "index round(len/3) of the window"}

    def out_spec(self, spec, out):
        from zoo.registration.ecg import beat_window  # numpy: loaded when a step runs

        STRIP.check(spec, self.method)
        self.fs = self._fs(spec)
        length = self.out_len or beat_window(self.fs)[0]
        leads = spec.shape[1]
        dataset = tuple(f"median_{lead}" for lead in ECG_LEADS) if leads == len(ECG_LEADS) else out
        return spec.replace(name=out, shape=(length, leads), dataset=dataset,
                            description=f"median beat of {spec.name} (R peak at one third of the window)")

    def extra_specs(self, spec, out):
        return [extra_spec(spec, f"{out}_heart_rate", (1,), "heart rate (bpm) from the median RR interval")]

    def fit(self, store, tensor, spec, work, sample, progress) -> None:
        self.fs = self._fs(spec)

    def apply(self, values: np.ndarray):
        import numpy as np

        from zoo.registration.ecg import beat_window, median_beat

        length = self.out_len or beat_window(self.fs)[0]
        out = np.zeros((len(values), length, values.shape[-1]), np.float32)
        rate = np.zeros((len(values), 1), np.float32)
        reasons = []
        for i, strip in enumerate(values):
            try:
                beat, info = median_beat(strip, self.fs, self.out_len, return_info=True)
            except ValueError as exc:
                reasons.append(f"median_beat: {exc}")
                continue
            out[i], rate[i, 0] = beat, info["heart_rate_bpm"]
            reasons.append(None)
        return out, {"heart_rate": rate}, reasons


METHOD = Method(name="median_beat", summary="median beat of an ECG strip, R peak at one third of the window",
                learned=False, applies_to=STRIP, options=MedianBeatOptions,
                build=lambda o, seed: MedianBeatStep(o))
