"""DeepCycle: the cardiac phase of each cine as a circular latent learned from the cines
themselves, and every cine rolled to a common start phase.

A cine ``(H, W, T)`` is assumed to cover one cardiac cycle in ``T`` frames (ECG-gated, as
UK Biobank's 50-frame cines). A small shared encoder maps each frame — with its two
neighbours, so it sees the direction of motion, not just the shape — to a unit vector
``z_t = (cos ψ_t, sin ψ_t)``. Self-supervision: consecutive frames must be a fixed rotation
apart, ``z_{t+1} = R(2π/T) z_t``. No labels are used; the encoder is forced to read the
heart's state from the image, so the same state gets the same angle in every subject.

A cine's phase is the angle of its frame 0: ``θ = arg Σ_t z_t · e^{-2πi t/T}``. By
construction, rolling a cine by ``k`` frames turns ``θ`` by exactly ``2πk/T``. Registration
rolls each cine by ``round(θ T / 2π)`` so that frame 0 of every cine sits at phase 0.
"""
from __future__ import annotations


import numpy as np

from zoo.registration.affine_net import zscore

__all__ = ["DeepCycle", "build_phase_encoder", "roll_to_phase", "phase_from_frames"]


def phase_from_frames(z: np.ndarray) -> np.ndarray:
    """Cine phases θ (radians, [0, 2π)) from per-frame unit vectors ``z`` (N, T, 2)."""
    z = np.asarray(z, np.float64)
    t = z.shape[1]
    psi = np.arctan2(z[..., 1], z[..., 0]) - 2 * np.pi * np.arange(t) / t
    theta = np.angle(np.exp(1j * psi).sum(axis=1))
    return np.mod(theta, 2 * np.pi)


def roll_to_phase(cines, phases) -> tuple[np.ndarray, np.ndarray]:
    """Roll each cine (N, H, W, T) along frames so that frame 0 is at phase 0.

    Returns ``(rolled, shifts)``; ``rolled[i][..., t] = cines[i][..., t - shifts[i]]``.
    """
    cines = np.asarray(cines)
    t = cines.shape[-1]
    shifts = np.mod(np.round(np.asarray(phases) * t / (2 * np.pi)).astype(int), t)
    rolled = np.stack([np.roll(c, int(s), axis=-1) for c, s in zip(cines, shifts)])
    return rolled, shifts


def build_phase_encoder(shape, filters=(16, 32, 32), dense: int = 32):
    """Keras model ``cine (H, W, T) -> z (T, 2)`` (unit vectors, one per frame)."""
    import keras

    from zoo.registration.layers import FoldFrames, FrameWindows  # Keras layers

    shape = tuple(int(s) for s in shape)
    if len(shape) != 3 or shape[-1] < 3:
        raise ValueError(f"Expected a cine shape (H, W, T) with T >= 3 frames, got {shape}")
    h, w, t = shape
    frame_in = keras.Input((h, w, 3), name="frames")
    x = frame_in
    for i, f in enumerate(filters):
        x = keras.layers.Conv2D(f, 3, strides=2, padding="same", name=f"conv_{i}")(x)
        x = keras.layers.LeakyReLU(0.2)(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    x = keras.layers.Dense(dense, activation="relu", name="dense")(x)
    x = keras.layers.Dense(2, name="phase_vector")(x)
    frame_encoder = keras.Model(frame_in, x, name="frame_encoder")

    cine = keras.Input(shape, name="cine")
    windows = FrameWindows(name="frame_windows")(cine)
    z = frame_encoder(windows)
    z = keras.layers.UnitNormalization(axis=-1, name="unit")(z)
    z = FoldFrames(t, name="per_frame")(z)
    return keras.Model(cine, z, name="deepcycle")


class DeepCycle:
    """Train the phase encoder on cines (N, H, W, T) and roll them to a common phase."""

    def __init__(self, shape, learning_rate: float = 1e-3, seed: int = 0):
        import keras

        keras.utils.set_random_seed(seed)
        self.shape = tuple(int(s) for s in shape)
        self.learning_rate = float(learning_rate)
        self.model = build_phase_encoder(self.shape)

    def fit(self, cines, epochs: int = 10, batch_size: int = 8, steps: int | None = None,
            verbose: int = 0) -> list[float]:
        import keras

        from zoo.registration.losses import PhaseAdvance  # a Keras loss: imports Keras

        x = zscore(cines)
        loss = PhaseAdvance(self.shape[-1])
        self.model.compile(optimizer=keras.optimizers.Adam(self.learning_rate), loss=loss, jit_compile=False)
        y = np.zeros((len(x), self.shape[-1], 2), np.float32)
        hist = self.model.fit(x, y, epochs=epochs, batch_size=batch_size, steps_per_epoch=steps, shuffle=True,
                              verbose=verbose)
        return [float(v) for v in hist.history["loss"]]

    def phases(self, cines, batch_size: int = 16) -> np.ndarray:
        """Each cine's phase θ in [0, 2π) (the angle of its frame 0)."""
        z = self.model.predict(zscore(cines), batch_size=batch_size, verbose=0)
        return phase_from_frames(z)

    def register(self, cines, batch_size: int = 16):
        """``(rolled cines, phases, shifts)``."""
        phases = self.phases(cines, batch_size)
        rolled, shifts = roll_to_phase(cines, phases)
        return rolled.astype(np.float32), phases, shifts

    def save_weights(self, path) -> None:
        self.model.save_weights(str(path))

    def load_weights(self, path) -> None:
        self.model.load_weights(str(path))
