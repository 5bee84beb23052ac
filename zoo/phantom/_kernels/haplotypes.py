"""Haplotypes from a latent Gaussian Markov chain along each chromosome."""
from __future__ import annotations

from fastio._jit import jit


@jit
def markov_genotypes(noise, rho, thresholds, hap_population, out):
    """Add two thresholded AR(1) haplotypes per individual into ``out``.

    noise (2N, M) float32 standard normals; rho (M,) correlation of variant j with j-1
    (rho[0] is ignored: a chromosome starts fresh); thresholds (K, M): allele 1 where
    the latent value is below the threshold of the haplotype's population;
    hap_population (2N,) int; out (N, M) int8, zeroed by the caller.
    """
    n_hap, n_var = noise.shape
    for h in range(n_hap):
        pop = hap_population[h]
        ind = h // 2
        z = noise[h, 0]
        if z < thresholds[pop, 0]:
            out[ind, 0] += 1
        for j in range(1, n_var):
            r = rho[j]
            z = r * z + (1.0 - r * r) ** 0.5 * noise[h, j]
            if z < thresholds[pop, j]:
                out[ind, j] += 1
