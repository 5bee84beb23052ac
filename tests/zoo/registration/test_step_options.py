"""Registration steps as presets ship them: VoxelMorph `width`, and the plain extra arrays of a label-cropped cine."""
from __future__ import annotations

import pytest

from fastio.spec import TensorSpec
from zoo.registration.methods import METHODS


def _conv_filters(model) -> list[int]:
    return [layer.filters for layer in model.layers if hasattr(layer, "filters") and layer.filters is not None]


def test_width_sets_every_stage_and_shrinks_the_network():
    spec = TensorSpec(name="img", group="t", path_prefix="t", dataset="img", shape=(32, 16, 1))
    default = METHODS["voxelmorph"].step({})._build(spec).model
    narrow_step = METHODS["voxelmorph"].step({"width": 8})
    assert narrow_step.describe()["width"] == 8
    narrow = narrow_step._build(spec).model
    filters = _conv_filters(narrow)
    # encoder 4, 8, 8, 8; decoder 8 x 4; final 4; the flow head outputs 2 channels
    assert filters[:4] == [4, 8, 8, 8] and filters[4:8] == [8, 8, 8, 8] and filters[8] == 4 and filters[-1] == 2
    assert _conv_filters(default)[:4] == [16, 32, 32, 32]
    assert narrow.count_params() < default.count_params() / 8


def test_width_must_be_at_least_two():
    with pytest.raises(ValueError, match="'width' of at least 2"):
        METHODS["voxelmorph"].step({"width": 1})


@pytest.mark.parametrize("method", ["deepcycle", "voxelmorph", "template"])
def test_extra_arrays_of_a_label_cropped_cine_are_plain(method):
    # the catalogue's cine is cut to the heart labels on read; its transform/flow/phase
    # arrays are plain store arrays, which a label crop rule cannot describe
    from fastio.catalogue import get_spec

    spec = get_spec("lax_4ch_heart_center", "quick")
    assert spec.crop_dataset  # the premise: the source carries a label crop
    step = METHODS[method].step({})
    out = step.out_spec(spec, "lax_reg")
    assert out.shape == spec.shape
    for extra in step.extra_specs(spec, "lax_reg"):
        assert not extra.crop_dataset and extra.background is None and extra.normalization.kind == "none"
