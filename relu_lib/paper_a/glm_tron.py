"""Paper A, §2: Algorithm 1 (GLM-Tron, full batch) and the checks of Lemma 2.1, Theorem 2.2, Theorem 2.3 and
Corollary 2.4 against simulation.

The statements, as the paper writes them (§2 and Appendix A; S samples, ‖x_i‖ ≤ 1, σ L-Lipschitz and
non-decreasing, h_t(x) = σ(⟨w_t, x⟩)):

* Algorithm 1: w_1 = 0, w_{t+1} = w_t + (1/S) Σ_i (y_i − σ(⟨w_t, x_i⟩)) x_i (no step size).
* Lemma 2.1 (any w, W ≥ ‖w_t − w‖, η ≥ ‖(1/S) Σ_i (y_i − σ(⟨w, x_i⟩)) x_i‖, any L > 0):
  ‖w_{t+1} − w‖² ≤ ‖w_t − w‖² − (2/L − 1) L̃_S(h_t) + η² + 2ηW(L + 1),
  L̃_S(h_t) = (1/S) Σ_i (σ(⟨w_t, x_i⟩) − σ(⟨w, x_i⟩))².
* Theorem 2.2 (y_i = σ(⟨w*, x_i⟩) + ξ_i, |ξ_i| ≤ θ for every i, L < 2; no other assumption on ξ): in at most
  T = ‖w*‖/ε steps an iterate w_T has L̃_S(h_T) < B = (L/(2 − L))(ε + θ² + 2θ‖w*‖(L + 1)), L̃_S relative to w*.
  A deterministic statement about every sample: the row takes the worst of R independent draws.
  The proof (A.2) counts steps that each lower ‖w_t − w*‖² by ε from ‖w*‖²: that gives T = ‖w*‖²/ε, not
  ‖w*‖/ε. The two coincide at ‖w*‖ = 1; for ‖w*‖ > 1 the stated T is shorter than the proof supports, and the
  "slow" design below (all inputs with a small component a along w*, tuned to the bound) needs about
  (2 − L)‖w*‖²/(2eε) steps (θ = 0): more than ‖w*‖/ε once ‖w*‖ > 2e/(2 − L). Both T are checked (the proof's as
  a derived row).
* Theorem 2.3 (ξ_i identically distributed as a centred ξ; Theorem 2.2's hypotheses, on which it relies):
  E[L_S(h_T)] ≤ E[ξ²] + B at T = ‖w*‖/ε, L_S(h_T) = (1/S) Σ_i (σ(⟨w_T, x_i⟩) − y_i)², the expectation over the
  sample (x_i, ξ_i). Checked at the iterate after T iterations: the sample mean over R draws with its standard
  error, one-sided. Two steps of the proof (A.3) do not follow: it invokes Theorem 2.2's bound at the T-th
  iterate, which Theorem 2.2 gives only for some t ≤ T; and it sets E[ξ_i (σ(⟨w_T, x_i⟩) − σ(⟨w*, x_i⟩))] = 0,
  which needs ξ_i independent of w_T, while w_T is fitted to the labels. The latter is a row of its own.
* Corollary 2.4 (P[|ξ_i| ≤ θ for all i] ≥ 1 − δ): "the guarantee of Theorem 2.3 still holds but now with
  probability at least 1 − δ". An expectation cannot hold with a probability; read as the per-sample events
  L_S(h_T) ≤ E[ξ²] + B and (through Theorem 2.2) min_{t ≤ T} L̃_S(h_t) < B, each of probability ≥ 1 − δ.
  Tested with untruncated Gaussian noise N(0, s²) and θ set so that P[max_i |ξ_i| ≤ θ] = 1 − δ exactly, the
  frequency over R draws by an exact (Clopper–Pearson) binomial interval at the one-sided level of z.

Iterates are indexed t = 1, 2, ... with w_1 = 0 (array index t − 1); "in at most T steps" is the iterates
w_1..w_{T+1}, T = ⌊‖w*‖/ε⌋; "after T iterations" is w_{T+1}.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import pandas as pd

from relu_lib.seeding import generator
from relu_lib.verdicts import CheckRow, Z, clopper_pearson, not_applicable, row
from relu_lib.verdicts import frequency_row as exact_frequency_row

EXPERIMENT = "glm_tron"
SLOPES = (1.0, 1.5)  # σ = L·ReLU
SAMPLES = 100  # S
DRAWS = 50  # R, independent samples per design
ROUNDING = 1e-9  # relative slack for a deterministic inequality in floating point
NOISE_KINDS = ("none", "adversarial", "centred", "gaussian")
RUN = "GLM-Tron (Algorithm 1), w_1 = 0, full batch"

# The designs of glm_tron_rows (each run once per L; ε only sets T and the bound).
BALL_N, BALL_NORMS, BALL_EPS = (5, 20), (1.0, 3.0), (0.1, 0.01)
BALL_NOISE = (("none", 0.0), ("adversarial", 0.1), ("centred", 0.1))
SLOW_N, SLOW_NORMS, SLOW_EPS = 5, (3.0, 20.0), (0.1,)
GAUSS_N, GAUSS_NORMS, GAUSS_EPS, GAUSS_SCALE, GAUSS_DELTA = (5, 20), (1.0, 3.0), (0.1,), 0.05, 0.25


# --- the algorithm -------------------------------------------------------------------------------------------


def sigma(z: np.ndarray, L: float) -> np.ndarray:
    """σ = L·ReLU: L-Lipschitz and non-decreasing."""
    return L * np.maximum(z, 0.0)


def glm_tron(X: np.ndarray, y: np.ndarray, L: float, steps: int, step: float = 1.0) -> np.ndarray:
    """Algorithm 1 on a batch of samples: X (..., S, n), y (..., S); the iterates w_1 = 0, ..., w_{steps+1}
    as an array (steps + 1, ..., n). `step` is 1 in the paper (a planted fault otherwise)."""
    return _run(X, y, None, None, L, steps, step)["w"]


def bound(L: float, eps: float, theta: float, w_norm: float) -> float:
    """Theorem 2.2's B = (L/(2 − L))(ε + θ² + 2θ‖w*‖(L + 1)) (meaningful for L < 2 only)."""
    return L / (2 - L) * (eps + theta**2 + 2 * theta * w_norm * (L + 1))


