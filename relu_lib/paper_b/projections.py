"""Projections P_K onto the constraint sets of paper B (docs/theory.md B.0, B.1).

Every function acts on the last axis and is vectorised over any leading axes (trials,
observation models, ...): `W` has shape (..., d). Parameters `s` and `radius` are scalars or
arrays broadcastable to `W.shape[:-1]` (one value per row).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Projection = Callable[[np.ndarray], np.ndarray]


def project_none(W: np.ndarray) -> np.ndarray:
    """K = R^d: the identity (a copy)."""
    return np.array(W, dtype=float, copy=True)


def project_l0(W: np.ndarray, s) -> np.ndarray:
    """Hard thresholding onto {w : ||w||_0 <= s}: keep the s largest |entries| of each row.

    Ties are broken deterministically: among entries of equal magnitude the one with the
    lower index is kept (a stable sort of -|w|). This is a Euclidean projection onto the
    (nonconvex) s-sparse set; ties are where it is not unique.
    """
    W = np.asarray(W, dtype=float)
    order = np.argsort(-np.abs(W), axis=-1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(W.shape[-1]), axis=-1)
    keep = rank < np.asarray(s)[..., None]
    return np.where(keep, W, 0.0)


def project_l1(W: np.ndarray, radius) -> np.ndarray:
    """Euclidean projection onto the l1 ball {w : ||w||_1 <= radius} (Duchi et al. 2008, Fig. 1).

    Rows already inside the ball are returned unchanged. Otherwise
    w = sign(v) * max(|v| - theta, 0) with theta = (sum_{j<=rho} u_j - radius) / rho, where u
    is |v| sorted decreasingly and rho = max{j : u_j > (sum_{i<=j} u_i - radius) / j}.
    """
    W = np.asarray(W, dtype=float)
    radius = np.broadcast_to(np.asarray(radius, dtype=float), W.shape[:-1])
    if np.any(radius < 0):
        raise ValueError("project_l1: radius must be >= 0")
    A = np.abs(W)
    u = -np.sort(-A, axis=-1)
    css = np.cumsum(u, axis=-1) - radius[..., None]
    j = np.arange(1, W.shape[-1] + 1)
    rho = np.maximum(np.where(u * j > css, j, 0).max(axis=-1), 1)  # radius 0: theta = max|v|
    theta = np.take_along_axis(css, rho[..., None] - 1, axis=-1) / rho[..., None]
    projected = np.sign(W) * np.maximum(A - theta, 0.0)
    inside = A.sum(axis=-1) <= radius
    return np.where(inside[..., None], W, projected)


PROJECTIONS = {"none": project_none, "l0": project_l0, "l1": project_l1}


def projection_for(constraint: str, w_star: np.ndarray) -> Projection:
    """P_K for K = {w : R(w) <= R(w*)} (docs/theory.md B.0), one set per row of `w_star` (..., d).

    l0: s = ||w*||_0, l1: radius = ||w*||_1, none: identity. The returned function accepts
    W of shape (*w_star.shape[:-1], *extra, d): extra axes (e.g. observation models) share
    their row's set.
    """
    if constraint not in PROJECTIONS:
        raise ValueError(f"unknown constraint {constraint!r}; allowed: {sorted(PROJECTIONS)}")
    w_star = np.asarray(w_star, dtype=float)
    if constraint == "none":
        return project_none
    level = np.count_nonzero(w_star, axis=-1) if constraint == "l0" else np.abs(w_star).sum(axis=-1)
    func = PROJECTIONS[constraint]

    def project(W: np.ndarray) -> np.ndarray:
        extra = np.ndim(W) - 1 - level.ndim
        return func(W, np.reshape(level, level.shape + (1,) * extra))

    return project
