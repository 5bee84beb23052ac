"""`zoo presets list | show | fetch | verify` on a registry served from the loopback."""
from __future__ import annotations

import json

from zoo.cli import main


def test_list_show_fetch_verify(mirror, tmp_path, capsys):
    server, preset, registry, payload = mirror
    reg = ["--registry", str(registry)]
    assert main(["presets", *reg, "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["name", "version", "modality", "registration", "objective", "dim", "card"]
    assert [line.split() for line in lines if line.startswith(preset.name)] == \
        [[preset.name, "1", "tiny", "none", "ae", "3", f"model_cards/{preset.ref}.md"]]
    assert main(["presets", *reg, "show", preset.name]) == 0
    assert json.loads(capsys.readouterr().out) == preset.to_dict()
    assert main(["presets", *reg, "show", preset.ref, "--card"]) == 0
    assert capsys.readouterr().out.startswith("---\n")
    dest = tmp_path / "carry"
    assert main(["presets", *reg, "fetch", preset.ref, "--dest", str(dest)]) == 0
    assert (dest / preset.ref / "encoder.keras").read_bytes() == payload["encoder.keras"]
    capsys.readouterr()
    assert main(["presets", *reg, "verify", "--cache", str(dest)]) == 0
    (dest / preset.ref / "encoder.keras").write_bytes(b"tampered")
    assert main(["presets", *reg, "verify", "--cache", str(dest)]) == 2
    assert "mismatch" in capsys.readouterr().out


def test_errors_exit_nonzero_with_a_message(mirror, capsys):
    server, preset, registry, _ = mirror
    assert main(["presets", "--registry", str(registry), "show", "nope.none.ae"]) == 2
    assert "Unknown preset 'nope.none.ae'" in capsys.readouterr().err
    server.faults[f"/files/{preset.ref}/encoder.keras"] = ["404"] * 10
    assert main(["presets", "--registry", str(registry), "fetch", preset.ref]) == 2
    assert "404" in capsys.readouterr().err
    assert main(["presets", "--registry", str(registry), "fetch"]) == 2
