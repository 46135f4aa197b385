"""Definition 1 of paper A (§3): the constants of a law D, a target w*, a filter level θ* and an attack
probability β(x) that Theorem 3.1 is stated in (paper).

    a_i      = E[1{w*ᵀx > 0} ‖x‖^i],          i = 2, 4 (the paper), and i = 1: the paper's constant c′2
                                               (Theorem 3.1, Case II) uses an a_1 that Definition 1 never defines;
                                               we take the same expression at i = 1, as its use in Appendix B
                                               (B.3, "E[1{w*ᵀx_tj > 0} ‖x_tj‖]") shows it is meant
    β_j      = E[β(x) 1{w*ᵀx > 0} ‖x‖^j],     j = 1, 2, 3
    λ1(θ*)   = λ_min(E[1{w*ᵀx > 2θ*} x xᵀ])    (λ1 = λ1(0) in Case I)

and E‖x‖², which Remark 1(b) uses. Two ways to get them:

* `gaussian`: closed forms for x ~ N(0, σ² I_n) (derived here). With u = w*/‖w*‖, z = uᵀx ~ N(0, σ²) and
  x = z u + v, v ~ N(0, σ²(I − uuᵀ)) independent of z:
  - E‖x‖^k = σ^k 2^{k/2} Γ((n + k)/2) / Γ(n/2) (the chi law); the reflection x ↦ x − 2(uᵀx)u keeps ‖x‖ and
    flips the sign of z, so E[1{z > 0} ‖x‖^k] = ½ E‖x‖^k: a1 = ½E‖x‖, a2 = nσ²/2, a4 = σ⁴ n(n + 2)/2;
  - β(x) = β 1{w*ᵀx > r} (constant β: r = −∞): β_j = β E[1{z > max(r, 0)/‖w*‖} ‖x‖^j], which is β a_j for
    r <= 0 and a two-dimensional integral (over z and ‖v‖) for r > 0, done by Gauss–Legendre quadrature;
  - with a = 2θ*/‖w*‖ and c = a/σ: E[1{z > a} x xᵀ] = σ² [Q(c) (I − uuᵀ) + (c φ(c) + Q(c)) uuᵀ]
    (E[1{z > a} v vᵀ] = P(z > a) σ²(I − uuᵀ), E[1{z > a} z v] = 0, E[1{z > a} z²] = σ²(cφ(c) + Q(c))),
    so λ1(θ*) = σ² Q(c) for n >= 2 (c >= 0: cφ(c) >= 0) and σ²(cφ(c) + Q(c)) for n = 1; λ1(0) = σ²/2.
* `monte_carlo`: any law given as `draw(count) -> (count, n)` (e.g. a law of relu_lib.paper_a.laws), with
  standard errors from batch means. λ1 is the smallest eigenvalue of the pooled matrix; its standard error is
  the batch-to-batch spread of the batch eigenvalues. Where λ_min is degenerate (isotropic laws: n − 1 equal
  eigenvalues) the pooled estimate is biased low by about its own standard error; compare the matrix
  (`matrix`, `matrix_se`), not the eigenvalue, there.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

BATCHES = 16
NAMES = ("a1", "a2", "a4", "beta1", "beta2", "beta3", "lambda1", "lambda1_zero", "e_norm2")


@dataclass(frozen=True)
class Definition1:
    """Definition 1's constants at one (law, w*, θ*, β(x)).

    `lambda1` is λ1(θ*) (Case II), `lambda1_zero` is λ1 = λ1(0) (Case I). `se` maps each name of NAMES to its
    Monte Carlo standard error (0 for a closed form); `matrix` is E[1{w*ᵀx > 2θ*} x xᵀ] where it was built
    (Monte Carlo, or `gaussian(..., matrix=True)`), with `matrix_se` entrywise."""

    n: int
    theta: float
    a1: float
    a2: float
    a4: float
    beta1: float
    beta2: float
    beta3: float
    lambda1: float
    lambda1_zero: float
    e_norm2: float
    source: str  # "closed form (Gaussian)" | "monte carlo (S samples, B batches)"
    se: dict = field(default_factory=lambda: dict.fromkeys(NAMES, 0.0))
    matrix: np.ndarray | None = None
    matrix_se: np.ndarray | None = None

    def with_beta_scaled(self, factor: float) -> Definition1:
        """The same law with β(x) multiplied by `factor` (β_j scale linearly): a β sweep without new draws."""
        se = dict(self.se)
        for j in (1, 2, 3):
            se[f"beta{j}"] = se[f"beta{j}"] * abs(factor)
        return Definition1(
            n=self.n,
            theta=self.theta,
            a1=self.a1,
            a2=self.a2,
            a4=self.a4,
            beta1=self.beta1 * factor,
            beta2=self.beta2 * factor,
            beta3=self.beta3 * factor,
            lambda1=self.lambda1,
            lambda1_zero=self.lambda1_zero,
            e_norm2=self.e_norm2,
            source=self.source,
            se=se,
            matrix=self.matrix,
            matrix_se=self.matrix_se,
        )


def normal_tail(c: float) -> float:
    """Q(c) = P(N(0, 1) > c)."""
    return 0.5 * math.erfc(c / math.sqrt(2))


def normal_density(c: float) -> float:
    return math.exp(-0.5 * c * c) / math.sqrt(2 * math.pi)


def norm_moment(n: int, k: float, sigma: float = 1.0) -> float:
    """E‖x‖^k for x ~ N(0, σ² I_n): σ^k 2^{k/2} Γ((n + k)/2) / Γ(n/2)."""
    return sigma**k * math.exp(0.5 * k * math.log(2) + math.lgamma((n + k) / 2) - math.lgamma(n / 2))


def filter_matrix_gaussian(w_star: np.ndarray, theta: float, sigma: float = 1.0) -> np.ndarray:
    """E[1{w*ᵀx > 2θ*} x xᵀ] for x ~ N(0, σ² I_n): σ²[Q(c)(I − uuᵀ) + (cφ(c) + Q(c))uuᵀ], c = 2θ*/(σ‖w*‖)."""
    w_star = np.asarray(w_star, dtype=float)
    rho = float(np.linalg.norm(w_star))
    u = w_star / rho
    c = 2 * theta / (sigma * rho)
    tail = normal_tail(c)
    along = c * normal_density(c) + tail
    return sigma**2 * (tail * (np.eye(u.size) - np.outer(u, u)) + along * np.outer(u, u))


def lambda1_gaussian(n: int, w_star_norm: float, theta: float, sigma: float = 1.0) -> float:
    """λ1(θ*) for N(0, σ² I_n): σ² Q(c) (n >= 2), σ²(cφ(c) + Q(c)) (n = 1), c = 2θ*/(σ‖w*‖), θ* >= 0."""
    c = 2 * theta / (sigma * w_star_norm)
    tail = normal_tail(c)
    along = c * normal_density(c) + tail
    return sigma**2 * (along if n == 1 else min(tail, along))


def _gauss_legendre(lo: float, hi: float, nodes: int) -> tuple[np.ndarray, np.ndarray]:
    x, w = np.polynomial.legendre.leggauss(nodes)
    half = 0.5 * (hi - lo)
    return lo + half * (x + 1), half * w


def tail_norm_moment(n: int, c: float, k: int, nodes: int = 200) -> float:
    """E[1{ζ > c} ‖y‖^k] for y ~ N(0, I_n), ζ = its first coordinate (quadrature; exact ½E‖y‖^k at c = 0).

    ‖y‖² = ζ² + R², R ~ chi_{n-1} independent of ζ: a two-dimensional Gauss–Legendre rule on ζ in [c, 12]
    (the tail beyond 12 is below 1e-32) and on R over the chi law's bulk (±14 of its scale around √(n − 1))."""
    if c == 0:
        return 0.5 * norm_moment(n, k)
    zeta_lo = max(c, -12.0)
    if zeta_lo >= 12.0:
        return 0.0
    zs, zw = _gauss_legendre(zeta_lo, 12.0, nodes)
    zw = zw * np.exp(-0.5 * zs**2) / math.sqrt(2 * math.pi)
    if n == 1:
        return float(np.sum(zw * np.abs(zs) ** k))
    dof = n - 1
    centre = math.sqrt(max(dof - 0.5, 0.0))
    rs, rw = _gauss_legendre(max(0.0, centre - 14.0), centre + 14.0, nodes)
    log_chi = (
        (dof - 1) * np.log(np.maximum(rs, 1e-300)) - 0.5 * rs**2 - (dof / 2 - 1) * math.log(2) - math.lgamma(dof / 2)
    )
    rw = rw * np.exp(log_chi)
    values = (zs[:, None] ** 2 + rs[None, :] ** 2) ** (k / 2)
    return float(zw @ values @ rw)