def horizon(w_norm: float, eps: float, proof: bool = False) -> int:
    """T = ⌊‖w*‖/ε⌋ (the paper's statement) or ⌊‖w*‖²/ε⌋ (what the proof's count supports)."""
    return int(math.floor((w_norm**2 if proof else w_norm) / eps + 1e-9))


def _run(X, y, f_star, refs, L, steps, step, keep_iterates=True):
    """The iterates and, where f_star (..., S) is given, per iterate: L̃_S (to f_star), L_S (to y), and for each
    reference point (f_ref (..., S), w_ref (..., n)) its L̃_S and squared distance."""
    S = X.shape[-2]
    w = np.zeros(X.shape[:-2] + X.shape[-1:])
    out = {"w": np.empty((steps + 1,) + w.shape) if keep_iterates else None}
    if f_star is not None:
        out["eff"], out["risk"] = np.empty((steps + 1,) + y.shape[:-1]), np.empty((steps + 1,) + y.shape[:-1])
    refs = refs or []
    for k in range(len(refs)):
        out[f"eff_ref{k}"], out[f"dist2_ref{k}"] = np.empty((2, steps + 1) + y.shape[:-1])
    Xt = np.swapaxes(X, -1, -2)
    for t in range(steps + 1):
        if keep_iterates:
            out["w"][t] = w
        h = sigma((X @ w[..., None])[..., 0], L)
        if f_star is not None:
            out["eff"][t] = np.mean((h - f_star) ** 2, axis=-1)
            out["risk"][t] = np.mean((h - y) ** 2, axis=-1)
        for k, (f_ref, w_ref) in enumerate(refs):
            out[f"eff_ref{k}"][t] = np.mean((h - f_ref) ** 2, axis=-1)
            out[f"dist2_ref{k}"][t] = np.sum((w - w_ref) ** 2, axis=-1)
        if t < steps:
            w = w + step * (Xt @ (y - h)[..., None])[..., 0] / S
    out["w_last"] = w
    return out


