"""Learned methods on small synthetic sets: the loss falls and the nuisance shrinks."""
import numpy as np
import pytest

from .regsynth import synthetic_cines
from zoo.registration.alignment import warp_image


def _pose(rng, center, degrees=10, shift=3):
    t = np.deg2rad(rng.uniform(-degrees, degrees))
    r = rng.uniform(0.94, 1.06) * np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    m = np.eye(3)
    m[:2, :2] = r
    m[:2, 2] = center - r @ center + rng.uniform(-shift, shift, 2)
    return m


def _point_error(m, truth):
    g = np.array([[r, c, 1.0] for r in (8, 24) for c in (8, 24)])
    a, b = g @ m.T, g @ np.linalg.inv(truth).T
    return np.abs(a[:, :2] / a[:, 2:] - b[:, :2] / b[:, 2:]).max()


@pytest.mark.parametrize("transform", ["affine", pytest.param("homography", marks=pytest.mark.slow)])
def test_affine_net_learns_to_undo_pose_without_labels(blobs, transform):
    from zoo.registration.affine_net import AffineNet

    rng = np.random.default_rng(0)
    base = blobs((32, 32), seed=3)
    poses = [_pose(rng, np.array([15.5, 15.5])) for _ in range(48)]
    images = np.stack([warp_image(base, p)[..., None] * rng.uniform(0.5, 2.0) for p in poses])
    net = AffineNet((32, 32, 1), transform, template=base, learning_rate=3e-3)
    untrained = net.predict_matrices(images[:4])
    np.testing.assert_allclose(untrained, np.broadcast_to(np.eye(3), (4, 3, 3)), atol=1e-5)
    history = net.fit(images, epochs=12, batch_size=16)
    assert history[-1] < 0.5 * history[0]
    _, matrices = net.register(images)
    before = np.median([_point_error(np.eye(3), p) for p in poses])
    after = np.median([_point_error(m, p) for m, p in zip(matrices, poses)])
    assert after < 0.6 * before


def test_voxelmorph_identity_at_start_and_loss_falls(blobs, tmp_path):
    import scipy.ndimage as ndi
    from keras import ops

    from zoo.registration.affine_net import zscore
    from zoo.registration.spatial import warp_flow
    from zoo.registration.voxelmorph import VoxelMorph

    rng = np.random.default_rng(1)
    base = blobs((32, 32), seed=4)[..., None]
    fields = ndi.gaussian_filter(rng.normal(size=(24, 32, 32, 2)), (0, 5, 5, 0))
    fields *= 2.0 / np.abs(fields).max(axis=(1, 2, 3), keepdims=True)
    images = np.asarray(ops.convert_to_numpy(warp_flow(np.repeat(base[None], 24, 0), fields.astype(np.float32))))
    vm = VoxelMorph((32, 32, 1), int_steps=4, enc_filters=(8, 16, 16), dec_filters=(16, 16, 16), learning_rate=3e-3)
    moved0, flow0 = vm.register(images[:4], base)
    assert flow0.shape == (4, 32, 32, 2) and np.abs(flow0).max() < 1e-2
    history = vm.fit(images, base, epochs=8, batch_size=4)
    assert history[-1] < 0.7 * history[0]
    moved, flow = vm.register(images, base)
    inner = (slice(None), slice(4, 28), slice(4, 28))
    err = lambda x: float(np.mean((zscore(x)[inner] - zscore(base[None])[inner]) ** 2))
    assert err(moved) < 0.7 * err(images)
    vm.save_weights(tmp_path / "vm.weights.h5")
    other = VoxelMorph((32, 32, 1), int_steps=4, enc_filters=(8, 16, 16), dec_filters=(16, 16, 16), seed=5)
    other.load_weights(tmp_path / "vm.weights.h5")
    np.testing.assert_allclose(other.flows(images[:2], base), flow[:2], atol=1e-5)


def test_deepcycle_recovers_known_phase_offsets():
    from zoo.registration.deepcycle import DeepCycle

    frames = 16
    cines, starts = synthetic_cines(n=32, size=32, frames=frames, seed=0)
    dc = DeepCycle((32, 32, frames))
    history = dc.fit(cines, epochs=14, batch_size=4)
    assert history[0] > 0.5 and history[-1] < 0.3
    phases = dc.phases(cines)
    # Relative phases are what is identifiable: theta_i - 2*pi*s_i/T is one constant.
    d = np.angle(np.exp(1j * (phases - 2 * np.pi * starts / frames)))
    centre = np.angle(np.exp(1j * d).mean())
    err_frames = np.abs(np.angle(np.exp(1j * (d - centre)))) * frames / (2 * np.pi)
    assert np.mean(err_frames < 1.0) >= 0.9
    rolled, phases2, shifts = dc.register(cines)
    common = np.mod(starts - shifts, frames)  # cycle position of every rolled cine's frame 0

    def deviation(positions):  # frames from the circular mean position
        ang = np.exp(2j * np.pi * positions / frames)
        return np.abs(np.angle(ang * np.conj(ang.mean() / abs(ang.mean())))) * frames / (2 * np.pi)

    assert np.mean(deviation(common) <= 1.5) >= 0.9
    assert np.mean(deviation(common)) < 0.25 * np.mean(deviation(starts.astype(float)))
    # Rolling a cine by k frames turns its phase by exactly 2*pi*k/T (by construction).
    k = 5
    turned = dc.phases(np.roll(cines[:4], k, axis=-1))
    expected = np.mod(phases[:4] - 2 * np.pi * k / frames, 2 * np.pi)
    np.testing.assert_allclose(np.angle(np.exp(1j * (turned - expected))), 0.0, atol=1e-4)


def test_roll_to_phase_known_answer():
    from zoo.registration.deepcycle import phase_from_frames, roll_to_phase

    t = 8
    cines = np.arange(2 * 1 * 1 * t, dtype=np.float32).reshape(2, 1, 1, t)
    phases = np.array([0.0, 2 * np.pi * 3 / t])
    rolled, shifts = roll_to_phase(cines, phases)
    assert shifts.tolist() == [0, 3]
    np.testing.assert_array_equal(rolled[1, 0, 0], np.roll(cines[1, 0, 0], 3))
    # Per-frame vectors advancing by 2*pi/T from angle a give phase a.
    a = 1.1
    ang = a + 2 * np.pi * np.arange(t) / t
    z = np.stack([np.cos(ang), np.sin(ang)], -1)[None]
    np.testing.assert_allclose(phase_from_frames(z), [a], atol=1e-9)


@pytest.mark.slow
def test_voxelmorph_3d_builds_and_starts_at_identity():
    from zoo.registration.voxelmorph import VoxelMorph

    rng = np.random.default_rng(2)
    vols = rng.normal(size=(2, 12, 16, 8, 1)).astype(np.float32)
    vm = VoxelMorph((12, 16, 8, 1), int_steps=3, enc_filters=(4, 8), dec_filters=(8, 8), final_filters=())
    moved, flow = vm.register(vols, vols[0])
    assert moved.shape == vols.shape and flow.shape == (2, 12, 16, 8, 3)
    np.testing.assert_allclose(moved, vols, atol=1e-2)
