"""zoo.modalities: the records name only registered methods and catalogued tensors, and
every modality × method pairing the experiment and the presets use is one they list."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from fastio.catalogue import get_spec
from zoo.modalities import DROPFUSE, MODALITIES, TENSORS, ModalityTensor, modality_of, tensor_record
from zoo.presets import build as presets_build
from zoo.registration.methods import METHODS
from zoo.reproduce import plan

def test_every_method_of_every_modality_is_registered():
    for modality in MODALITIES.values():
        assert set(modality.methods) <= set(METHODS), modality.name
        for t in modality.tensors:
            assert set(t.methods) <= set(METHODS), t.name
    with pytest.raises(ValueError, match="no_such_method"):
        ModalityTensor("dxa_99", ("body_size",), ("noise",), ("no_such_method",))


@pytest.mark.parametrize("scale", ["full", "quick"])
def test_every_tensor_resolves_and_suits_its_methods(scale):
    for name, record in TENSORS.items():
        spec = get_spec(name, scale)
        for method in record.methods:
            METHODS[method].applies_to.check(spec, method)  # raises if the method cannot take it
        for other in (record.registered, record.dropfuse_with):
            if other is not None:
                get_spec(other, scale)


def test_records_round_trip_as_truth_json_holds_them():
    for name, record in TENSORS.items():
        data = json.loads(json.dumps(record.to_dict()))
        assert ModalityTensor.from_dict(name, data) == record
        assert set(data["registration"]) <= {*METHODS, DROPFUSE}


def test_modality_of_a_source_or_registered_tensor():
    assert [modality_of(t) for t in ("dxa_12", "dxa_12_homography", "ecg_rest_median_beat",
                                     "lax_4ch_heart_center", "t1_mni_slice_80")] == ["dxa", "dxa", "ecg", "cine", "brain"]
    with pytest.raises(ValueError, match="starting with"):
        modality_of("pet_scan")
    with pytest.raises(ValueError, match="Expected a tensor"):
        tensor_record("dxa_12_homography")


@pytest.mark.parametrize("registrations", [plan.REGISTRATIONS, presets_build.REGISTRATIONS],
                         ids=["reproduce", "presets"])
def test_registrations_pair_tensors_with_listed_methods(registrations):
    assert registrations
    for r in registrations:
        assert tensor_record(r.source).allows(r.method), r
        assert r.learned == METHODS[r.method].learned and r.to_dict()["learned"] == r.learned
        METHODS[r.method].parse(dict(r.options))
    # and a pairing the records do not list is refused when the plan is written
    with pytest.raises(ValueError, match="dxa_2"):
        plan.Registration("median_beat", "dxa_2", "dxa_2_beat")
    with pytest.raises(ValueError, match="no_such_option"):
        plan.Registration("voxelmorph", "dxa_12", "v", options=(("no_such_option", 1),))


def _source(tensor: str) -> str:
    outs = {r.out: r.source for r in (*plan.REGISTRATIONS, *presets_build.REGISTRATIONS)}
    return outs.get(tensor, tensor)


def test_dropfuse_pairs_are_the_listed_partners():
    pairs = [m.inputs for m in plan.MODELS if m.dropfuse] + [r.inputs for r in presets_build.RECIPES
                                                            if len(r.inputs) == 2]
    assert pairs
    for a, b in pairs:
        for one, other in ((a, b), (b, a)):
            partner = tensor_record(_source(one)).dropfuse_with
            if partner is not None:  # the partner, or a tensor registered from the same modality
                assert modality_of(partner) == modality_of(other), (one, other)
        assert tensor_record(_source(a)).dropfuse_with or tensor_record(_source(b)).dropfuse_with


def test_modalities_import_no_keras():
    code = ("import sys, zoo.modalities; "
            "print(','.join(m for m in ('keras', 'tensorflow', 'cv2') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
