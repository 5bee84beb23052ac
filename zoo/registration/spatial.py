"""Differentiable spatial transforms as pure ``keras.ops`` functions.

Conventions (shared by every module of :mod:`zoo.registration`):

- Images are batched and channels-last: ``(B, H, W, C)`` in 2-D, ``(B, H, W, D, C)`` in 3-D.
- A point is written in **array-axis order** with pixel units: ``(row, col)`` in 2-D,
  ``(i, j, k)`` in 3-D; pixel centres sit at integer coordinates.
- Every transform is a *pull* (backward) map, as in VoxelMorph and OpenCV's
  ``WARP_INVERSE_MAP``: the output at point ``p`` samples the moving image at ``T(p)``.
  So a matrix maps output (fixed) coordinates to moving coordinates, and a displacement
  field ``u`` samples the moving image at ``p + u(p)``.
- Matrices are homogeneous ``(n+1, n+1)`` (or batched ``(B, n+1, n+1)``); displacement
  fields are ``(B, *spatial, n)`` with components in axis order.

Everything here is differentiable with respect to both the image and the transform:
the interpolation weights are linear in the sampling coordinates.
"""
from __future__ import annotations

import itertools

from keras import ops

__all__ = [
    "PADDING_MODES",
    "identity_grid",
    "interpolate",
    "affine_grid",
    "warp_affine",
    "warp_flow",
    "homography_from_corners",
    "corner_points",
    "integrate_velocity",
    "compose_affine",
    "invert_affine",
    "compose_flows",
    "invert_flow",
    "affine_to_flow",
]

# "zeros": outside the image is 0 (with a linear fade across the last pixel, which keeps
# gradients finite at the border); "border": coordinates are clamped to the edge, which is
# what a displacement field needs when it is resampled by itself.
PADDING_MODES = ("zeros", "border")


def _spatial_shape(image) -> tuple[int, ...]:
    shape = tuple(int(s) for s in image.shape[1:-1])
    if len(shape) not in (2, 3):
        raise ValueError(
            f"Expected a batched channels-last 2-D or 3-D image (B, H, W[, D], C), got shape {tuple(image.shape)}"
        )
    return shape


def identity_grid(shape, dtype="float32"):
    """Pixel coordinates of every point of ``shape``: ``(*shape, n)`` in axis order."""
    axes = [ops.arange(s, dtype=dtype) for s in shape]
    mesh = ops.meshgrid(*axes, indexing="ij")
    return ops.stack(mesh, axis=-1)


def interpolate(image, locations, padding="zeros"):
    """Sample ``image`` (B, *S, C) at ``locations`` (B, *L, n) by (bi/tri)linear interpolation.

    Returns ``(B, *L, C)``. Gradients flow to ``image`` and to ``locations``.
    """
    if padding not in PADDING_MODES:
        raise ValueError(f"Expected padding in {PADDING_MODES}, got {padding!r}")
    shape = _spatial_shape(image)
    ndim = len(shape)
    if int(locations.shape[-1]) != ndim:
        raise ValueError(
            f"Expected locations with {ndim} coordinates in the last axis for a {ndim}-D image, "
            f"got shape {tuple(locations.shape)}"
        )
    image = ops.convert_to_tensor(image)
    dtype = image.dtype
    locations = ops.cast(locations, dtype)
    batch = ops.shape(image)[0]
    channels = int(image.shape[-1])
    out_shape = tuple(locations.shape[1:-1])
    n_pixels = 1
    for s in shape:
        n_pixels *= s
    # Per-axis work on (B, P) arrays, then the 2**n corners gathered at once (one gather
    # over the whole batch, row b * n_pixels + pixel): few, small graph ops, which keeps
    # tracing and differentiating deep stacks (scaling and squaring) cheap.
    flat_image = ops.reshape(image, (-1, channels))
    loc = ops.reshape(locations, (batch, -1, ndim))
    idx_pairs, weight_pairs = [], []
    stride = 1
    strides = []
    for d in range(ndim - 1, -1, -1):
        strides.insert(0, stride)
        stride *= shape[d]
    for d in range(ndim):
        c = loc[..., d]
        top = float(shape[d] - 1)
        if padding == "border":
            c = ops.clip(c, 0.0, top)
        c0 = ops.floor(c)
        frac = c - c0
        c1 = c0 + 1.0
        w0 = (1.0 - frac) * ops.cast(ops.logical_and(c0 >= 0.0, c0 <= top), dtype)
        w1 = frac * ops.cast(ops.logical_and(c1 >= 0.0, c1 <= top), dtype)
        i0 = ops.cast(ops.clip(c0, 0.0, top), "int32") * strides[d]
        i1 = ops.cast(ops.clip(c1, 0.0, top), "int32") * strides[d]
        idx_pairs.append((i0, i1))
        weight_pairs.append((w0, w1))
    offset = ops.expand_dims(ops.arange(batch, dtype="int32") * n_pixels, -1)
    indices, weights = [], []
    for corner in itertools.product((0, 1), repeat=ndim):
        index, weight = offset, None
        for d, bit in enumerate(corner):
            index = index + idx_pairs[d][bit]
            weight = weight_pairs[d][bit] if weight is None else weight * weight_pairs[d][bit]
        indices.append(index)
        weights.append(weight)
    gathered = ops.take(flat_image, ops.stack(indices, axis=-1), axis=0)  # (B, P, K, C)
    out = ops.sum(gathered * ops.expand_dims(ops.stack(weights, axis=-1), -1), axis=2)
    return ops.reshape(out, (batch, *out_shape, channels))


