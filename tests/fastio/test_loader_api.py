"""fastio.Loader: values, splits, missing tensors, determinism, Keras training."""
from __future__ import annotations

import numpy as np
import pytest

from fastio._kernels import numpy_ref
from fastio.augment import Augment, draw_params, noise_table
from fastio.loader import LoaderCore
from fastio.split import split_ids

AUG = {"img": Augment(translate=0.1, flip_lr=True, rotate=10, zoom=0.1, intensity_scale=0.1,
                      intensity_shift=0.1, noise=0.1),
       "sig": Augment(time_shift=0.2, amplitude=0.1, noise=0.05)}


def _zscore(v):
    v = v.astype(np.float64)
    return ((v - v.mean()) / (v.std() + 1e-6)).astype(np.float32)


def test_values_without_augmentation(toy_store):
    loader = LoaderCore(toy_store["path"], inputs=["img", "sig"], outputs=["std"], batch_size=4,
                        split="all", shuffle=False, drop_remainder=False)
    present = np.flatnonzero(toy_store["sig_present"])
    assert loader.sample_ids == [toy_store["ids"][i] for i in present]  # missing excluded
    assert len(loader) == 6 - 0 and loader.rows.size == 21
    std_vals = toy_store["std"].astype(np.float64)
    for b in range(len(loader)):
        x, y = loader[b]
        rows = loader.batch_rows(b)
        assert set(x) == {"input_img_continuous", "input_sig_continuous"} and set(y) == {"output_std_continuous"}
        assert all(v.dtype == np.float32 for v in [*x.values(), *y.values()])
        expect_img = np.stack([_zscore(toy_store["img"][r]) for r in rows])
        np.testing.assert_allclose(x["input_img_continuous"], expect_img, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(x["input_sig_continuous"], toy_store["sig"][rows] / 100.0, rtol=1e-6)
        expect_std = (toy_store["std"][rows] - std_vals.mean()) / std_vals.std()
        np.testing.assert_allclose(y["output_std_continuous"], expect_std, rtol=1e-5, atol=1e-5)
    assert loader.batch_sample_ids(5) == loader.sample_ids[20:]


def test_augmented_batch_matches_numpy_reference(toy_store):
    loader = LoaderCore(toy_store["path"], inputs=["img", "sig"], outputs=["img"], batch_size=5,
                        seed=11, augment=AUG, split="all")
    loader.set_epoch(3)
    x, y = loader[1]
    rows = loader.batch_rows(1)
    table = noise_table(11)
    pi = draw_params(AUG["img"], (16, 12, 2), 11, 3, "img", rows)
    ps = draw_params(AUG["sig"], (40, 3), 11, 3, "sig", rows)
    for j, r in enumerate(rows):
        src = toy_store["img"][r]
        mu, sd = numpy_ref.sample_stats(src)
        ref = numpy_ref.warp2d(src, pi.matrix[j], mu, 1 / (sd + 1e-6), pi.scale[j], pi.shift[j], 0.1, table, pi.offset[j])
        np.testing.assert_allclose(x["input_img_continuous"][j], ref, rtol=1e-5, atol=1e-4)
        ref = numpy_ref.shift1d(toy_store["sig"][r], ps.roll[j], ps.chan_scale[j], 0.0, 0.01,
                                ps.scale[j], ps.shift[j], 0.05, table, ps.offset[j])
        np.testing.assert_allclose(x["input_sig_continuous"][j], ref, rtol=1e-5, atol=1e-4)
    # the autoencoder target: the same warp, without intensity changes or noise
    for j, r in enumerate(rows):
        src = toy_store["img"][r]
        mu, sd = numpy_ref.sample_stats(src)
        ref = numpy_ref.warp2d(src, pi.matrix[j], mu, 1 / (sd + 1e-6))
        np.testing.assert_allclose(y["output_img_continuous"][j], ref, rtol=1e-5, atol=1e-4)


def test_autoencoder_target_is_the_clean_tensor_moved_like_the_input(toy_store):
    """Geometric augmentation moves input and target alike; intensity, amplitude and noise
    corrupt the input only (numpy reference of each, and input − target = the corruption)."""
    aug = {"img": Augment(translate=0.1, rotate=15, flip_lr=True, noise=0.3),
           "sig": Augment(time_shift=0.3, amplitude=0.2, intensity_shift=0.5, noise=0.2)}
    loader = LoaderCore(toy_store["path"], inputs=["img", "sig"], outputs=["img", "sig"], batch_size=6,
                        seed=7, augment=aug, split="all", workers=2)
    table = noise_table(7)
    for b in range(len(loader)):
        x, y = loader[b]
        rows = loader.batch_rows(b)
        pi = draw_params(aug["img"], (16, 12, 2), 7, 0, "img", rows)
        ps = draw_params(aug["sig"], (40, 3), 7, 0, "sig", rows)
        assert pi.warp.any() and (ps.roll != 0).any()
        for j, r in enumerate(rows):
            src = toy_store["img"][r]
            mu, sd = numpy_ref.sample_stats(src)
            moved = numpy_ref.warp2d(src, pi.matrix[j], mu, 1 / (sd + 1e-6))
            np.testing.assert_allclose(y["output_img_continuous"][j], moved, rtol=1e-5, atol=1e-4)
            noise = 0.3 * table[pi.offset[j]:pi.offset[j] + src.size].reshape(src.shape)
            np.testing.assert_allclose(x["input_img_continuous"][j], moved + noise, rtol=1e-5, atol=1e-4)
            sig = toy_store["sig"][r]
            shifted = np.roll(sig, ps.roll[j], axis=0) / 100.0
            np.testing.assert_allclose(y["output_sig_continuous"][j], shifted, rtol=1e-5, atol=1e-5)
            ref = numpy_ref.shift1d(sig, ps.roll[j], ps.chan_scale[j], 0.0, 0.01, ps.scale[j], ps.shift[j],
                                    0.2, table, ps.offset[j])
            np.testing.assert_allclose(x["input_sig_continuous"][j], ref, rtol=1e-5, atol=1e-4)
        assert np.abs(x["input_img_continuous"] - y["output_img_continuous"]).mean() > 0.1


def test_autoencoder_target_without_geometry_is_the_clean_tensor(toy_store):
    loader = LoaderCore(toy_store["path"], inputs=["img"], outputs=["img"], batch_size=4, seed=1, split="all",
                        shuffle=False, augment={"intensity_scale": 0.5, "noise": 1.0})
    x, y = loader[0]
    rows = loader.batch_rows(0)
    np.testing.assert_allclose(y["output_img_continuous"], np.stack([_zscore(toy_store["img"][r]) for r in rows]),
                               rtol=1e-5, atol=1e-5)
    assert not np.allclose(x["input_img_continuous"], y["output_img_continuous"], atol=0.1)
    # purely geometric augmentation: the augmented input is itself the target (one array)
    moved = LoaderCore(toy_store["path"], inputs=["img"], outputs=["img"], batch_size=4, seed=1, split="all",
                       augment={"flip_lr": True, "rotate": 10})
    x, y = moved[0]
    assert y["output_img_continuous"] is x["input_img_continuous"]


def test_output_only_tensors_are_normalised_not_augmented(toy_store):
    loader = LoaderCore(toy_store["path"], inputs=["sig"], outputs=["img"], batch_size=4, split="all",
                        shuffle=False, augment={"sig": {"noise": 0.5}, "img": {"noise": 0.5, "flip_lr": True}})
    x, y = loader[0]
    rows = loader.batch_rows(0)
    expect = np.stack([_zscore(toy_store["img"][r]) for r in rows])
    np.testing.assert_allclose(y["output_img_continuous"], expect, rtol=1e-5, atol=1e-5)
    assert not np.allclose(x["input_sig_continuous"], toy_store["sig"][rows] / 100.0, atol=0.1)


def _epoch(loader):
    return [{k: v.copy() for k, v in loader[b][0].items()} for b in range(len(loader))]


def test_deterministic_whatever_the_thread_count(toy_store):
    runs = []
    for workers in (1, 2, 3):
        loader = LoaderCore(toy_store["path"], inputs=["img", "sig"], batch_size=4, seed=5,
                            augment=AUG, workers=workers)
        runs.append((loader.sample_ids, _epoch(loader)))
        loader.close()
    for ids, batches in runs[1:]:
        assert ids == runs[0][0]
        for a, b in zip(batches, runs[0][1]):
            for k in a:
                np.testing.assert_array_equal(a[k], b[k])


def test_epochs_reshuffle_deterministically(toy_store):
    a = LoaderCore(toy_store["path"], inputs=["img"], batch_size=4, seed=2, augment=AUG, split="all")
    b = LoaderCore(toy_store["path"], inputs=["img"], batch_size=4, seed=2, augment=AUG, split="all")
    first = a.sample_ids
    x0 = a[0][0]["input_img_continuous"].copy()
    a.on_epoch_end()
    assert a.epoch == 1 and sorted(a.sample_ids) == sorted(first) and a.sample_ids != first
    b.set_epoch(1)
    assert b.sample_ids == a.sample_ids
    np.testing.assert_array_equal(a[0][0]["input_img_continuous"], b[0][0]["input_img_continuous"])
    b.set_epoch(0)
    np.testing.assert_array_equal(b[0][0]["input_img_continuous"], x0)
    c = LoaderCore(toy_store["path"], inputs=["img"], batch_size=4, seed=3, split="all")
    assert c.sample_ids != first


def test_splits_follow_split_ids(toy_store):
    ids = toy_store["ids"]
    expect = split_ids(ids, 0.25, 0.25, seed=4)
    seen = []
    for split in ("train", "valid", "test"):
        loader = LoaderCore(toy_store["path"], inputs=["img"], batch_size=1, split=split, split_seed=4,
                            valid_ratio=0.25, test_ratio=0.25, shuffle=False)
        assert loader.sample_ids == expect[split]
        seen += loader.sample_ids
    assert sorted(seen) == ids


def test_split_does_not_depend_on_the_training_seed(toy_store):
    """Train/valid/test loaders built with any two training seeds never share a sample;
    only split_seed moves samples between splits."""
    def members(split, seed, split_seed=0):
        loader = LoaderCore(toy_store["path"], inputs=["img"], batch_size=1, split=split, seed=seed,
                            split_seed=split_seed, valid_ratio=0.25, test_ratio=0.25)
        return set(loader.rows.tolist())

    seeds = (0, 1, 4, 12878)
    splits = {(split, seed): members(split, seed) for split in ("train", "valid", "test") for seed in seeds}
    for a in seeds:
        for b in seeds:
            assert not splits["train", a] & splits["valid", b]
            assert not splits["train", a] & splits["test", b]
            assert not splits["valid", a] & splits["test", b]
            assert splits["valid", a] == splits["valid", b]
    assert all(splits[k] for k in splits)  # no split is trivially empty
    assert members("valid", 0, split_seed=1) != splits["valid", 0]


def test_drop_remainder_and_sample_csv(toy_store, tmp_path):
    train = LoaderCore(toy_store["path"], inputs=["img"], batch_size=5, split="all", drop_remainder=True)
    assert len(train) == 4 and len(train.sample_ids) == 20  # 24 // 5, remainder dropped
    full = LoaderCore(toy_store["path"], inputs=["img"], batch_size=5, split="all", drop_remainder=False)
    assert len(full) == 5 and full[4][0]["input_img_continuous"].shape[0] == 4
    (tmp_path / "ids.csv").write_text("sample_id\ns001\ns005\ns020\nnot_in_store\n")
    sub = LoaderCore(toy_store["path"], inputs=["img"], batch_size=2, split="all", shuffle=False,
                     sample_csv=tmp_path / "ids.csv", drop_remainder=False)
    assert sub.sample_ids == ["s001", "s005", "s020"]


def test_missing_mask_gives_zero_weights(toy_store):
    loader = LoaderCore(toy_store["path"], inputs=["img"], outputs=["sig"], batch_size=6, split="all",
                        shuffle=False, missing="mask")
    assert loader.rows.size == 24
    x, y, w = loader[1]  # rows 6..11 hold the absent rows 7 and 11
    assert w["output_sig_continuous"].shape == (6, 1)  # broadcasts against Keras' (B, T) loss
    np.testing.assert_array_equal(w["output_sig_continuous"][:, 0], [1, 0, 1, 1, 1, 0])
    assert not y["output_sig_continuous"][[1, 5]].any()
    np.testing.assert_allclose(y["output_sig_continuous"][0], toy_store["sig"][6] / 100, rtol=1e-6)


def test_returned_batches_are_never_overwritten(toy_store):
    loader = LoaderCore(toy_store["path"], inputs=["img"], batch_size=4, split="all", augment=AUG)
    held = loader[0]
    snapshot = held[0]["input_img_continuous"].copy()
    for b in range(1, len(loader)):
        loader[b]
    np.testing.assert_array_equal(held[0]["input_img_continuous"], snapshot)
    n_sets = len(loader._buffers)
    del held
    for b in range(len(loader)):
        loader[b]
    assert len(loader._buffers) == n_sets  # released buffers are reused, not reallocated


def test_store_object_and_spec_arguments(toy_store):
    from fastio._storeview import StoreView

    view = StoreView(toy_store["path"])
    spec = view.spec("sig").replace(normalization={"kind": "none"})
    loader = LoaderCore(view, inputs=[spec], batch_size=3, split="all", shuffle=False)
    np.testing.assert_array_equal(loader[0][0]["input_sig_continuous"], toy_store["sig"][[0, 1, 3]])


def test_bad_arguments_name_store_and_tensor(toy_store, tmp_path):
    path = toy_store["path"]
    with pytest.raises(ValueError, match="no tensor 'nope'"):
        LoaderCore(path, inputs=["nope"])
    with pytest.raises(ValueError, match="split"):
        LoaderCore(path, inputs=["img"], split="holdout")
    with pytest.raises(ValueError, match="missing"):
        LoaderCore(path, inputs=["img"], missing="drop")
    with pytest.raises(ValueError, match="fewer than one batch"):
        LoaderCore(path, inputs=["img"], batch_size=100)
    with pytest.raises(ValueError, match="shape"):
        LoaderCore(path, inputs=[_spec_with_shape(path, (3, 3, 1))])
    with pytest.raises(ValueError, match="zarr.json"):
        LoaderCore(tmp_path / "nothing.zarr", inputs=["img"])
    with pytest.raises(ValueError, match="Augment"):
        LoaderCore(path, inputs=["img"], augment={"shear": 1})
    with pytest.raises(ValueError, match="augment keys"):
        LoaderCore(path, inputs=["img"], augment={"ecg": {"noise": 0.1}})
    with pytest.raises(IndexError):
        LoaderCore(path, inputs=["img"], batch_size=4)[99]


def _spec_with_shape(path, shape):
    from fastio._storeview import StoreView

    return StoreView(path).spec("img").replace(shape=shape)


def test_keras_model_fits_from_the_loader(toy_store):
    import keras

    import fastio

    assert isinstance(fastio.Loader, type) and issubclass(fastio.Loader, keras.utils.PyDataset)
    train = fastio.Loader(toy_store["path"], inputs=["img"], outputs=["img"], batch_size=4,
                          augment={"flip_lr": True, "noise": 0.1}, seed=0, workers=2)
    assert train.threads == 2 and train.workers == 1  # Keras' own pool stays off
    inp = keras.Input((16, 12, 2), name="input_img_continuous")
    hidden = keras.layers.Conv2D(4, 3, padding="same", activation="relu")(inp)
    out = keras.layers.Conv2D(2, 3, padding="same", name="output_img_continuous")(hidden)
    # dict-structured like ml4h models, so the loader's dicts map by name
    model = keras.Model({"input_img_continuous": inp}, {"output_img_continuous": out})
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="mse")
    history = model.fit(train, epochs=3, verbose=0)
    losses = history.history["loss"]
    assert len(losses) == 3 and np.all(np.isfinite(losses)) and losses[-1] < losses[0]
    assert train.epoch >= 3  # on_epoch_end reshuffled every epoch
    infer = fastio.Loader(toy_store["path"], inputs=["img"], batch_size=5, split="all", shuffle=False)
    pred = model.predict(infer, verbose=0)
    assert pred["output_img_continuous"].shape == (24, 16, 12, 2) and len(infer.sample_ids) == 24


