"""Every shipped preset: a card equal to its registry entry, bundled files that match
their sha256 and size, and the size budget (≤ 1 MB a file, ≤ 25 MB in all)."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from zoo.presets.cards import hub_keys, parse_card, render_card
from zoo.presets.registry import PACKAGE_REGISTRY, Registry

ROOT = Path(__file__).resolve().parents[3]
SHIPPED = Registry([PACKAGE_REGISTRY])
ENTRIES = [SHIPPED.entries[k] for k in sorted(SHIPPED.entries)]
# an empty registry must not turn these tests into skips: its one case checks there are no cards
PARAMS = [pytest.param(e, id=e.preset.ref) for e in ENTRIES] or [pytest.param(None, id="empty-registry")]


def _no_cards() -> bool:
    return not list((ROOT / "model_cards").glob("*@*.md"))


@pytest.mark.parametrize("entry", PARAMS)
def test_card_equals_registry_entry(entry):
    if entry is None:
        assert _no_cards()
        return
    preset = entry.preset
    card = ROOT / preset.card_path
    assert card.is_file(), f"preset {preset.ref} has no card at {preset.card_path}"
    text = card.read_text(encoding="utf-8")
    front, body = parse_card(text, str(card))
    assert {k: front.get(k) for k in preset.to_dict()} == preset.to_dict()
    assert {k: v for k, v in front.items() if k not in preset.to_dict()} == hub_keys(preset)
    assert text == render_card(preset)  # the prose is generated from the entry too
    if preset.training.get("data", {}).get("kind") == "phantom":
        assert "not for clinical use" in body


@pytest.mark.parametrize("entry", PARAMS)
def test_bundled_files_match(entry):
    if entry is None:
        assert not (PACKAGE_REGISTRY.parent / "files").exists()
        return
    for f in entry.preset.files:
        path = entry.bundled(f.name)
        assert path.is_file(), f"{entry.preset.ref}: bundled file {f.name} missing"
        data = path.read_bytes()
        assert (hashlib.sha256(data).hexdigest(), len(data)) == (f.sha256, f.size)
        assert f.size <= 1_000_000, f"{entry.preset.ref}/{f.name}: {f.size} bytes, budget 1 MB"


def test_budget_and_no_orphans():
    total = sum(f.size for e in ENTRIES for f in e.preset.files)
    assert total <= 25_000_000
    cards = {p.name for p in (ROOT / "model_cards").glob("*@*.md")}
    assert cards == {f"{e.preset.ref}.md" for e in ENTRIES}
    files = PACKAGE_REGISTRY.parent / "files"
    shipped = {str(p.relative_to(files)) for p in files.rglob("*") if p.is_file()} if files.is_dir() else set()
    assert shipped == {f"{e.preset.ref}/{f.name}" for e in ENTRIES for f in e.preset.files}


def test_setup_ships_registry_and_files():
    text = (ROOT / "setup.py").read_text(encoding="utf-8")
    assert "presets/registry.json" in text and "presets/files/*/*" in text
