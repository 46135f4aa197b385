"""§3.2 of paper A, near-optimality of Theorem 3.1, simulated: the second-gate adversary on a compact law.

The paper's construction. beta = 1 (the adversary always acts); it picks w_adv != w* and answers
y = ReLU(w_adv^T x), i.e. xi_x = ReLU(w_adv^T x) - ReLU(w*^T x), allowed at corruption level theta_adv when
theta_adv >= sup |xi_x| (eq. (4)); with r = sup ||x||, theta_adv = r ||w_adv - w*|| is valid. Algorithm 2 runs
with its filter at theta* = theta_adv. The data are exactly realisable by w_adv, so (the paper) Algorithm 2
converges to w_adv and its error is >= ||w_adv - w*||; Theorem 3.1's best accuracy is eps^2 = theta*^2/(delta c_bound),
c_bound = (2 lambda_1(theta*) - 1/K)/(beta_1^2 K), so eps^2 >= theta_adv^2/c_bound (eq. (5)), "optimal up to
the constant r^2/c_bound".

Which samples pass the filter 1{y > theta_adv}: y = ReLU(w_adv^T x) > theta_adv > 0 exactly when
w_adv^T x > theta_adv, and there y = w_adv^T x: the update is noiseless least squares towards w_adv on the slab
{w_adv^T x > theta_adv} (w*'s half-space plays no part). Every passing label is consistent with w_adv at ANY
filter level >= 0, so w_adv is the fixed point whatever the level: a filter at theta_adv / 2 changes which samples
pass (and the speed), not the limit; a level < 0 lets the y = 0 labels in and moves the limit. The attacked run
contracts at lambda_min E[1{w_adv^T x > theta_adv} x x^T] (reported as lambda_adv), not at lambda_1(theta*).

Here: x ~ Unif[-1, 1]^n (laws.Uniform, half_width 1), r = sqrt(n); sup |xi_x| <= sup |(w_adv - w*)^T x| =
||w_adv - w*||_1 <= sqrt(n) ||w_adv - w*|| = theta_adv. Definition 1's constants at theta* = theta_adv by Monte
Carlo: lambda_1(theta_adv) = lambda_min E[1{w*^T x > 2 theta_adv} x x^T], beta_1 = E[1{w*^T x > 0} ||x||]
(beta = 1); K = 1/lambda_1 (the minimiser of eq. (5)'s bound), so c_bound = lambda_1^2 / beta_1^2 and the bound on
the error is theta_adv beta_1 / lambda_1. lambda_1(theta_adv) = 0 when 2 theta_adv >= sup w*^T x = ||w*||_1: then
no K has 2 lambda_1 > 1/K, Case II's hypothesis (b) fails and eq. (5) is vacuous. With theta_adv = r ||w_adv - w*||
that happens as soon as ||w_adv - w*|| >= ||w*||_1 / (2 sqrt(n)): the paper's construction is only meaningful for
small adversaries.

What the argument shows: the error ||w_adv - w*|| = theta_adv / r is unavoidable for any algorithm that is exact on
realisable data, and Theorem 3.1's guarantee is at least theta_adv beta_1 / lambda_1, so the guarantee is within the
factor r beta_1 / lambda_1 (= sqrt(r^2 / c_bound)) of the unavoidable error. That factor is never small: on a law
supported in the ball of radius r, lambda_1 <= tr E[1{w*^T x > 2 theta} x x^T] / n <= E[1{w*^T x > 0} ||x||^2] / n
<= r beta_1 / n, so r beta_1 / lambda_1 >= n (r^2 / c_bound >= n^2): "optimal up to a constant" that grows with the
dimension at least linearly, and without bound as lambda_1(theta_adv) -> 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from relu_lib.paper_a.examples import exact_lambda1
from relu_lib.paper_a.laws import Uniform
from relu_lib.paper_a.update_rule import step
from relu_lib.seeding import generator
from relu_lib.verdicts import CheckRow, not_applicable, row

EXPERIMENT = "near_optimality"
STATEMENT = "§3.2, near-optimality (eqs. (4), (5))"
CONSTANT_SAMPLES = 200_000
CONVERGENCE_TOLERANCE = 1e-6  # relative: ||w_T - w*|| must equal ||w_adv - w*|| to this, the runs reach ~1e-9
ROUNDING = 64 * np.finfo(float).eps  # floating-point allowance (relative to ||w_adv||) of the converged iterate


@dataclass(frozen=True)
class Setting:
    """One attack: w*, the direction of w_adv - w* and its length, the run's length and mini-batch."""

    name: str
    w_star: tuple[float, ...]
    direction: tuple[float, ...]  # normalised here
    distance: float  # ||w_adv - w*||
    steps: int  # T: long enough to converge far below the attack's error, short of the rounding floor
    batch: int = 8

    @property
    def n(self) -> int:
        return len(self.w_star)

    @property
    def w_star_array(self) -> np.ndarray:
        return np.asarray(self.w_star, dtype=float)

    @property
    def w_adv(self) -> np.ndarray:
        u = np.asarray(self.direction, dtype=float)
        return self.w_star_array + self.distance * u / np.linalg.norm(u)

    @property
    def radius(self) -> float:
        """r = sup ||x|| on the cube [-1, 1]^n."""
        return math.sqrt(self.n)

    @property
    def theta_adv(self) -> float:
        """The paper's valid corruption level r ||w_adv - w*||."""
        return self.radius * self.distance

    @property
    def eta(self) -> float:
        """1/n = 1 / sup ||x||^2: every step is non-expansive (its matrix has eigenvalues in [0, 1])."""
        return 1.0 / self.n

    @property
    def vacuous(self) -> bool:
        """lambda_1(theta_adv) = 0: the filter level 2 theta_adv reaches past sup w*^T x = ||w*||_1."""
        return 2 * self.theta_adv >= float(np.abs(self.w_star_array).sum())

    @property
    def law(self) -> Uniform:
        return Uniform(self.n, half_width=1.0)