def _batched_matrix(matrix, ndim, batch):
    matrix = ops.convert_to_tensor(matrix)
    if tuple(matrix.shape[-2:]) != (ndim + 1, ndim + 1):
        raise ValueError(
            f"Expected ({ndim + 1}, {ndim + 1}) homogeneous matrices for a {ndim}-D image, "
            f"got shape {tuple(matrix.shape)}"
        )
    if len(matrix.shape) == 2:
        matrix = ops.broadcast_to(ops.expand_dims(matrix, 0), (batch, ndim + 1, ndim + 1))
    return matrix


def affine_grid(matrix, shape, dtype="float32"):
    """Sampling locations ``(B, *shape, n)`` of a batch of homogeneous matrices.

    A full projective row (homography) is honoured: coordinates are divided by the last
    homogeneous component.
    """
    ndim = len(shape)
    matrix = ops.cast(ops.convert_to_tensor(matrix), dtype)
    if len(matrix.shape) == 2:
        matrix = ops.expand_dims(matrix, 0)
    if tuple(matrix.shape[-2:]) != (ndim + 1, ndim + 1):
        raise ValueError(
            f"Expected ({ndim + 1}, {ndim + 1}) matrices for a {ndim}-D grid, got {tuple(matrix.shape)}"
        )
    grid = identity_grid(shape, dtype)
    ones = ops.ones((*shape, 1), dtype=dtype)
    homog = ops.reshape(ops.concatenate([grid, ones], axis=-1), (-1, ndim + 1))
    mapped = ops.einsum("bij,pj->bpi", matrix, homog)
    points = mapped[..., :ndim] / mapped[..., ndim:]
    batch = ops.shape(matrix)[0]
    return ops.reshape(points, (batch, *shape, ndim))


def warp_affine(image, matrix, out_shape=None, padding="zeros"):
    """Warp ``image`` by (batched) homogeneous matrices; pull convention, axis order."""
    shape = _spatial_shape(image)
    out_shape = tuple(shape if out_shape is None else out_shape)
    matrix = _batched_matrix(matrix, len(shape), ops.shape(image)[0])
    return interpolate(image, affine_grid(matrix, out_shape, image.dtype), padding)


def warp_flow(image, flow, padding="zeros"):
    """Warp ``image`` by a dense displacement field ``flow`` (B, *S, n): out(p) = image(p + u(p))."""
    shape = _spatial_shape(image)
    if tuple(int(s) for s in flow.shape[1:]) != (*shape, len(shape)):
        raise ValueError(
            f"Expected a displacement field of shape (B, {', '.join(map(str, shape))}, {len(shape)}), "
            f"got {tuple(flow.shape)}"
        )
    grid = identity_grid(shape, image.dtype)
    return interpolate(image, ops.cast(flow, image.dtype) + grid, padding)


def corner_points(shape, dtype="float32"):
    """The four corners of a 2-D image in axis order: top-left, top-right, bottom-right, bottom-left."""
    h, w = float(shape[0] - 1), float(shape[1] - 1)
    return ops.convert_to_tensor([[0.0, 0.0], [0.0, w], [h, w], [h, 0.0]], dtype=dtype)