# --- the data ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Design:
    """One data design and activation: R independent samples {(x_i, y_i)}, i = 1..S.

    law "ball": x_i uniform in the unit ball of R^n, w* = ‖w*‖·(uniform direction).
    law "slow": x_{2k}, x_{2k+1} = a u ± sqrt(1 − a²) v_k (u = w*/‖w*‖, v_k ⊥ u uniform): ‖x_i‖ = 1, the
      iterates stay on the line of w* and L̃_S(h_t) = L² a² ‖w*‖² (1 − L a²)^{2(t − 1)} exactly (θ = 0).
    noise "none" (θ = 0), "adversarial" (ξ_i = θ sign⟨v, x_i⟩, a deterministic function of x_i),
      "centred" (i.i.d. uniform on [−θ, θ]), "gaussian" (i.i.d. N(0, s²), |ξ_i| ≤ θ with probability 1 − δ).
    step, noise_factor: planted faults (the update's factor; ξ drawn at noise_factor × the declared θ).
    """

    law: str
    L: float
    n: int
    w_norm: float
    noise: str = "none"
    theta: float = 0.0
    samples: int = SAMPLES
    a: float = math.nan  # "slow" only
    noise_scale: float = math.nan  # "gaussian" only: s
    delta: float = math.nan  # "gaussian" only
    step: float = 1.0
    noise_factor: float = 1.0

    @property
    def cell(self) -> str:
        parts = [f"law={self.law}", f"L={self.L:g}", f"n={self.n}", f"w_norm={self.w_norm:g}", f"noise={self.noise}"]
        parts.append(f"theta={self.theta:.4g}")
        if self.law == "slow":
            parts.append(f"a={self.a:.4g}")
        if self.noise == "gaussian":
            parts += [f"s={self.noise_scale:g}", f"delta={self.delta:g}"]
        if self.step != 1.0:
            parts.append(f"step={self.step:g}")
        if self.noise_factor != 1.0:
            parts.append(f"noise_factor={self.noise_factor:g}")
        return "/".join(parts)

    @property
    def noise_second_moment(self) -> float:
        """E[ξ²] of the noise actually drawn."""
        amp = self.noise_factor
        return {
            "none": 0.0,
            "adversarial": (amp * self.theta) ** 2,
            "centred": (amp * self.theta) ** 2 / 3,
            "gaussian": (amp * self.noise_scale) ** 2,
        }[self.noise]


def slow_a(L: float, w_norm: float, target: float) -> float:
    """The input component along w* that makes the noise-free run slowest to reach L̃_S < target:
    L a² = e·target/(L‖w*‖²) (capped at 1/2), which takes about L‖w*‖²/(2e·target) steps."""
    return math.sqrt(min(math.e * target / (L * w_norm**2), 0.5) / L)


def gaussian_theta(scale: float, delta: float, samples: int) -> float:
    """θ with P[max_i |ξ_i| ≤ θ] = 1 − δ for S i.i.d. N(0, s²)."""
    per_sample = (1 - delta) ** (1 / samples)
    return scale * NormalDist().inv_cdf((1 + per_sample) / 2)