SETTINGS = {
    s.name: s
    for s in (
        # Example 1's law and w*: lambda_1 has the closed form (1 - theta)^4 / 6 to check the Monte Carlo against
        Setting("n2_small", (-1.0, 1.0), (2.0, 1.0), 0.1, steps=300),
        Setting("n5_small", (1.0, -0.8, 0.6, -0.4, 1.2), (1.0, 2.0, -1.0, 0.5, -2.0), 0.25, steps=1500),
        # 2 theta_adv = 2 sqrt(2) > ||w*||_1 = 2: lambda_1(theta_adv) = 0, eq. (5) vacuous; the attack still works
        Setting("n2_large", (-1.0, 1.0), (-1.0, 2.0), 1.0, steps=1500),
    )
}


def _stream(seed: int, setting: Setting, purpose: str) -> np.random.Generator:
    return generator(seed, "paper_a", EXPERIMENT, setting.name, purpose)


def definition1_constants(setting: Setting, theta: float, samples: int, rng: np.random.Generator) -> dict:
    """Monte Carlo, each with its standard error: lambda_1(theta) and beta_1 (beta = 1) of Definition 1; the attacked
    run's lambda_adv = lambda_min E[1{w_adv^T x > theta_adv} x x^T] and pass probability P(w_adv^T x > theta_adv);
    max |xi_x| over the draws (a lower estimate of the sup in eq. (4)).

    Standard errors: a mean's is its sample standard deviation / sqrt(samples); lambda_min's is the delta method's
    (its derivative along the matrix is v v^T, v the unit eigenvector: each draw contributes 1{...} (v^T x)^2).
    The pooled lambda_min is biased low by O(se^2 / gap) where the spectrum is nearly degenerate."""
    x = setting.law.sample(rng, (samples,))
    w_star, w_adv = setting.w_star_array, setting.w_adv
    pre_star, pre_adv = x @ w_star, x @ w_adv
    norms = np.sqrt(np.einsum("nd,nd->n", x, x))

    def lambda_min(mask):
        matrix = (x * mask[:, None]).T @ x / samples
        values, vectors = np.linalg.eigh(matrix)
        influence = mask * (x @ vectors[:, 0]) ** 2
        return float(values[0]), float(influence.std(ddof=1) / math.sqrt(samples))

    def mean_se(values):
        return float(values.mean()), float(values.std(ddof=1) / math.sqrt(samples))

    out = {"samples": samples}
    out["lambda1"], out["lambda1_se"] = lambda_min(pre_star > 2 * theta)
    out["beta1"], out["beta1_se"] = mean_se((pre_star > 0) * norms)
    passing = pre_adv > setting.theta_adv
    out["lambda_adv"], out["lambda_adv_se"] = lambda_min(passing)
    out["pass"], out["pass_se"] = mean_se(passing.astype(float))
    out["xi_max"] = float(np.abs(np.maximum(pre_adv, 0) - np.maximum(pre_star, 0)).max())
    return out


