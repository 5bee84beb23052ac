"""ml4h's names for every catalogue tensor (its TensorMap's first argument, tm.name), as
ml4h 0.1.4 spells its files, layers and models (model_factory.py, recipes.py)."""
from __future__ import annotations

import pytest

from fastio import ml4h_names
from fastio.catalogue import get_spec

# catalogue name -> ml4h tm.name (ml4h/tensormap/ukb/{dxa,ecg,mri,mri_brain}.py)
TM_NAMES = {
    "dxa_2": "dxa_1_2", "dxa_5": "dxa_1_5", "dxa_6": "dxa_1_6", "dxa_11": "dxa_1_11", "dxa_12": "dxa_1_12",
    "ecg_rest": "strip", "ecg_rest_raw": "ecg_rest_raw", "ecg_rest_median_raw_10": "ecg_rest_median_raw_10",
    "lax_4ch_heart_center": "lax_4ch_heart_center", "t1_slice_80": "axial_80", "t1_mni_slice_80": "axial_80",
}


@pytest.mark.parametrize("name", sorted(TM_NAMES))
def test_every_name_follows_tm_name(name):
    spec, tm = get_spec(name), TM_NAMES[name]
    assert ml4h_names.tm_name(spec) == spec.tm_name == tm
    assert get_spec(name, "quick").tm_name == tm
    assert spec.input_name == ml4h_names.input_layer(spec) == f"input_{tm}_continuous"
    assert spec.output_name == f"output_{tm}_continuous"
    assert ml4h_names.encoder_model(spec) == f"encode_{tm}"
    assert ml4h_names.decoder_model(spec) == f"decode_{tm}"
    assert ml4h_names.encoder_file(spec) == f"encoder_{tm}.keras"
    assert ml4h_names.decoder_file(spec) == f"decoder_{tm}.keras"
    assert ml4h_names.hidden_file(spec, "run_7") == f"hidden_{tm}_run_7.tsv"
    # runs made before ml4h naming used the catalogue name; both are recognised
    assert ml4h_names.block_tokens(spec) == ((tm,) if tm == name else (tm, name))


def test_issue_examples():
    assert ml4h_names.hidden_file(get_spec("dxa_2"), "dxa_2_autoencoder_256d") == \
        "hidden_dxa_1_2_dxa_2_autoencoder_256d.tsv"
    assert ml4h_names.encoder_file(get_spec("ecg_rest")) == "encoder_strip.keras"


def test_bare_names_and_collisions():
    assert ml4h_names.input_layer("t") == "input_t_continuous" and ml4h_names.encoder_model("t") == "encode_t"
    ml4h_names.check_distinct([get_spec("dxa_2"), get_spec("dxa_5"), get_spec("dxa_2")])  # same tensor twice: fine
    with pytest.raises(ValueError, match="t1_slice_80 and t1_mni_slice_80 \\(both 'axial_80'\\)"):
        ml4h_names.check_distinct([get_spec("t1_slice_80"), get_spec("t1_mni_slice_80")])
