"""Assemble ``truth.json`` from the pieces ``generate`` simulated."""
from __future__ import annotations

import numpy as np

from zoo.phantom import render_brain, render_dxa
from zoo.phantom.layout import GROUPS, PRIMARY, REPEAT
from zoo.phantom.phenotypes import BINARY, CONTINUOUS
from zoo.modalities import TENSORS
from zoo.phantom.truth import REGISTRATION_METHODS, TRUTH_FORMAT, series

__all__ = ["build_truth"]


def _causal(geno, bio) -> list[dict]:
    freq = geno.allele_freq()
    rows = []
    for f, idx, beta in zip(bio.factors, bio.causal_index, bio.causal_effect):
        for j, b in zip(idx, beta):
            rows.append({
                "id": str(geno.variant_id[j]), "index": int(j), "chrom": int(geno.chrom[j]),
                "pos": int(geno.pos[j]), "alt": str(geno.alt[j]), "ref": str(geno.ref[j]),
                "alt_freq": series(freq[j]), "factor": f.name,
                # effect of one ALT allele on the factor (SD units); one entry per factor
                "effect": {f.name: series(b)},
                "variance_explained": series(b * b * 2 * freq[j] * (1 - freq[j]) / bio.values[:, bio.factors.index(f)].var()),
            })
    return rows


def _nuisance(nuis: dict, anat: dict, geo, r_samples) -> dict:
    d, e, c, b = nuis["dxa"], nuis["ecg"], nuis["cardiac"], nuis["brain"]
    shape12 = geo.image_shapes["dxa_12"]
    native = render_brain.NATIVE_FOV_MM
    return {
        "dxa_2": {"gain": series(d["gain_dxa_2"]), "scanner_background": render_dxa.SCANNER_BACKGROUND},
        "dxa_5": {"gain": series(d["gain_dxa_5"]), "scanner_background": render_dxa.SCANNER_BACKGROUND},
        "dxa_11": {"gain": series(d["gain_dxa_11"])},
        "dxa_12": {
            "gain": series(d["gain_dxa_12"]),
            "corner_offsets": series(d["corners_dxa_12"]),
            "homography": series(render_dxa.homography_from_corners(shape12, d["corners_dxa_12"])),
        },
        "ecg_rest": {
            "start_phase": series(e["start_phase"]),
            "heart_rate_bpm": series(60000.0 / anat["rr_ms"]),
            "hrv_amplitude": series(e["hrv_amplitude"]),
            "resp_period_s": series(e["resp_period_s"]),
            "wander_uv": series(e["wander_uv"]),
            "wander_hz": series(e["wander_hz"]),
            "r_peak_samples": [series(r) for r in r_samples],
        },
        "ecg_rest_raw": {"same_as": "ecg_rest"},
        "ecg_rest_median_raw_10": {"t_amplitude": series(e["t_amplitude"])},
        "lax_4ch_heart_center": {
            "start_phase": series(c["start_phase"]),
            "rotation_deg": series(c["rotation_deg"]),
            "shift_mm": series(c["shift_mm"]),
            "gain": series(c["gain"]),
        },
        "t1_slice_80": {
            "rotation_deg": series(b["rotation_deg"]),
            "shift_fraction": series(b["shift_fraction"]),
            "shift_mm": series(b["shift_fraction"] * np.array([native[1], native[0]])),
            "gain": series(b["gain"]),
        },
        "t1_mni_slice_80": {"gain": series(b["gain"])},
    }


def _descriptions(geo) -> dict:
    return {
        "dxa_12.corner_offsets": "(n, 4, 2) TL, TR, BR, BL corner displacements (x=col, y=row) as fractions of width, height",
        "dxa_12.homography": "(n, 3, 3) maps aligned pixel (col, row, 1) to observed pixel; pixel centres at integers",
        "ecg_rest.start_phase": "time of the first R peak as a fraction of the mean RR interval",
        "ecg_rest.r_peak_samples": "R peaks inside the strip, in samples at the strip's rate",
        "lax_4ch_heart_center.start_phase": "cardiac-cycle phase of frame 0 (0 = end diastole)",
        "t1_slice_80.pose": "native = scale * R(rotation) * template + shift (mm, x=cols, y=rows)",
        "ecg_sampling_hz": geo.fs,
        "cine_written_shape": list(geo.cine_shape),
    }


def build_truth(*, ids, seed, scale, geno, model, bio, anat, geo, nuis, nuis_repeat, plan, ecg_meta,
                nuisance_strength: float = 1.0) -> dict:
    repeat = plan["repeat"]
    rep_ids = [ids[i] for i in repeat]
    anat_rep = {k: v[repeat] for k, v in anat.items()}
    rep_nuis = _nuisance(nuis_repeat, anat_rep, geo, [r[r >= 0] for r in ecg_meta["repeat"]])
    rep_nuis["sample_ids"] = rep_ids
    primary = _nuisance(nuis, anat, geo, ecg_meta["r_samples"])
    primary["ecg_rest_median_raw_10"]["beats_used"] = series(ecg_meta["beats_used"])
    realised = bio.realised_h2()
    return {
        "format": TRUTH_FORMAT,
        "seed": int(seed),
        "scale": scale,
        "n": len(ids),
        "n_variants": int(geno.n_variants),
        # 0..1 scale of pose, scale, phase and acquisition geometry; the amplitudes in
        # "modalities" are those at strength 1
        "nuisance_strength": float(nuisance_strength),
        "genotype_model": model.to_dict(),
        "sample_ids": list(ids),
        "factors": [
            {**f.to_dict(), "h2_target": f.h2, "h2_realised": series(h)} for f, h in zip(bio.factors, realised)
        ],
        "causal_variants": _causal(geno, bio),
        "subjects": {
            "factors": {f.name: series(bio.values[:, k]) for k, f in enumerate(bio.factors)},
            "genetic_values": {f.name: series(bio.genetic[:, k]) for k, f in enumerate(bio.factors)},
            "population": series(geno.population),
            "anatomy": {k: series(v) for k, v in anat.items()},
        },
        "phenotypes": {
            "continuous": {k: {"anatomy": a, "unit_scale": s, "noise_sd": sd} for k, (a, s, sd) in CONTINUOUS.items()},
            "binary": {k: {"prevalence": p, "liability_weights": w} for k, (p, w) in BINARY.items()},
        },
        "modalities": {name: t.to_dict() for name, t in TENSORS.items()},
        "anatomy_sources": _anatomy_sources(),
        "registration_methods": list(REGISTRATION_METHODS),
        "nuisance": {PRIMARY: primary, REPEAT: rep_nuis},
        "nuisance_notes": _descriptions(geo),
        "instances": {"primary": PRIMARY, "repeat": REPEAT, "repeat_sample_ids": rep_ids,
                      "primary_date": plan["primary_date"], "repeat_date": plan["repeat_date"]},
        "missing": {ids[i]: [t for g in groups for t in _group_tensors(g)] for i, groups in sorted(plan["missing"].items())},
    }


def _anatomy_sources() -> dict:
    """Where each tensor's anatomy comes from: a shipped real template, or none exists."""
    synthetic = ("analytic primitives (capsules, ellipses) driven by the anatomy: no shipped real "
                 "template of this modality exists")
    out = {name: synthetic for name in TENSORS}
    for name in ("t1_slice_80", "t1_mni_slice_80"):
        out[name] = dict(render_brain.ANATOMY_SOURCE)
    out["t1_mni_slice_80"].pop("scalp_and_skull")
    return out


def _group_tensors(group: str) -> tuple[str, ...]:
    return GROUPS[group]