@dataclass
class Simulation:
    """Distances of R runs of Algorithm 2 at t = 0..T (t = 0: the start w_1), and the final iterates."""

    dist_star: np.ndarray  # (T + 1, R): ||w_t - w*||
    dist_adv: np.ndarray  # (T + 1, R): ||w_t - w_adv||
    w_final: np.ndarray  # (R, n)
    passed: int  # samples through the filter, over all runs and steps
    drawn: int


def simulate(
    setting: Setting, runs: int, seed: int, *, theta_filter: float | None = None, adversary: bool = True
) -> Simulation:
    """R runs of Algorithm 2 (update_rule.step, vectorised over runs) against the second-gate adversary.

    Starts w_1 ~ N(0, I_n) per run; labels y = ReLU(w_adv^T x) (adversary=False: the true ReLU(w*^T x), a
    planted fault); the filter level theta_filter defaults to theta* = theta_adv."""
    theta = setting.theta_adv if theta_filter is None else float(theta_filter)
    w = _stream(seed, setting, "start").standard_normal((1, runs, setting.n))
    fill = setting.law.filler(_stream(seed, setting, "inputs"))
    target = setting.w_adv if adversary else setting.w_star_array
    w_star, w_adv = setting.w_star_array, setting.w_adv
    steps = setting.steps
    dist_star, dist_adv = np.empty((steps + 1, runs)), np.empty((steps + 1, runs))
    x = np.empty((runs, setting.batch, setting.n))
    passed = 0
    for t in range(steps + 1):
        dist_star[t] = np.linalg.norm(w[0] - w_star, axis=1)
        dist_adv[t] = np.linalg.norm(w[0] - w_adv, axis=1)
        if t == steps:
            break
        fill(x)
        y = np.maximum(x @ target, 0.0)
        passed += int(np.count_nonzero(y > theta))
        step(w, ("alg2",), x, y, setting.eta, theta)
    return Simulation(dist_star, dist_adv, w[0].copy(), passed, runs * steps * setting.batch)


def _mean_se(values: np.ndarray) -> tuple[float, float]:
    return float(values.mean()), float(values.std(ddof=1) / math.sqrt(len(values)))


def eq5_bound(setting: Setting, consts: dict) -> tuple[float, float]:
    """Eq. (5)'s bound on the error, sqrt(theta_adv^2 / c_bound) at K = 1/lambda_1: theta_adv beta_1 / lambda_1,
    with its standard error from those of beta_1 and lambda_1; (inf, nan) where lambda_1 = 0 (vacuous)."""
    lam, beta = consts["lambda1"], consts["beta1"]
    if setting.vacuous or lam <= 0:
        return math.inf, math.nan
    bound = setting.theta_adv * beta / lam
    rel = math.hypot(consts["beta1_se"] / beta, consts["lambda1_se"] / lam)
    return bound, bound * rel