def gaussian(
    n: int,
    w_star_norm: float,
    theta: float = 0.0,
    beta: float = 0.0,
    beta_threshold: float = -math.inf,
    sigma: float = 1.0,
    *,
    matrix_direction: np.ndarray | None = None,
) -> Definition1:
    """Definition 1's constants for x ~ N(0, σ² I_n), ‖w*‖ = w_star_norm, filter level θ* and
    β(x) = β 1{w*ᵀx > beta_threshold} (the project's attack model; −∞: constant β). Closed forms (module doc);
    β_j by quadrature where beta_threshold > 0. `matrix_direction` (w* itself) also builds the matrix."""
    half = [0.5 * norm_moment(n, k, sigma) for k in range(5)]
    cut = max(beta_threshold, 0.0) / (w_star_norm * sigma)
    if cut == 0.0:
        betas = [beta * half[j] for j in range(4)]
    else:
        betas = [beta * sigma**j * tail_norm_moment(n, cut, j) for j in range(4)]
    matrix = None
    if matrix_direction is not None:
        matrix = filter_matrix_gaussian(matrix_direction, theta, sigma)
    return Definition1(
        n=n,
        theta=float(theta),
        a1=half[1],
        a2=half[2],
        a4=half[4],
        beta1=betas[1],
        beta2=betas[2],
        beta3=betas[3],
        lambda1=lambda1_gaussian(n, w_star_norm, theta, sigma),
        lambda1_zero=lambda1_gaussian(n, w_star_norm, 0.0, sigma),
        e_norm2=n * sigma**2,
        source="closed form (Gaussian)",
        matrix=matrix,
        matrix_se=None if matrix is None else np.zeros_like(matrix),
    )


