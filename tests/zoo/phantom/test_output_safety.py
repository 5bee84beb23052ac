"""``zoo phantom --out DIR`` writes each file to a temp name and renames it: symlinks
planted in DIR (tables, genotypes, truth, subject files) are replaced, their targets
untouched, and the user's own files beside them are kept."""
from __future__ import annotations

from zoo.cli import main

OUTPUTS = ("phenotypes.csv", "genotypes.bed", "genotypes.bim", "genotypes.fam", "truth.json")


ARGS = ["phantom", "--n", "20", "--n-variants", "1000", "--quiet", "--workers", "1"]


def test_planted_symlinks_are_replaced_not_written_through(tmp_path, capsys):
    # a first run names the subject files (same seed, same names)
    assert main([*ARGS, "--out", str(tmp_path / "first")]) == 0
    subjects = sorted(p.name for p in (tmp_path / "first" / "hd5").glob("*.hd5"))
    out, victims = tmp_path / "out", tmp_path / "victims"
    (out / "hd5").mkdir(parents=True)
    victims.mkdir()
    (out / "notes.txt").write_text("user file\n")
    planted = [*OUTPUTS, *(f"hd5/{name}" for name in subjects[:2]), "hd5/user_subject.hd5"]
    for name in planted:
        victim = victims / name.replace("/", "_")
        victim.write_text(f"precious {name}\n")
        (out / name).symlink_to(victim)
    assert main([*ARGS, "--out", str(out)]) == 0
    for name in planted:
        assert (victims / name.replace("/", "_")).read_text() == f"precious {name}\n"
    for name in OUTPUTS:
        assert (out / name).is_file() and not (out / name).is_symlink()
    assert (out / "notes.txt").read_text() == "user file\n"
    for name in subjects:
        assert (out / "hd5" / name).is_file() and not (out / "hd5" / name).is_symlink()
    assert (out / "hd5" / "user_subject.hd5").is_symlink()   # not ours: left alone
    assert not [p for p in out.rglob("*.tmp")]