def test_reads_a_store_written_by_the_store_api(tmp_path, store_writer):
    """The loader against fastio.store's own writer (create_store / write_block)."""
    from fastio.store import create_store, open_store

    import fastio

    _, small_spec = store_writer
    rng = np.random.default_rng(9)
    ids = [f"id{i:02d}" for i in range(10)]
    spec = small_spec("ecg", (30, 4), "zscore", "blosc-lz4")
    values = rng.normal(0, 50, size=(10, 30, 4)).astype(np.float32)
    present = np.ones(10, dtype=bool)
    present[4] = False
    store = create_store(tmp_path / "api.zarr", ids, shard_size=4)
    store.create_tensor(spec)
    for start in range(0, 10, 4):
        store.write_block("ecg", start, values[start:start + 4], present[start:start + 4])
    store.finalize_tensor("ecg")
    for source in (open_store(tmp_path / "api.zarr"), tmp_path / "api.zarr"):
        loader = LoaderCore(source, inputs=["ecg.ecg"], batch_size=3, split="all", shuffle=False,
                            drop_remainder=False)
        assert loader.sample_ids == [i for k, i in enumerate(ids) if k != 4]
        got = np.concatenate([loader[b][0]["input_ecg_continuous"] for b in range(len(loader))])
        np.testing.assert_allclose(got, np.stack([_zscore(values[k]) for k in range(10) if k != 4]),
                                   rtol=1e-5, atol=1e-5)
    assert "Loader" in dir(fastio)


