"""zoo.phantom: a synthetic biobank with known genetic ground truth.

``generate(out_dir, n=1000, seed=0, scale="quick")`` (or ``zoo phantom --n N --out DIR
--seed S --scale quick|full``) writes::

    DIR/hd5/{sample_id}.hd5     all nine tensors in the ml4h layout, /{prefix}/{dataset}/instance_0
                                (about 10 % of subjects also have a repeat visit at instance_1)
    DIR/phenotypes.csv          sample_id, age, sex, PC1..PC10, continuous and 0/1 traits
    DIR/genotypes.bed/.bim/.fam PLINK 1 files, FID = IID = sample_id, allele 1 = ALT
    DIR/truth.json              factors (h2 target/realised), causal variants and effects,
                                per-subject factor values and nuisance, registration map
    DIR/preview.png             every modality for four subjects

Genotypes: thresholded Gaussian AR(1) haplotypes (LD decaying with distance, hotspots),
a neutral frequency spectrum and three drifted populations. Nine latent factors with
target heritabilities drive anatomy, which drives both phenotypes and images. Each
unregistered tensor carries the nuisance its registration method removes (pose →
template, homography/VoxelMorph; phase → median beat, DeepCycle; view noise → DropFuse),
at a strength set by ``nuisance`` (0..1, default 0.25, recorded in ``truth.json``). The
brain slices are the MNI152 templates nilearn ships, warped per subject;
``factor_r2`` measures how much biology each tensor shows. Names resolve lazily so
``import zoo.phantom`` does no work.
"""
import lazy_loader

# the public names and their modules are listed once, in __init__.pyi
__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
