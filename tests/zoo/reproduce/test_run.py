"""What ``zoo reproduce`` passes to each registration, and settings from an older run."""
import pytest

from zoo.reproduce import run
from zoo.reproduce.plan import REGISTRATIONS
from zoo.reproduce.settings import FULL, QUICK, Settings


def _options(monkeypatch, tmp_path, settings) -> dict:
    seen = {}

    def fake_register(store, method, source, *, out_tensor, progress, seed, **options):
        seen[out_tensor] = options
        return {"n_registered": 1, "n_source_present": 1, "failures": []}

    monkeypatch.setattr(run, "register_store", fake_register)
    level = run.Level(tmp_path, settings.nuisance, True)
    for reg in REGISTRATIONS:
        run._register(level, reg, settings, False)
    return seen


def test_quick_builds_ecc_templates_from_fewer_images_and_full_from_the_default(monkeypatch, tmp_path):
    quick = _options(monkeypatch, tmp_path, QUICK)
    assert quick["dxa_12_homography"] == {"max_fit": 64}
    assert quick["t1_slice_80_template"] == {"max_fit": 64, "transform": "rigid"}
    # learned methods get the training budget, never the template size
    assert quick["dxa_12_voxelmorph"] == {"epochs": QUICK.reg_epochs, "steps": QUICK.reg_steps, "width": 24}
    assert "max_fit" not in quick["ecg_rest_median_beat"]
    full = _options(monkeypatch, tmp_path, FULL)
    assert full["dxa_12_homography"] == {} and full["t1_slice_80_template"] == {"transform": "rigid"}


def test_an_older_quick_run_reads_as_the_network_it_trained_and_is_not_resumed_as_today_s(tmp_path):
    older = {k: v for k, v in QUICK.to_dict().items()
             if k not in ("width", "dense_blocks", "block_size", "template_fit", "reconstructions")}
    read = Settings.from_dict(older)
    assert (read.width, read.dense_blocks, read.block_size, read.reconstructions) == (16, (16, 16, 16), 2, 2)
    assert read != QUICK and Settings.from_dict(QUICK.to_dict()) == QUICK
    for bad in ({"width": 0}, {"dense_blocks": ()}, {"dense_blocks": (8, 0, 16)}, {"block_size": 0},
                {"template_fit": 0}):
        with pytest.raises(ValueError, match="Expected"):
            QUICK.with_(**bad)


def test_the_last_block_must_fill_the_latent_of_a_global_average_bottleneck():
    # the ECG spaces average the last block over time: 8 channels cannot fill a 16-d latent
    with pytest.raises(ValueError, match="at least latent=16 channels"):
        QUICK.with_(dense_blocks=(8, 8))
    assert QUICK.with_(dense_blocks=(8, 8), block_size=2).dense_blocks == (8, 8)