def setting_rows(
    setting: Setting,
    z: float,
    runs: int,
    seed: int,
    *,
    constant_samples: int = CONSTANT_SAMPLES,
    theta_filter: float | None = None,
    adversary: bool = True,
    constants_theta: float | None = None,
) -> list[CheckRow]:
    """The verdict rows of one attack. Planted faults, for the tests: theta_filter (the run's filter level, default
    theta_adv), adversary=False (true labels), constants_theta (Definition 1's constants at another theta*)."""
    at = setting.theta_adv if constants_theta is None else float(constants_theta)
    consts = definition1_constants(setting, at, constant_samples, _stream(seed, setting, "constants"))
    sim = simulate(setting, runs, seed, theta_filter=theta_filter, adversary=adversary)
    theta, gap = setting.theta_adv, setting.distance
    delta = setting.w_adv - setting.w_star_array
    cell = f"setting={setting.name}/n={setting.n}/distance={gap:g}/theta_adv={theta:.4g}"
    run = f"alg2, eta={setting.eta:g}, b={setting.batch}, T={setting.steps}, R={runs}"
    base = {"paper": "A", "experiment": EXPERIMENT, "cell": cell, "run": run, "statement": STATEMENT}
    extra = {k: consts[k] for k in ("lambda1", "beta1", "lambda_adv", "pass", "xi_max")}
    rows: list[CheckRow] = []

    l1 = float(np.abs(delta).sum())
    rows.append(
        row(
            "upper",
            l1,
            0.0,
            theta,
            z=z,
            check="eq. (4): θ_adv >= sup|ξ_x|",
            quantity="||w_adv - w*||_1 (>= sup over the cube of |ReLU(w_advᵀx) - ReLU(w*ᵀx)|) against "
            "θ_adv = r||w_adv - w*||",
            reason=f"Cauchy-Schwarz: ||δ||_1 <= sqrt(n)||δ||; max |ξ_x| over {consts['samples']} draws "
            f"{consts['xi_max']:.4g}",
            source="paper",
            step=math.nan,
            extra=extra,
            **base,
        )
    )
    observed_pass = sim.passed / sim.drawn
    pass_se = math.hypot(math.sqrt(observed_pass * (1 - observed_pass) / sim.drawn), consts["pass_se"])
    rows.append(
        row(
            "equal",
            observed_pass,
            pass_se,
            consts["pass"],
            z=z,
            check="filter 1{y > θ_adv} passes exactly w_advᵀx > θ_adv",
            quantity="fraction of the run's samples through the filter against P(w_advᵀx > θ_adv) (Monte Carlo)",
            reason=f"y = ReLU(w_advᵀx) > θ_adv > 0 iff w_advᵀx > θ_adv, where y = w_advᵀx: noiseless regression on "
            f"w_adv; se of both fractions combined; {sim.drawn} samples in the run",
            source="derived",
            replicates=sim.drawn,
            extra=extra,
            **base,
        )
    )

    mean_final = sim.w_final.mean(axis=0)
    miss = float(np.linalg.norm(mean_final - setting.w_adv))
    spread = math.sqrt(float(np.trace(np.atleast_2d(np.cov(sim.w_final, rowvar=False)))) / runs)
    miss_se = math.hypot(spread, ROUNDING * float(np.linalg.norm(setting.w_adv)))
    final_adv = _mean_se(sim.dist_adv[-1])
    rows.append(
        row(  # at a finite T the mean is still (I - eta M)^T away: judged within the same relative tolerance
            "upper",
            miss,
            miss_se,
            CONVERGENCE_TOLERANCE * gap,
            z=z,
            check="Algorithm 2 converges to w_adv",
            quantity=f"||mean over runs of w_T - w_adv|| within {CONVERGENCE_TOLERANCE:g} ||w_adv - w*||",
            reason=(
                f"se = sqrt(tr Cov(w_T) / R) (the mean's root-mean-square error; Chebyshev: P(miss > z se) <= 1/z²) "
                f"and {ROUNDING:.1e}||w_adv|| for rounding, in quadrature; mean ||w_T - w_adv|| = {final_adv[0]:.3g} "
                f"= {final_adv[0] / gap:.2g} ||w_adv - w*||, mean ||w_T - w*|| = {sim.dist_star[-1].mean():.6g}; "
                f"λ_adv = {consts['lambda_adv']:.4g}"
            ),
            source="paper",
            step=setting.steps,
            replicates=runs,
            extra=extra,
            **base,
        )
    )
    final_star = _mean_se(sim.dist_star[-1])
    rows.append(
        row(
            "equal",
            final_star[0],
            final_star[1],
            gap,
            z=z,
            tolerance=CONVERGENCE_TOLERANCE,
            check="||w_T - w*|| >= ||w_adv - w*||",
            quantity="mean ||w_T - w*|| against ||w_adv - w*||",
            reason=(
                "the paper: 'Algorithm 2 will converge in high probability to w_adv. Thus the error incurred is "
                "ε >= ||w_adv - w*||': the limit attains it with equality, so the row asks equality within z se "
                f"+ {CONVERGENCE_TOLERANCE:g} relative; min over runs of ||w_T - w*|| - ||w_adv - w*|| = "
                f"{float(sim.dist_star[-1].min() - gap):.2g}"
            ),
            source="paper",
            step=setting.steps,
            replicates=runs,
            extra=extra,
            **base,
        )
    )

    check5 = "eq. (5): ||w_T - w*|| <= θ_adv / sqrt(c_bound)"
    quantity5 = "mean ||w_T - w*|| against Theorem 3.1's best guarantee θ_adv β1 / λ1(θ_adv) (K = 1/λ1, δ -> 1)"
    sup = float(np.abs(setting.w_star_array).sum())
    if setting.vacuous:
        rows.append(
            not_applicable(
                f"λ1(θ_adv) = 0: the filter level of Definition 1, 2θ_adv = {2 * theta:.4g}, is past sup w*ᵀx = "
                f"||w*||_1 = {sup:g} on the cube (Monte Carlo λ1 = {consts['lambda1']:g}); no K has 2λ1 > 1/K, so "
                "Case II's hypothesis (b) fails and eq. (5) gives no bound, while the attack still forces the error "
                f"||w_adv - w*|| = {gap:g} (mean ||w_T - w*|| = {final_star[0]:.6g})",
                check=check5,
                quantity=quantity5,
                observed=final_star[0],
                observed_se=final_star[1],
                regime="λ1(θ_adv) = 0 (2θ_adv >= sup w*ᵀx)",
                source="paper",
                step=setting.steps,
                replicates=runs,
                extra=extra,
                **base,
            )
        )
    else:
        bound, bound_se = eq5_bound(setting, consts)
        lam, beta = consts["lambda1"], consts["beta1"]
        c_bound = lam**2 / beta**2
        factor = setting.radius * beta / lam
        rows.append(
            row(
                "upper",
                final_star[0],
                math.hypot(final_star[1], bound_se),
                bound,
                z=z,
                check=check5,
                quantity=quantity5,
                reason=(
                    f"λ1(θ_adv) = {lam:.4g} ± {consts['lambda1_se']:.1g}, β1 = {beta:.4g} ± {consts['beta1_se']:.1g} "
                    f"(Monte Carlo, {consts['samples']} draws), K = 1/λ1 = {1 / lam:.4g}, c_bound = λ1²/β1² = "
                    f"{c_bound:.4g}: bound {bound:.4g} against the attack's unavoidable {gap:g}; ratio = "
                    f"r β1/λ1 = sqrt(r²/c_bound) = {factor:.3g} (r²/c_bound = {factor**2:.3g}), the paper's 'constant' "
                    f"of near-optimality (>= n = {setting.n} for any law in a ball of radius r). The run's step "
                    f"η = 1/n is not the theorem's; the bound does not depend on η"
                ),
                source="paper",
                step=setting.steps,
                replicates=runs,
                extra={**extra, "c_bound": c_bound, "K": 1 / lam, "r2_over_c_bound": factor**2},
                **base,
            )
        )
        rows.append(
            row(
                "lower",
                factor,
                factor * math.hypot(consts["beta1_se"] / beta, consts["lambda1_se"] / lam),
                float(setting.n),
                z=z,
                check="near-optimality constant r β1/λ1 >= n",
                quantity="r β1 / λ1(θ_adv) (Monte Carlo) against n",
                reason="λ1 <= tr E[1{w*ᵀx > 2θ} xxᵀ]/n <= E[1{w*ᵀx > 0}||x||²]/n <= r β1/n on a law in the ball "
                "of radius r (ours, not the paper's)",
                source="derived",
                extra=extra,
                **base,
            )
        )
    if setting.w_star == (-1.0, 1.0):  # Example 1's law and w*: closed forms to hold the Monte Carlo to
        exact_beta = (math.sqrt(2) + math.asinh(1.0)) / 6  # E||x|| / 2 on [-1, 1]^2 (x -> -x symmetry)
        for name, exact in (("lambda1", float(exact_lambda1(theta))), ("beta1", exact_beta)):
            rows.append(
                row(
                    "equal",
                    consts[name],
                    consts[name + "_se"],
                    exact,
                    z=z,
                    check=f"Definition 1 {name} Monte Carlo = closed form",
                    quantity=f"Monte Carlo {name} at θ* = θ_adv against "
                    + ("(1 - θ*)⁴/6 (Example 1)" if name == "lambda1" else "(√2 + asinh 1)/6 = E||x||/2"),
                    reason=f"within z = {z:g} standard errors; λ1 = 0 exactly past θ* = 1",
                    source="derived",
                    replicates=consts["samples"],
                    extra=extra,
                    **base,
                )
            )
    return rows


