"""zoo.evaluate: compare latent spaces by phenotype prediction, PheWAS counts and latent GWAS.

Never imports Keras or TensorFlow. Sub-modules are imported on first attribute access so
``import zoo.evaluate`` does no work.

    from zoo.evaluate import read_latents, read_covariates, run_gwas, GwasConfig
    latents = read_latents("hidden_ecg_rest_v1.tsv")            # sample_id latent_0 ...
    covar = read_covariates("phenotypes.csv", "age,sex,PC1-PC10")
    result = run_gwas("genotypes", latents, covar, GwasConfig())  # PLINK prefix
    result.write("gwas_out")      # plink2-style long TSV + per-variant MANOVA table

Command lines: ``zoo gwas`` and ``zoo compare`` (``zoo/commands/gwas.py``, ``compare.py``).
"""
import lazy_loader

# the public names and their modules are listed once, in __init__.pyi
__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