def test_keras_fit_with_masked_missing_outputs(toy_store):
    """missing="mask": batches carry per-output sample weights that Keras accepts."""
    import keras

    import fastio

    loader = fastio.Loader(toy_store["path"], inputs=["img"], outputs=["img", "sig"], batch_size=4,
                           split="all", missing="mask")
    inp = keras.Input((16, 12, 2), name="input_img_continuous")
    flat = keras.layers.Flatten()(inp)
    out_img = keras.layers.Reshape((16, 12, 2), name="output_img_continuous")(keras.layers.Dense(384)(flat))
    out_sig = keras.layers.Reshape((40, 3), name="output_sig_continuous")(keras.layers.Dense(120)(flat))
    model = keras.Model({"input_img_continuous": inp},
                        {"output_img_continuous": out_img, "output_sig_continuous": out_sig})
    model.compile(optimizer="adam", loss={"output_img_continuous": "mse", "output_sig_continuous": "mse"})
    history = model.fit(loader, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0]) and loader.rows.size == 24



@pytest.mark.parametrize("augment", [None, AUG], ids=["plain", "augmented"])
def test_uncompressed_samples_read_in_place_equal_copied_ones(tmp_path, store_writer, augment):
    """A codec-`none` tensor is normalised (and warped, shifted) straight from the file's
    mapping; the same loader made to copy each sample into its scratch first (the path
    of compressed tensors) gives the same batches, absent samples (masked) included."""
    write_store, small_spec = store_writer
    rng = np.random.default_rng(4)
    n = 12
    present = np.ones(n, dtype=bool)
    present[[3, 8]] = False
    tensors = {"img": (small_spec("img", codec="none"), rng.normal(5.0, 2.0, (n, 16, 12, 2)).astype(np.float32), present),
               "sig": (small_spec("sig", (40, 3), codec="none"), rng.normal(0.0, 100.0, (n, 40, 3)).astype(np.float32),
                       present)}
    path = write_store(tmp_path / "raw.zarr", [f"s{i:02d}" for i in range(n)], tensors, shard=5)
    batches = []
    for in_place in (True, False):
        loader = LoaderCore(path, inputs=["img", "sig"], outputs=["sig"], batch_size=4, split="all", seed=5,
                            augment=augment, missing="mask")
        assert all(t.in_place for t in loader._tensors.values())
        for t in loader._tensors.values():
            t.in_place = in_place
        batches.append([loader[b] for b in range(len(loader))])
        loader.close()
    for (x0, y0, w0), (x1, y1, w1) in zip(*batches):
        for a, b in zip([*x0.values(), *y0.values(), *w0.values()], [*x1.values(), *y1.values(), *w1.values()]):
            np.testing.assert_array_equal(a, b)
    weights = np.concatenate([w["output_sig_continuous"].reshape(-1) for _, _, w in batches[0]])
    assert weights.sum() == n - 2