def near_optimality_rows(z: float, runs: int, seed: int, settings=None) -> list[CheckRow]:
    """§3.2's rows for every attack of `settings` (names or Settings; default all of SETTINGS)."""
    chosen = [SETTINGS[s] if isinstance(s, str) else s for s in (settings or SETTINGS)]
    return [r for setting in chosen for r in setting_rows(setting, z, runs, seed)]


def near_optimality_curves(
    runs: int, seed: int, setting: str | Setting = "n2_small", constant_samples: int = CONSTANT_SAMPLES
) -> pd.DataFrame:
    """Figure data of one attack: per t = 0..T the mean and standard error over runs of ||w_t - w*|| and
    ||w_t - w_adv||, with the constant levels ||w_adv - w*|| and eq. (5)'s bound (inf where vacuous)."""
    chosen = SETTINGS[setting] if isinstance(setting, str) else setting
    consts = definition1_constants(chosen, chosen.theta_adv, constant_samples, _stream(seed, chosen, "constants"))
    sim = simulate(chosen, runs, seed)
    root = math.sqrt(runs)
    return pd.DataFrame(
        {
            "setting": chosen.name,
            "t": np.arange(chosen.steps + 1),
            "dist_star_mean": sim.dist_star.mean(axis=1),
            "dist_star_se": sim.dist_star.std(axis=1, ddof=1) / root,
            "dist_adv_mean": sim.dist_adv.mean(axis=1),
            "dist_adv_se": sim.dist_adv.std(axis=1, ddof=1) / root,
            "adv_distance": chosen.distance,
            "eq5_bound": eq5_bound(chosen, consts)[0],
            "theta_adv": chosen.theta_adv,
            "runs": runs,
        }
    )