def beta_function(beta: float, beta_threshold: float, w_star: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """β(x) = β 1{w*ᵀx > beta_threshold} as a function of inputs (count, n) (the project's attack model)."""
    w_star = np.asarray(w_star, dtype=float)
    return lambda x: beta * (x @ w_star > beta_threshold)


def monte_carlo(
    draw: Callable[[int], np.ndarray],
    w_star: np.ndarray,
    theta: float = 0.0,
    beta: float | Callable[[np.ndarray], np.ndarray] = 0.0,
    samples: int = 200_000,
    batches: int = BATCHES,
) -> Definition1:
    """Definition 1's constants of any law from `samples` draws of `draw(count) -> (count, n)` in `batches`
    batches; `beta` a constant or a function β(x) of the inputs (count, n) -> (count,). Standard errors from
    batch means (each batch an independent estimate; se = sd over batches / sqrt(batches))."""
    w_star = np.asarray(w_star, dtype=float)
    per = max(1, samples // batches)
    values = {name: [] for name in NAMES}
    mats, mats_zero = [], []
    for _ in range(batches):
        x = np.asarray(draw(per), dtype=float)
        proj = x @ w_star
        norm2 = np.einsum("ij,ij->i", x, x)
        norm = np.sqrt(norm2)
        pos = (proj > 0).astype(float)
        b = beta(x) if callable(beta) else np.full(per, float(beta))
        values["a1"].append(np.mean(pos * norm))
        values["a2"].append(np.mean(pos * norm2))
        values["a4"].append(np.mean(pos * norm2**2))
        values["beta1"].append(np.mean(b * pos * norm))
        values["beta2"].append(np.mean(b * pos * norm2))
        values["beta3"].append(np.mean(b * pos * norm2 * norm))
        values["e_norm2"].append(np.mean(norm2))
        keep = (proj > 2 * theta).astype(float)
        m = (x * keep[:, None]).T @ x / per
        m0 = (x * pos[:, None]).T @ x / per
        mats.append(m)
        mats_zero.append(m0)
        values["lambda1"].append(np.linalg.eigvalsh(m)[0])
        values["lambda1_zero"].append(np.linalg.eigvalsh(m0)[0])
    root = math.sqrt(batches)
    se = {name: float(np.std(v, ddof=1) / root) if batches > 1 else math.nan for name, v in values.items()}
    mean = {name: float(np.mean(v)) for name, v in values.items()}
    matrix, matrix_zero = np.mean(mats, axis=0), np.mean(mats_zero, axis=0)
    mean["lambda1"] = float(np.linalg.eigvalsh(matrix)[0])
    mean["lambda1_zero"] = float(np.linalg.eigvalsh(matrix_zero)[0])
    return Definition1(
        n=int(w_star.size),
        theta=float(theta),
        source=f"monte carlo ({per * batches} samples, {batches} batches)",
        se=se,
        matrix=matrix,
        matrix_se=np.std(mats, axis=0, ddof=1) / root if batches > 1 else None,
        **mean,
    )


def for_law(
    law_spec: dict,
    w_star: np.ndarray,
    theta: float = 0.0,
    beta: float = 0.0,
    beta_threshold: float = -math.inf,
    samples: int = 200_000,
    rng: np.random.Generator | None = None,
) -> Definition1:
    """A law of relu_lib.paper_a.laws by its config entry: the closed form for `normal`, Monte Carlo otherwise."""
    w_star = np.asarray(w_star, dtype=float)
    if law_spec["family"] == "normal":
        return gaussian(
            int(law_spec["d"]), float(np.linalg.norm(w_star)), theta, beta, beta_threshold, float(law_spec["sigma"])
        )
    from relu_lib.paper_a.laws import make_law

    law = make_law(law_spec)
    rng = rng if rng is not None else np.random.default_rng(0)
    return monte_carlo(
        lambda count: law.sample(rng, (count,)), w_star, theta, beta_function(beta, beta_threshold, w_star), samples
    )