def test_memoised_statistics_give_the_same_batches_as_a_fresh_loader(toy_store):
    """Epoch 0 memoises each sample's z-score statistics; epoch 1 (which skips that pass)
    equals epoch 1 of a loader that never read a sample before, augmented or not."""
    for augment in (None, AUG):
        kwargs = dict(inputs=["img", "sig"], outputs=["img"], batch_size=5, seed=3, augment=augment, split="all")
        warm = LoaderCore(toy_store["path"], **kwargs)
        for b in range(len(warm)):
            warm[b]
        img = warm._tensors["img"]
        seen = np.flatnonzero(img.moments[:, 1] > 0)
        assert set(seen) >= set(warm._order[:len(warm) * 5])
        ref = np.array([numpy_ref.sample_stats(toy_store["img"][r]) for r in seen])
        np.testing.assert_allclose(img.moments[seen, 0], ref[:, 0], rtol=1e-10)
        np.testing.assert_allclose(img.moments[seen, 1], 1 / (ref[:, 1] + 1e-6), rtol=1e-6)
        warm.set_epoch(1)
        fresh = LoaderCore(toy_store["path"], **kwargs)
        fresh.set_epoch(1)
        for b in range(len(warm)):
            (xw, yw), (xf, yf) = warm[b], fresh[b]
            for key in xw:
                np.testing.assert_array_equal(xw[key], xf[key])
            for key in yw:
                np.testing.assert_array_equal(yw[key], yf[key])
