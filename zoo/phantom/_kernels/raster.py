"""Rasterise analytic primitives (capsules, ellipses) at arbitrary projective coordinates.

Each image is a sum of primitives evaluated at the canonical coordinates of its pixel
centres, so a pose, a homography or a resolution change costs nothing extra and needs
no resampling: the nuisance is applied to the *coordinates*, never to pixels.
"""
from __future__ import annotations

import math

from fastio._jit import jit

# Column layout of one primitive row (float64):
#   0 shape (0 capsule, 1 ellipse)   1 profile (0 flat, 1 dome)
#   2 cx  3 cy  4 a  5 b  6 cos(angle)  7 sin(angle)  8 amplitude  9 bounding radius²
N_FIELDS = 10


@jit(fastmath=True)
def render(prims, transforms, background, edge, out):
    """out[n, i, j] = background[n] + sum_p amp_p * profile_p(T_n @ (j, i, 1)).

    prims (B, P, 10) float64, transforms (B, 3, 3) float64 mapping pixel (col, row, 1)
    to homogeneous canonical coordinates, background (B,), edge: width of a flat
    primitive's soft border in canonical units (about one pixel, for anti-aliasing).
    """
    n_img, height, width = out.shape
    n_prim = prims.shape[1]
    inv_edge = 1.0 / edge
    for n in range(n_img):
        t = transforms[n]
        for i in range(height):
            for j in range(width):
                xh = t[0, 0] * j + t[0, 1] * i + t[0, 2]
                yh = t[1, 0] * j + t[1, 1] * i + t[1, 2]
                wh = t[2, 0] * j + t[2, 1] * i + t[2, 2]
                x = xh / wh
                y = yh / wh
                acc = background[n]
                for p in range(n_prim):
                    amp = prims[n, p, 8]
                    if amp == 0.0:
                        continue
                    dx = x - prims[n, p, 2]
                    dy = y - prims[n, p, 3]
                    if dx * dx + dy * dy > prims[n, p, 9]:
                        continue
                    c = prims[n, p, 6]
                    s = prims[n, p, 7]
                    u = c * dx + s * dy
                    v = -s * dx + c * dy
                    a = prims[n, p, 4]
                    b = prims[n, p, 5]
                    if prims[n, p, 0] == 0.0:
                        # capsule: segment of half-length a along u, radius b
                        tu = min(max(u, -a), a)
                        d = math.sqrt((u - tu) * (u - tu) + v * v)
                        q = d / b
                        inside = b - d
                    else:
                        q = math.sqrt((u / a) * (u / a) + (v / b) * (v / b))
                        inside = (1.0 - q) * min(a, b)
                    if prims[n, p, 1] == 0.0:
                        val = inside * inv_edge + 0.5
                        if val <= 0.0:
                            continue
                        if val > 1.0:
                            val = 1.0
                    else:
                        if q >= 1.0:
                            continue
                        val = math.sqrt(1.0 - q * q)
                    acc += amp * val
                out[n, i, j] = acc
