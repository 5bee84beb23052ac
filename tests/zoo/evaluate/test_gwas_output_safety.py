"""``zoo gwas --out DIR`` writes only its own files, each renamed into place: symlinks
planted in DIR are replaced (their targets untouched), user files beside them are kept."""
from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from zoo.commands import gwas as cli_gwas

OUTPUTS = ("latent_gwas.glm.linear.tsv", "latent_gwas.manova.tsv", "loci_min_p.tsv",
           "loci_manova.tsv", "summary.json", "manhattan_min_p.png", "manhattan_manova.png",
           "qq.png", "latents.plink2.pheno", "latents.regenie.pheno",
           "covariates.plink2.covar", "covariates.regenie.covar")


def _args(cohort, out, latents=None):
    return ["--bfile", cohort.bfile, "--latents", str(latents or cohort.latents),
            "--covariates", cohort.phenotypes, "--covar-names", "age,sex", "--out", str(out),
            "--quiet", "--export-phenotypes", "--threshold", "1e-6"]


def test_planted_symlinks_are_replaced_not_written_through(cohort, tmp_path):
    out, victims = tmp_path / "out", tmp_path / "victims"
    out.mkdir()
    victims.mkdir()
    for name in OUTPUTS:
        (victims / name).write_text(f"precious {name}\n")
        (out / name).symlink_to(victims / name)
    (out / "notes.txt").write_text("user file\n")
    assert cli_gwas.main(_args(cohort, out)) == 0
    for name in OUTPUTS:
        assert (victims / name).read_text() == f"precious {name}\n"
        assert (out / name).is_file() and not (out / name).is_symlink()
    assert (out / "notes.txt").read_text() == "user file\n"
    assert json.loads((out / "summary.json").read_text())["n_samples"] == 500
    assert sorted(p.name for p in out.iterdir()) == sorted([*OUTPUTS, "notes.txt"])


@pytest.mark.parametrize("where", [".", ".."])
def test_dot_and_dotdot_keep_user_files_and_the_source(cohort, tmp_path, monkeypatch, where):
    home = tmp_path / "a" / "b"
    home.mkdir(parents=True)
    target = home if where == "." else home.parent
    (target / "notes.txt").write_text("user file\n")
    latents = shutil.copy(cohort.latents, target / "hidden_source.tsv")   # the source inside --out
    before = pd.read_csv(latents, sep="\t")
    monkeypatch.chdir(home)
    assert cli_gwas.main(_args(cohort, where, latents)) == 0
    assert (target / "notes.txt").read_text() == "user file\n"
    pd.testing.assert_frame_equal(pd.read_csv(latents, sep="\t"), before)
    assert (target / "latent_gwas.glm.linear.tsv").is_file()
    assert not [p for p in target.iterdir() if p.name.endswith(".tmp")]