def draw(design: Design, seed: int, draws: int) -> dict:
    """R independent samples of the design, one stream per draw (keyed by what it is, not by L or ε, so both
    slopes and every ε see the same inputs and noise)."""
    S, n = design.samples, design.n
    X, w_star, xi, w_ref = np.empty((draws, S, n)), np.empty((draws, n)), np.empty((draws, S)), np.empty((draws, n))
    for r in range(draws):
        rng = generator(seed, EXPERIMENT, "data", design.law, n, design.w_norm, S, r)
        u = _unit(rng.standard_normal(n))
        if design.law == "ball":
            g = rng.standard_normal((S, n))
            x = g / np.linalg.norm(g, axis=1, keepdims=True) * rng.random(S)[:, None] ** (1 / n)
        elif design.law == "slow":
            if S % 2 or n < 2:
                raise ValueError("the slow design needs an even S and n >= 2")
            v = rng.standard_normal((S // 2, n))
            v = v - np.outer(v @ u, u)
            v /= np.linalg.norm(v, axis=1, keepdims=True)
            along, across = design.a, math.sqrt(max(1 - design.a**2, 0.0))
            x = np.repeat(along * u[None, :], S, axis=0)
            x[0::2] += across * v
            x[1::2] -= across * v
        else:
            raise ValueError(f"unknown law {design.law!r}")
        direction = _unit(rng.standard_normal(n))
        uniform, normal = rng.uniform(-1.0, 1.0, S), rng.standard_normal(S)
        amp = design.noise_factor
        xi[r] = {
            "none": np.zeros(S),
            "adversarial": amp * design.theta * np.where(x @ direction >= 0, 1.0, -1.0),
            "centred": amp * design.theta * uniform,
            "gaussian": amp * design.noise_scale * normal,
        }[design.noise]
        X[r], w_star[r] = x, design.w_norm * u
        w_ref[r] = design.w_norm * u + 0.5 * design.w_norm * _unit(rng.standard_normal(n))
    f_star = sigma(np.einsum("rsn,rn->rs", X, w_star), design.L)
    return {"X": X, "w_star": w_star, "xi": xi, "y": f_star + xi, "f_star": f_star, "w_ref": w_ref}


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def simulate(design: Design, seed: int, draws: int, steps: int) -> dict:
    """Draw the samples and run Algorithm 1 for `steps` steps on each; per iterate (steps + 1, R): L̃_S ("eff"),
    L_S ("risk"), ‖w_t − w*‖² ("dist2"), and L̃_S and squared distance to the second reference point w_ref."""
    data = draw(design, seed, draws)
    f_ref = sigma(np.einsum("rsn,rn->rs", data["X"], data["w_ref"]), design.L)
    refs = [(data["f_star"], data["w_star"]), (f_ref, data["w_ref"])]
    out = _run(data["X"], data["y"], data["f_star"], refs, design.L, steps, design.step, keep_iterates=False)
    out["dist2"] = out.pop("dist2_ref0")
    out.pop("eff_ref0")  # = eff
    data.update(out, f_ref=f_ref)
    return data


# --- rows ----------------------------------------------------------------------------------------------------


def _fields(check: str, design: Design, statement: str, eps: float | None = None, **extra) -> dict:
    cell = design.cell + (f"/eps={eps:g}" if eps is not None else "")
    return {"check": check, "paper": "A", "experiment": EXPERIMENT, "cell": cell, "run": RUN,
            "statement": statement, "source": "paper", **extra}  # fmt: skip


def _outside(why: str, fields: dict, **values) -> CheckRow:
    """A not_applicable row whose regime is the failing hypothesis, still carrying what was observed (and the
    bound it would have been compared with)."""
    fields = {**fields, **values}
    reason = "; ".join(filter(None, (why, fields.pop("reason", ""))))
    return not_applicable(reason, regime=why, **fields)


def _hypotheses(design: Design, data: dict) -> dict[str, str]:
    """The failing hypothesis of each statement ("" where they hold), from the design and the drawn data."""
    norms = float(np.max(np.linalg.norm(data["X"], axis=-1)))
    inputs = f"max ‖x_i‖ = {norms:.6g} > 1" if norms > 1 + 1e-12 else ""
    slope = f"L = {design.L:g} >= 2" if design.L >= 2 else ""
    over = int(np.sum(np.any(np.abs(data["xi"]) > design.theta * (1 + 1e-12), axis=-1)))
    noise = f"|ξ_i| > θ in {over} of {data['xi'].shape[0]} draws" if over else ""
    centred = "" if design.noise != "adversarial" or design.law == "ball" else "ξ_i not centred"
    first = lambda *why: next((w for w in why if w), "")  # noqa: E731
    return {
        "lemma": first(inputs, "" if design.L > 0 else "L <= 0"),
        "theorem": first(inputs, slope, noise),
        "expectation": first(inputs, slope, noise, centred),
        "corollary": first(inputs, slope, "" if design.noise == "gaussian" else "not the Gaussian-noise design"),
    }


def lemma_rows(design: Design, data: dict) -> list[CheckRow]:
    """Lemma 2.1 on every step of every draw, three ways: w = w* with the tightest η, W (η = ‖(1/S) Σ ξ_i x_i‖,
    W = ‖w_t − w*‖); w = w* with the proof of Theorem 2.2's η = θ, W = ‖w*‖ (on the steps where
    ‖w_t − w*‖ ≤ ‖w*‖; a hypothesis only where θ ≥ ‖(1/S) Σ ξ_i x_i‖); and w = w_ref, a second point at distance
    ‖w*‖/2 from w*, with its tightest η, W.

    observed: the number of steps breaking the inequality beyond rounding (ROUNDING relative); ratio: the lemma's
    slack in units of its L̃ term, min over steps of (‖w_t − w‖² − ‖w_{t+1} − w‖² + η² + 2ηW(L + 1)) /
    ((2/L − 1) L̃_S(h_t)), >= 1 when the inequality holds, 1 = tight (L < 2 only)."""
    why = _hypotheses(design, data)["lemma"]
    L, X, y, S = design.L, data["X"], data["y"], design.samples
    eta_of = lambda f: np.linalg.norm(np.einsum("rs,rsn->rn", y - f, X) / S, axis=-1)  # noqa: E731
    eta_star = eta_of(data["f_star"])
    cases = (
        ("w = w*, η and W tightest", data["eff"], data["dist2"], eta_star, None),
        ("w = w*, η = θ, W = ‖w*‖ (the proof of Theorem 2.2)", data["eff"], data["dist2"],
         np.full(y.shape[0], design.theta), design.w_norm),
        ("w = w_ref (‖w_ref − w*‖ = ‖w*‖/2), η and W tightest", data["eff_ref1"], data["dist2_ref1"],
         eta_of(data["f_ref"]), None),
    )  # fmt: skip
    out = []
    for label, eff, dist2, eta, fixed_w in cases:
        before, after, risk = dist2[:-1], dist2[1:], eff[:-1]
        W = np.sqrt(before) if fixed_w is None else np.full_like(before, fixed_w)
        valid = np.ones_like(before, dtype=bool) if fixed_w is None else np.sqrt(before) <= fixed_w * (1 + 1e-12)
        allowance = eta**2 + 2 * eta * W * (L + 1)
        term = (2 / L - 1) * risk
        violations = int(np.sum(valid & (after > before - term + allowance + ROUNDING * (1 + np.abs(before)))))
        usable = valid & (term > ROUNDING * (1 + np.abs(before))) if L < 2 else np.zeros_like(valid)
        ratio = float(np.min((before - after + allowance)[usable] / term[usable])) if usable.any() else math.nan
        fields = _fields(
            f"GLM-Tron one-step inequality, {label}", design, "Lemma 2.1",
            quantity="steps (over all draws) with ‖w_{t+1} − w‖² > ‖w_t − w‖² − (2/L − 1) L̃_S(h_t) + η² + 2ηW(L + 1)",
            replicates=int(valid.sum()), step=float(before.shape[0]), ratio=ratio,
            reason=f"{int(valid.sum())} steps checked; ratio = min over {int(usable.sum())} steps of the slack in "
            "units of (2/L − 1) L̃_S(h_t) (1 = tight)",
            extra={"violations": violations, "steps_checked": int(valid.sum())},
        )  # fmt: skip
        case_why = why
        if not why and fixed_w is not None:
            short = int(np.sum(eta_star > design.theta * (1 + 1e-12)))
            case_why = f"η = θ < ‖(1/S) Σ ξ_i x_i‖ in {short} of {eta.size} draws" if short else ""
        if case_why:
            out.append(_outside(case_why, fields, observed=violations, predicted=0.0))
        else:
            out.append(row("upper", float(violations), 0.0, 0.0, **fields))
    return out


def theorem_rows(design: Design, data: dict, eps: float) -> list[CheckRow]:
    """Theorem 2.2 (the worst of R draws of min_{t ≤ T} L̃_S(h_t) against B, at the paper's T and the proof's)."""
    why = _hypotheses(design, data)["theorem"]
    B = bound(design.L, eps, design.theta, design.w_norm) if design.L < 2 else math.nan
    out = []
    for proof in (False, True):
        T = horizon(design.w_norm, eps, proof)
        best = np.min(data["eff"][: T + 1], axis=0)  # per draw, iterates w_1..w_{T+1}
        worst = float(np.max(best))
        below = data["eff"] < B
        needed = np.where(below.any(axis=0), np.argmax(below, axis=0), np.iinfo(np.int64).max)  # steps taken
        t_label = "T = ‖w*‖²/ε (the proof's count)" if proof else "T = ‖w*‖/ε (as stated)"
        fields = _fields(
            f"GLM-Tron min_t L̃_S(h_t), {t_label}", design, "Theorem 2.2", eps,
            source="derived" if proof else "paper", step=float(T), replicates=best.size,
            quantity="max over draws of min_{t ≤ T+1} L̃_S(h_t) (a statement about every sample)",
            extra={"fraction_satisfying": float(np.mean(best < B)), "steps_needed_max": int(np.max(needed)),
                   "T": T, "bound": B},
        )  # fmt: skip
        fields["reason"] = (
            f"{np.mean(best < B):.0%} of {best.size} draws below the bound within T = {T}; steps needed, worst draw: "
            + (f"{int(np.max(needed))}" if np.max(needed) < np.iinfo(np.int64).max else f"> {data['eff'].shape[0] - 1}")
        )
        if why:
            ratio = B / worst if worst > 0 else math.nan
            out.append(_outside(why, fields, observed=worst, predicted=B, ratio=ratio))
        else:
            out.append(row("upper", worst, 0.0, B, **fields))
    return out


def expectation_rows(design: Design, data: dict, eps: float, z: float) -> list[CheckRow]:
    """Theorem 2.3 (the mean over draws of L_S after T iterations against E[ξ²] + B, one-sided) and the proof's
    step E[(2/S) Σ ξ_i (σ(⟨w_T, x_i⟩) − σ(⟨w*, x_i⟩))] = 0 (two-sided)."""
    why = _hypotheses(design, data)["expectation"]
    T = horizon(design.w_norm, eps)
    R = data["risk"].shape[1]
    second = design.noise_second_moment
    B = bound(design.L, eps, design.theta, design.w_norm) if design.L < 2 else math.nan
    risk = data["risk"][T]
    cross = data["eff"][T] + np.mean(data["xi"] ** 2, axis=-1) - risk  # (2/S) Σ ξ_i (h_T − σ*)
    mean, se = float(risk.mean()), float(risk.std(ddof=1) / math.sqrt(R))
    c_mean, c_se = float(cross.mean()), float(cross.std(ddof=1) / math.sqrt(R))
    note = ""
    if design.noise == "adversarial":
        note = ("ξ_i = θ sign⟨v, x_i⟩ is identically distributed and centred (x symmetric), as the statement asks, "
                "but a function of x_i")  # fmt: skip
    main = _fields(
        "GLM-Tron E[L_S(h_T)], T = ‖w*‖/ε", design, "Theorem 2.3", eps, step=float(T), replicates=R,
        quantity="mean over draws of L_S after T iterations, against E[ξ²] + B", reason=note,
        extra={"E_xi2": second, "bound": B, "max_over_draws": float(risk.max())},
    )  # fmt: skip
    proof = _fields(
        "GLM-Tron proof A.3: E[(2/S) Σ ξ_i (h_T(x_i) − σ(⟨w*, x_i⟩))] = 0", design, "Theorem 2.3", eps,
        step=float(T), replicates=R, quantity="mean over draws of the cross term after T iterations",
        reason=f"cross term / E[ξ²] = {c_mean / second:.3g}" if second else "",
    )  # fmt: skip
    if why:
        ratio = (second + B) / mean if mean > 0 else math.nan
        out = [_outside(why, main, observed=mean, observed_se=se, predicted=second + B, ratio=ratio)]
        proof_row = _outside(why, proof, observed=c_mean, observed_se=c_se, predicted=0.0)
    else:
        out = [row("upper", mean, se, second + B, z=z, dof=R - 1, **main)]
        proof_row = row("equal", c_mean, c_se, 0.0, z=z, dof=R - 1, **proof)
    return out + ([proof_row] if second > 0 else [])  # noise-free: the cross term is identically 0


def frequency_row(k: int, trials: int, level: float, z: float, **fields) -> CheckRow:
    """A frequency k/trials against `level` (the theory: probability >= level) by the exact binomial test
    (verdicts.frequency_row), with the Clopper–Pearson interval at the one-sided tail of z in its reason."""
    alpha = math.erfc(z / math.sqrt(2)) / 2
    lower, upper = clopper_pearson(k, trials, alpha)
    fields.setdefault("reason", "")
    fields["reason"] += f"{k}/{trials}; exact one-sided interval [{lower:.3g}, {upper:.3g}] at level {alpha:.2g}"
    return exact_frequency_row(k, trials, level, z, **fields)


def corollary_rows(design: Design, data: dict, eps: float, z: float) -> list[CheckRow]:
    """Corollary 2.4 with Gaussian noise: the frequency of the two events against 1 − δ."""
    why = _hypotheses(design, data)["corollary"]
    T = horizon(design.w_norm, eps)
    B = bound(design.L, eps, design.theta, design.w_norm) if design.L < 2 else math.nan
    second = design.noise_second_moment
    inside = np.all(np.abs(data["xi"]) <= design.theta, axis=-1)
    events = (
        ("L_S(h_T) ≤ E[ξ²] + B after T iterations (Theorem 2.3 per sample)", data["risk"][T] <= second + B),
        ("min_{t ≤ T+1} L̃_S(h_t) < B (Theorem 2.2 per sample)", np.min(data["eff"][: T + 1], axis=0) < B),
    )
    out = []
    for label, event in events:
        fields = _fields(
            f"GLM-Tron P[{label}]", design, "Corollary 2.4", eps, step=float(T),
            quantity=f"fraction of draws with {label}, against 1 − δ",
            reason=f"|ξ_i| ≤ θ for all i in {int(inside.sum())} of {inside.size} draws (design: 1 − δ = "
            f"{1 - design.delta:.3g}); ",
            extra={"bound": B, "E_xi2": second, "event_hypothesis": float(inside.mean())},
        )  # fmt: skip
        k = int(event.sum())
        if why:
            out.append(_outside(why, fields, observed=k / event.size, predicted=1 - design.delta))
        else:
            out.append(frequency_row(k, event.size, 1 - design.delta, z, **fields))
    return out


def design_rows(design: Design, eps_values, z: float = Z, draws: int = DRAWS, seed: int = 0) -> list[CheckRow]:
    """Every row of one design: Lemma 2.1 on every step, and per ε Theorem 2.2 and, for centred noise, Theorem
    2.3 (Gaussian noise: Corollary 2.4 instead)."""
    steps = max(max(horizon(design.w_norm, e), horizon(design.w_norm, e, proof=True)) for e in eps_values)
    data = simulate(design, seed, draws, steps)
    out = lemma_rows(design, data)
    for eps in eps_values:
        if design.noise == "gaussian":
            out += corollary_rows(design, data, eps, z)
            continue
        out += theorem_rows(design, data, eps)
        if design.noise != "adversarial" or design.law == "ball":
            out += expectation_rows(design, data, eps, z)
    return out


def designs() -> list[tuple[Design, tuple[float, ...]]]:
    """The designs of glm_tron_rows with their ε values."""
    out = []
    for L in SLOPES:
        for n in BALL_N:
            for w_norm in BALL_NORMS:
                for noise, theta in BALL_NOISE:
                    out.append((Design("ball", L, n, w_norm, noise, theta), BALL_EPS))
        for w_norm in SLOW_NORMS:
            a = slow_a(L, w_norm, bound(L, SLOW_EPS[0], 0.0, w_norm))
            out.append((Design("slow", L, SLOW_N, w_norm, "none", 0.0, a=a), SLOW_EPS))
        for n in GAUSS_N:
            for w_norm in GAUSS_NORMS:
                theta = gaussian_theta(GAUSS_SCALE, GAUSS_DELTA, SAMPLES)
                d = Design("ball", L, n, w_norm, "gaussian", theta, noise_scale=GAUSS_SCALE, delta=GAUSS_DELTA)
                out.append((d, GAUSS_EPS))
    return out


def glm_tron_rows(z: float = Z, draws: int = DRAWS, seed: int = 0) -> list[CheckRow]:
    """Paper A §2's verdict rows (Lemma 2.1, Theorem 2.2, Theorem 2.3, Corollary 2.4) over designs()."""
    out = []
    for design, eps_values in designs():
        out += design_rows(design, eps_values, z, draws, seed)
    return out


# --- curves and the plot -------------------------------------------------------------------------------------


def glm_tron_curves(
    draws: int = DRAWS,
    seed: int = 0,
    law: str = "ball",
    n: int = 20,
    w_norm: float = 3.0,
    noise: str = "centred",
    theta: float = 0.1,
    eps: float = 0.01,
    slopes=SLOPES,
    steps: int | None = None,
) -> pd.DataFrame:
    """Per L and iterate t = 1..steps+1: L̃_S(h_t) mean, min and max over draws, with Theorem 2.2's bound and both
    T. For law "slow" the design is tuned to each L's bound (θ must be 0 there to be slow)."""
    frames = []
    for L in slopes:
        B = bound(L, eps, theta, w_norm)
        a = slow_a(L, w_norm, B) if law == "slow" else math.nan
        design = Design(law, L, n, w_norm, noise, theta, a=a)
        T, T_proof = horizon(w_norm, eps), horizon(w_norm, eps, proof=True)
        count = steps if steps is not None else max(T, T_proof)
        eff = simulate(design, seed, draws, count)["eff"]
        frames.append(
            pd.DataFrame(
                {
                    "L": L,
                    "t": np.arange(1, count + 2),
                    "eff_mean": eff.mean(axis=1),
                    "eff_min": eff.min(axis=1),
                    "eff_max": eff.max(axis=1),
                    "bound": B,
                    "T": T,
                    "T_proof": T_proof,
                    "law": law,
                    "n": n,
                    "w_norm": w_norm,
                    "noise": noise,
                    "theta": theta,
                    "eps": eps,
                    "draws": draws,
                }
            )  # fmt: skip
        )
    return pd.concat(frames, ignore_index=True)


def plot_glm_tron(ax, frame: pd.DataFrame) -> None:
    """L̃_S(h_t) against t on a log scale per L (mean over draws, min–max band), Theorem 2.2's bound as a
    dashed horizontal line in the same colour, T = ‖w*‖/ε (stated) and ‖w*‖²/ε (the proof's count) marked."""
    import seaborn as sns

    slopes = sorted(frame["L"].unique())
    colours = dict(zip(slopes, sns.color_palette("colorblind", max(len(slopes), 3)), strict=False))
    tiny = np.finfo(float).tiny
    for L in slopes:
        part = frame[frame["L"] == L]
        c = colours[L]
        ax.plot(part["t"], np.maximum(part["eff_mean"], tiny), color=c, label=f"σ = {L:g}·ReLU: mean over draws")
        ax.fill_between(part["t"], np.maximum(part["eff_min"], tiny), np.maximum(part["eff_max"], tiny), color=c,
                        alpha=0.2, lw=0, label=f"σ = {L:g}·ReLU: min to max over draws")  # fmt: skip
        ax.axhline(float(part["bound"].iloc[0]), color=c, ls="--", lw=1,
                   label=f"σ = {L:g}·ReLU: Theorem 2.2's bound (L/(2 − L))(ε + θ² + 2θ‖w*‖(L + 1))")  # fmt: skip
    first = frame.iloc[0]
    ax.axvline(int(first["T"]), color="black", ls=":", lw=1, label=f"T = ‖w*‖/ε = {int(first['T'])} (as stated)")
    if int(first["T_proof"]) != int(first["T"]) and int(first["T_proof"]) <= frame["t"].max():
        ax.axvline(int(first["T_proof"]), color="grey", ls="-.", lw=1,
                   label=f"T = ‖w*‖²/ε = {int(first['T_proof'])} (the proof's count)")  # fmt: skip
    ax.set_yscale("log")
    ax.set_xlabel("iteration t (w_1 = 0)")
    ax.set_ylabel("effective empirical risk L̃_S(h_t)")
    ax.set_title(
        f"GLM-Tron, {first['law']} inputs, n = {first['n']}, ‖w*‖ = {first['w_norm']:g}, "
        + ("no noise" if first["noise"] == "none" else f"{first['noise']} noise, θ = {first['theta']:g}")
        + f", ε = {first['eps']:g}, {first['draws']} draws"
    )
    ax.legend(fontsize="small")


__all__ = [
    "Design",
    "bound",
    "designs",
    "design_rows",
    "glm_tron",
    "glm_tron_curves",
    "glm_tron_rows",
    "horizon",
    "plot_glm_tron",
    "simulate",
]