def homography_from_corners(offsets, shape):
    """The homography taking each image corner ``c_k`` to ``c_k + offsets_k``.

    ``offsets`` is ``(B, 4, 2)`` in pixels, corners ordered as :func:`corner_points`.
    Solved as the 8×8 direct linear transform with ``h33 = 1`` (batched ``ops.solve``), so it
    is differentiable in the offsets. As a pull map: output corner ``k`` samples the moving
    image at ``c_k + offsets_k``.
    """
    offsets = ops.convert_to_tensor(offsets)
    if tuple(offsets.shape[-2:]) != (4, 2):
        raise ValueError(f"Expected corner offsets of shape (B, 4, 2), got {tuple(offsets.shape)}")
    dtype = offsets.dtype
    src = corner_points(shape, dtype)
    batch = ops.shape(offsets)[0]
    src = ops.broadcast_to(ops.expand_dims(src, 0), (batch, 4, 2))
    dst = src + offsets
    x, y = src[..., 0], src[..., 1]
    u, v = dst[..., 0], dst[..., 1]
    one, zero = ops.ones_like(x), ops.zeros_like(x)
    rows_u = ops.stack([x, y, one, zero, zero, zero, -u * x, -u * y], axis=-1)
    rows_v = ops.stack([zero, zero, zero, x, y, one, -v * x, -v * y], axis=-1)
    a = ops.concatenate([rows_u, rows_v], axis=1)  # (B, 8, 8)
    b = ops.concatenate([u, v], axis=1)  # (B, 8)
    h = ops.solve(a, ops.expand_dims(b, -1))[..., 0]
    h = ops.concatenate([h, ops.ones_like(h[:, :1])], axis=-1)
    return ops.reshape(h, (batch, 3, 3))


def integrate_velocity(velocity, steps=7):
    """Scaling and squaring: the displacement of the flow of a stationary velocity field.

    ``u = v / 2**steps``; then ``steps`` times ``u(p) <- u(p) + u(p + u(p))``. A constant
    velocity integrates to exactly itself; the result is (approximately) diffeomorphic.
    """
    if steps < 0:
        raise ValueError(f"Expected a non-negative number of integration steps, got {steps}")
    flow = velocity / float(2**steps)
    for _ in range(steps):
        flow = flow + warp_flow(flow, flow, padding="border")
    return flow


def compose_affine(*matrices):
    """The single matrix equal to warping by ``matrices[0]``, then ``matrices[1]``, ….

    With pull maps, warping by A then B samples the original at ``A @ B @ p``.
    """
    if not matrices:
        raise ValueError("Expected at least one matrix to compose")
    out = ops.convert_to_tensor(matrices[0])
    for m in matrices[1:]:
        out = ops.matmul(out, ops.convert_to_tensor(m))
    return out


def invert_affine(matrix):
    """Inverse of (batched) homogeneous matrices (affine or projective)."""
    return ops.inv(ops.convert_to_tensor(matrix))


def compose_flows(first, second):
    """The displacement equal to warping by ``first`` and then by ``second``.

    ``out2(p) = out1(p + v(p)) = img(p + v(p) + u(p + v(p)))``, so the result is
    ``v + u ∘ (id + v)``.
    """
    return second + warp_flow(first, second, padding="border")


def invert_flow(flow, iterations: int = 20):
    """The displacement ``w`` undoing ``flow`` (``compose_flows(flow, w) ≈ 0``), by the
    fixed-point iteration ``w(p) = -u(p + w(p))``; converges where the deformation is
    invertible with ``|∇u| < 1``. For a velocity field, integrating ``-v`` is the exact
    alternative (:func:`integrate_velocity`)."""
    if iterations < 1:
        raise ValueError(f"Expected at least one inversion iteration, got {iterations}")
    inverse = -ops.convert_to_tensor(flow)
    for _ in range(iterations):
        inverse = -warp_flow(flow, inverse, padding="border")
    return inverse


def affine_to_flow(matrix, shape):
    """The dense displacement field of (batched) matrices over ``shape``."""
    shape = tuple(shape)
    locations = affine_grid(matrix, shape)
    return locations - identity_grid(shape, locations.dtype)