def plot_near_optimality(ax, frame: pd.DataFrame) -> None:
    """Draw one attack's curves (a frame of near_optimality_curves): log y, the two levels as horizontal lines."""
    names = frame["setting"].unique()
    if len(names) != 1:
        raise ValueError(f"plot_near_optimality draws one setting at a time, got {list(names)}")
    t = frame["t"].to_numpy()
    runs = int(frame["runs"].iloc[0])
    for column, label, color in (
        ("dist_star", "distance to the true weights w*", "C0"),
        ("dist_adv", "distance to the adversary's weights w_adv", "C1"),
    ):
        mean, se = frame[f"{column}_mean"].to_numpy(), frame[f"{column}_se"].to_numpy()
        ax.plot(t, mean, color=color, label=f"{label} (mean of {runs} runs)")
        ax.fill_between(t, np.maximum(mean - 2 * se, mean * 1e-3), mean + 2 * se, color=color, alpha=0.25, lw=0)
    gap = float(frame["adv_distance"].iloc[0])
    ax.axhline(gap, color="k", ls="--", lw=1, label="||w_adv - w*||: the error the attack forces on any exact learner")
    bound = float(frame["eq5_bound"].iloc[0])
    if math.isfinite(bound):
        ax.axhline(bound, color="C3", ls=":", lw=1.5, label="eq. (5): Theorem 3.1's best guarantee θ_adv β1/λ1")
    else:
        ax.plot([], [], " ", label="eq. (5): no bound here (λ1(θ_adv) = 0)")
    ax.set_yscale("log")
    ax.set_xlabel("iteration t")
    ax.set_ylabel("parameter distance (log scale)")
    ax.set_title(f"Near-optimality attack ({names[0]}, θ_adv = {float(frame['theta_adv'].iloc[0]):.3g})")
    ax.legend(fontsize="small")
