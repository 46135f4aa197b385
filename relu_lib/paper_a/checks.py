"""Paper A's trajectories against its theory: verdict rows and the theory curves the figures draw.

One function per check; each gets a `Cell` (the per-seed rows of one trajectory file, its
metadata and the law's constants) and returns CheckRows. `check_cell` runs every check that
concerns the cell; `theory_curves` gives the predicted / bound values at every checkpoint.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache, cached_property

import numpy as np
import pandas as pd

from relu_lib.errors import UserError
from relu_lib.paper_a import theory
from relu_lib.paper_a.adversaries import ADVERSARIES
from relu_lib.paper_a.laws import Constants, make_law
from relu_lib.seeding import generator
from relu_lib.verdicts import CheckRow, not_applicable, row, student_factor

ZERO_MEAN_ADVERSARIES = tuple(sorted(name for name, cls in ADVERSARIES.items() if cls.zero_mean))
FLOAT_FLOOR_SQ = 1e-24  # squared errors below this are rounding, not dynamics
BIAS_SAMPLES = 400_000  # Monte Carlo size for c = E[alpha xi x] where no closed form exists
LATE_FRACTION = 0.10  # "late time": the last 10 % of checkpoints


@dataclass
class Settings:
    z: float = 3.0
    epsilon: float | None = None
    delta: float | None = None


@dataclass
class Cell:
    experiment: str
    cell_id: str
    rows: pd.DataFrame  # per-seed trajectory rows of one cell file
    meta: dict
    consts: Constants

    @property
    def spec(self) -> dict:
        return self.meta["cell"]

    @property
    def eta(self) -> float:
        return self.meta["eta"]

    @property
    def attacked(self) -> bool:
        s = self.spec
        return s["adversary"] != "none" and s["beta"] > 0 and s["theta"] > 0

    @property
    def steps(self) -> np.ndarray:
        return np.sort(self.rows["step"].unique())

    @cached_property
    def bias(self) -> tuple[np.ndarray, np.ndarray]:
        """c = E[alpha xi x] and its standard error."""
        s = self.spec
        if s["adversary"] != "aligned" or s["beta"] * s["theta"] == 0:
            return np.zeros(s["law"]["d"]), np.zeros(s["law"]["d"])
        unit, unit_se = _aligned_unit_bias(
            json.dumps(s["law"], sort_keys=True), tuple(self.meta["w_star"]), s["master_seed"]
        )
        return s["beta"] * s["theta"] * unit, s["beta"] * s["theta"] * unit_se

    @cached_property
    def offset(self) -> np.ndarray:
        """w_inf - w* = 2 Sigma^-1 c."""
        return theory.limit_offset(self.consts.sigma, self.bias[0])

    def initial(self, start: str) -> np.ndarray:
        """Delta_0 = w_0 - w* of a run."""
        w_star = np.asarray(self.meta["w_star"])
        return (np.asarray(self.meta["w_start"]) if start == "common" else 0.0) - w_star

    def run_rows(self, algorithm: str, start: str) -> pd.DataFrame:
        r = self.rows
        return r[(r["algorithm"] == algorithm) & (r["start"] == start)]

    def errors(self, algorithm: str, start: str) -> pd.DataFrame:
        """step x seed table of ||w_t - w*||."""
        return self.run_rows(algorithm, start).pivot(index="step", columns="seed", values="error")

    def diverged(self, algorithm: str, start: str) -> int:
        return int(self.run_rows(algorithm, start).groupby("seed")["diverged"].any().sum())

    def fields(self, check: str, algorithm: str, start: str, **extra) -> dict:
        return {
            "check": check,
            "paper": "A",
            "experiment": self.experiment,
            "cell": self.cell_id,
            "run": f"{algorithm}, {start} start",
            **extra,
        }

    def tron_starts(self) -> tuple[str, ...]:
        return ("common",) if self.attacked else ("zero", "common")

    @property
    def directions(self) -> np.ndarray:
        """(P, d) orthonormal u_p of the along_p columns."""
        return np.atleast_2d(np.asarray(self.meta["directions"], dtype=float))

    def along(self, algorithm: str, start: str) -> tuple[np.ndarray, np.ndarray]:
        """(steps (K,), <w_t - w*, u_p> per step, seed and direction (K, R, P))."""
        r = self.run_rows(algorithm, start).sort_values(["step", "seed"])
        cols = [f"along_{p + 1}" for p in range(len(self.directions))]
        steps = np.sort(r["step"].unique())
        return steps, r[cols].to_numpy().reshape(len(steps), -1, len(cols))

    def predicted_offset(self, start: str, steps) -> np.ndarray:
        """E w_t - w* (K, d), exact (docs/theory.md A.2)."""
        return theory.mean_iterate_offset(
            self.consts.sigma, self.eta, self.initial(start) - self.offset, steps, self.offset
        )


@cache
def _aligned_unit_bias(law_json: str, w_star: tuple, master_seed: int) -> tuple[np.ndarray, np.ndarray]:
    """E[sign(<v, x>) x] (c of the aligned attack at beta = theta = 1) and its standard error:
    one Monte Carlo estimate per law and w*, scaled by beta theta in every cell."""
    law = make_law(json.loads(law_json))
    rng = generator(master_seed, "bias", law.describe())
    return theory.bias_vector(law, "aligned", 1.0, 1.0, np.asarray(w_star), BIAS_SAMPLES, rng)


def spread(steps: np.ndarray, count: int = 3) -> np.ndarray:
    """Up to `count` steps spread over `steps`: the first, the middle ones, the last."""
    if len(steps) <= count:
        return steps
    return steps[np.unique(np.round(np.linspace(0, len(steps) - 1, count)).astype(int))]


def projected_mean(along: np.ndarray, direction: np.ndarray, z: float) -> tuple[float, float, int]:
    """Mean over seeds of <w_t - w*, u> (u = sum_p direction_p u_p), its standard error sd / sqrt(R) widened
    by the Student factor of R - 1 degrees of freedom (a z-band of the t statistic), and R (seeds kept)."""
    values = along @ direction
    values = values[np.isfinite(values)]
    n = len(values)
    if n < 2:
        return math.nan, math.nan, n
    return float(values.mean()), float(values.std(ddof=1) / math.sqrt(n)) * student_factor(z, n - 1), n


def mean_identity(cell: Cell, settings: Settings) -> list[CheckRow]:
    """mean_R(w_t) - E w_t = 0, tested along the predicted direction: with mu_t = E w_t - w* (exact) and
    u_t its direction in span(w*, w_0) (the recorded plane, which holds mu_t for isotropic laws), the
    mean over seeds of <w_t - w*, u_t> against <mu_t, u_t>, with its own standard error."""
    out = []
    for start in cell.tron_starts():
        base = cell.fields(
            "mean identity",
            "tron",
            start,
            quantity="<mean_R w_t - w*, u_t>, u_t the direction of E w_t - w* in span(w*, w_0)",
        )
        if cell.diverged("tron", start):
            out.append(not_applicable("a run diverged: the step is outside the identity's range", **base))
            continue
        steps, along = cell.along("tron", start)
        coords = cell.predicted_offset(start, steps) @ cell.directions.T  # (K, P)
        c_se = 2 * np.linalg.norm(np.linalg.solve(cell.consts.sigma, cell.bias[1]))
        stats = []
        for k, t in enumerate(steps):
            norm = float(np.linalg.norm(coords[k]))
            if t == 0 or norm <= 1e-10:
                continue
            mean, se, n = projected_mean(along[k], coords[k] / norm, settings.z)
            stats.append((t, mean, math.hypot(se, c_se), norm, n))
        powered = [s_ for s_ in stats if s_[3] > settings.z * s_[2]]
        if not powered:
            out.append(not_applicable(f"the prediction is below {settings.z:g} standard errors at every step", **base))
        for t in spread(np.array([s_[0] for s_ in powered])):
            _, mean, se, norm, n = next(s_ for s_ in powered if s_[0] == t)
            out.append(
                row(
                    "equal",
                    mean,
                    se,
                    norm,
                    z=settings.z,
                    step=t,
                    replicates=n,
                    reason="projected z: SE of the projection from the seeds (Student-widened), exact prediction",
                    **base,
                )
            )
    return out


def a2_contraction(cell: Cell, settings: Settings) -> list[CheckRow]:
    """E||Delta_t||^2 <= rho^t ||Delta_0||^2 (realizable cells)."""
    if cell.attacked:
        return []
    out = []
    r = theory.rho(cell.consts, cell.eta, cell.spec["b"])
    for start in cell.tron_starts():
        base = cell.fields("A2 contraction", "tron", start, quantity="E||w_t - w*||^2")
        reason = _reasons(_diverged_reason(cell, "tron", start), _a2_inapplicable(cell, r))
        errors = cell.errors("tron", start)
        initial_sq = float(np.sum(cell.initial(start) ** 2))
        bound = theory.a2_bound(cell.consts, cell.eta, cell.spec["b"], initial_sq, errors.index)
        if reason:
            out.append(not_applicable(reason, **base))
            continue
        # where the bound has at least halved (before, one step's decrement is lost in the noise)
        # and is still well above the floating-point floor
        usable = errors.index[(bound <= 0.5 * initial_sq) & (bound >= FLOAT_FLOOR_SQ * initial_sq * 1e4)]
        steps, along = cell.along("tron", start)
        for t in spread(usable.to_numpy()):
            sq = controlled_square(
                errors.loc[t].to_numpy() ** 2,
                along[list(steps).index(t)],
                cell.predicted_offset(start, [t])[0] @ cell.directions.T,
            )
            se = _se(sq) * student_factor(settings.z, max(len(sq) - 1, 1))
            out.append(
                row(
                    "upper",
                    sq.mean(),
                    se,
                    float(bound[errors.index.get_loc(t)]),
                    z=settings.z,
                    step=t,
                    replicates=len(sq),
                    reason="mean of ||Delta_t||^2 - 2 <P mu_t, Delta_t - mu_t> "
                    "(control variate from the exact mean E Delta_t = mu_t), SE Student-widened",
                    **base,
                )
            )
    return out


def controlled_square(sq: np.ndarray, along: np.ndarray, coords: np.ndarray) -> np.ndarray:
    """Per seed ||Delta_t||^2 - 2 <P mu_t, Delta_t - mu_t>, finite seeds only: the same mean as ||Delta_t||^2
    (E Delta_t = mu_t exactly in realizable cells, docs/theory.md A.2; P the projection on the recorded plane,
    `coords` = P mu_t in its basis, `along` the seeds' (R, P) projections of Delta_t), with the linear part of its
    fluctuation, 2 <mu_t, Delta_t - mu_t>, removed. Early in a run that part dominates: the standard error
    drops ~10x (docs/theory.md A.3b, section 5)."""
    values = sq - 2 * (along @ coords - coords @ coords)
    return values[np.isfinite(values)]


def iterations_to_epsilon(cell: Cell, settings: Settings) -> list[CheckRow]:
    """After T(eps, delta, b) steps, P(||Delta_T|| <= eps) >= 1 - delta (A2 + Markov)."""
    if cell.attacked or settings.epsilon is None:
        return []
    out = []
    r = theory.rho(cell.consts, cell.eta, cell.spec["b"])
    iterations = int(cell.steps.max())
    for start in cell.tron_starts():
        base = cell.fields(
            "A2 iterations T(eps, delta)",
            "tron",
            start,
            quantity=f"P(||w_T - w*|| <= {settings.epsilon:g}) at T = T(eps, delta)",
        )
        initial_sq = float(np.sum(cell.initial(start) ** 2))
        bound_t = theory.iterations_to_epsilon(
            cell.consts, cell.eta, cell.spec["b"], settings.epsilon, settings.delta, initial_sq
        )
        reason = _reasons(_diverged_reason(cell, "tron", start), _a2_inapplicable(cell, r))
        if not reason and bound_t > iterations:
            reason = f"T(eps, delta) = {bound_t:.0f} exceeds the run's {iterations} iterations"
        if reason:
            out.append(not_applicable(reason, **base))
            continue
        hits = cell.run_rows("tron", start).groupby("seed")["hit_step"].first()
        reached = (hits.notna() & (hits <= bound_t)).to_numpy(dtype=float)
        out.append(
            row(
                "lower",
                reached.mean(),
                _se(reached),
                1 - settings.delta,
                z=settings.z,
                step=math.ceil(bound_t),
                replicates=len(reached),
                **base,
            )
        )
    return out


def a3_bias(cell: Cell, settings: Settings) -> list[CheckRow]:
    """Aligned attack: ||E w_inf - w*|| = 2||Sigma^-1 c|| (exact) <= 2 beta theta sqrt(lambda3)/lambda1.

    Both rows read the recorded projections on span(w*, w_0), which holds E w_inf - w* = 2 Sigma^-1 c for
    the Gaussian laws (c is along v = w*/||w*||); for other laws its part out of the plane is not seen.
    Per seed, the projections of the late checkpoints (the last 10 %) are averaged after removing the exactly
    known transient P(mu_t - mu_inf): an unbiased estimate of P mu_inf per seed, with the noise of several
    nearly independent checkpoints instead of one (docs/theory.md A.3b, section 5)."""
    if not cell.attacked or cell.spec["adversary"] != "aligned":
        return []
    s, out = cell.spec, []
    steps, along = cell.along("tron", "common")
    late = slice(len(steps) - max(1, round(LATE_FRACTION * len(steps))), len(steps))
    t = int(steps[late][0])
    fields = {"step": t}
    reason = _diverged_reason(cell, "tron", "common")
    if reason:
        return [
            not_applicable(reason, **cell.fields(check, "tron", "common", **fields))
            for check in ("A3 bias (exact limit)", "A3 bias bound")
        ]
    limit = cell.offset @ cell.directions.T  # P mu_inf in the plane's basis
    transient = cell.predicted_offset("common", steps[late]) @ cell.directions.T - limit  # (K_late, P)
    per_seed = (along[late] - transient[:, None, :]).mean(axis=0)  # (R, P)
    norm = float(np.linalg.norm(limit))
    mean, se, n = projected_mean(per_seed, limit / norm, settings.z)
    c_se = 2 * np.linalg.norm(np.linalg.solve(cell.consts.sigma, cell.bias[1]))
    window = f"mean over the last {len(steps[late])} checkpoints (t >= {t}) less the exact transient"
    out.append(
        row(
            "equal",
            mean,
            math.hypot(se, c_se),
            norm,
            z=settings.z,
            replicates=n,
            quantity="<mean_R w_t - w*, u>, u the direction of E w_inf - w* in span(w*, w_0), late window",
            reason=f"projected z (SE from the seeds, Student-widened); {window}",
            **cell.fields("A3 bias (exact limit)", "tron", "common", **fields),
        )
    )
    observed, se = _plane_norm(per_seed, settings.z)
    out.append(
        row(
            "upper",
            observed,
            se,
            theory.a3_bias_bound(cell.consts, s["beta"], s["theta"]),
            z=settings.z,
            replicates=n,
            quantity="||E w_inf - w*|| in span(w*, w_0): sqrt(||mean_R||^2 - tr Cov / R), late window",
            reason=f"bias-corrected norm of the mean in the recorded plane, SE along its direction; {window}",
            **cell.fields("A3 bias bound", "tron", "common", **fields),
        )
    )
    return out


def _plane_norm(along: np.ndarray, z: float) -> tuple[float, float]:
    """Unbiased-square norm of the mean of the seeds' projections (R, P): sqrt(max(||m||^2 - tr C / R, 0)),
    and its standard error to first order, sqrt(u^T C u / R) along u = m / ||m|| (Student-widened)."""
    values = along[np.isfinite(along).all(axis=1)]
    n = len(values)
    if n < 2:
        return math.nan, math.nan
    m, cov = values.mean(axis=0), np.atleast_2d(np.cov(values, rowvar=False))
    sq = float(m @ m - np.trace(cov) / n)
    u = m / np.linalg.norm(m)
    return math.sqrt(max(sq, 0.0)), math.sqrt(float(u @ cov @ u) / n) * student_factor(z, n - 1)


def late_second_moment(cell: Cell, algorithm: str = "tron", start: str = "common") -> tuple[float, float, int]:
    """Late-time E||Delta||^2: per seed the mean of the squared error over the last 10 % of
    checkpoints, then the mean over seeds, its standard error, and the window's first step."""
    errors = cell.errors(algorithm, start)
    window = errors.iloc[-max(1, round(LATE_FRACTION * len(errors))) :]
    per_seed = (window.to_numpy() ** 2).mean(axis=0)
    per_seed = per_seed[np.isfinite(per_seed)]
    return per_seed.mean(), _se(per_seed), int(window.index[0])


def a4_poisoned_bound(cell: Cell, settings: Settings) -> list[CheckRow]:
    """E||Delta_t||^2 <= rho_p^t ||Delta_0||^2 + B/(1 - rho_p), checked on the late window."""
    if not cell.attacked:
        return []
    s = cell.spec
    observed, se, t = late_second_moment(cell)
    base = cell.fields("A4 poisoned bound", "tron", "common", quantity="late E||w_t - w*||^2", step=t)
    if not cell.consts.fourth_moment_finite:
        assumption = "lambda2 = inf (infinite fourth moment): (A4) does not apply"
    elif theory.a4_rho(cell.consts, cell.eta, s["b"]) >= 1:
        assumption = f"step eta = {cell.eta:.3g} outside the range of (A4): rho_p >= 1"
    else:
        assumption = ""
    reason = _reasons(_diverged_reason(cell, "tron", "common"), assumption)
    if reason:
        return [not_applicable(reason, observed=observed, observed_se=se, **base)]
    bound = float(
        theory.a4_bound(
            cell.consts,
            cell.eta,
            s["b"],
            float(cell.bias[0] @ cell.bias[0]),
            theory.attack_second_moment(cell.consts, s["beta"], s["theta"]),
            float(np.sum(cell.initial("common") ** 2)),
            [t],
        )[0]
    )
    return [row("upper", observed, se, bound, z=settings.z, replicates=s["seeds"], **base)]


def _tron_floor(cell: Cell, xi2: float, w_norm: float) -> tuple[float, float, str]:
    """Tron's (A5) floor, its tolerance and the row's reason: to leading order in eta where the next
    order does not apply (floor_applicability says why), else to next order (A5')."""
    s = cell.spec
    leading = theory.zero_mean_floor(cell.eta, s["beta"], math.sqrt(xi2) * s["theta"], s["law"]["d"], s["b"])
    why_leading = theory.floor_applicability(cell.consts)
    if why_leading:
        tolerance = theory.zero_mean_floor_tolerance(cell.consts, cell.eta, s["b"])
        return leading, tolerance, f"leading order in eta ({why_leading}): tolerance eta K(b)/lambda1 = {tolerance:.3f}"
    predicted = theory.zero_mean_floor_next(cell.consts, cell.eta, s["beta"], s["theta"], s["b"], xi2)
    remainder = theory.tron_floor_remainder(cell.consts, cell.eta, s["b"], predicted, w_norm)
    tolerance = 2 * remainder + (cell.eta * theory.floor_next_order_a(cell.consts, s["b"])) ** 2
    reason = (
        f"next order in eta ({predicted / leading:.4f} x the leading order); tolerance "
        f"{tolerance:.4f}: twice the first neglected term O(eta^1.5) plus (eta a)^2"
    )
    return predicted, tolerance, reason


def a5_floor(cell: Cell, settings: Settings) -> list[CheckRow]:
    """Zero-mean attack: Tron's late E||Delta||^2 against (A5) to next order in eta (isotropic laws), else
    to leading order; SGD's late E||Delta||^2 against its own floor (about half of Tron's)."""
    s = cell.spec
    if not cell.attacked or s["adversary"] not in ZERO_MEAN_ADVERSARIES:
        return []
    xi2 = ADVERSARIES[s["adversary"]].xi2
    w_norm = float(np.linalg.norm(cell.meta["w_star"]))
    out = []
    observed, se, t = late_second_moment(cell)
    base = cell.fields("A5 zero-mean floor", "tron", "common", quantity="late E||w_t - w*||^2", step=t)
    diverged = _diverged_reason(cell, "tron", "common")
    if not cell.consts.fourth_moment_finite or diverged:
        reason = _reasons(
            diverged,
            ""
            if cell.consts.fourth_moment_finite
            else "lambda2 = inf: the first correction to (A5) involves the infinite fourth moment",
        )
        out.append(not_applicable(reason, observed=observed, observed_se=se, **base))
    else:
        predicted, tolerance, reason = _tron_floor(cell, xi2, w_norm)
        out.append(
            row(
                "equal",
                observed,
                se,
                predicted,
                z=settings.z,
                tolerance=tolerance,
                replicates=s["seeds"],
                reason=reason,
                **base,
            )
        )
    if ("sgd", "common") in {(a, st) for a, st in _runs(cell)}:
        observed, se, t = late_second_moment(cell, "sgd", "common")
        base = cell.fields("A5 SGD floor", "sgd", "common", quantity="late E||w_t - w*||^2", step=t)
        reason = _reasons(_diverged_reason(cell, "sgd", "common"), theory.floor_applicability(cell.consts))
        if reason:
            out.append(not_applicable(reason, observed=observed, observed_se=se, **base))
        else:
            predicted = theory.sgd_floor_next(cell.consts, cell.eta, s["beta"], s["theta"], s["b"], w_norm, xi2)
            tron = theory.zero_mean_floor_next(cell.consts, cell.eta, s["beta"], s["theta"], s["b"], xi2)
            tolerance = theory.sgd_floor_tolerance(
                cell.consts, cell.eta, s["b"], predicted, w_norm, s["law"]["family"] == "normal"
            )
            out.append(
                row(
                    "equal",
                    observed,
                    se,
                    predicted,
                    z=settings.z,
                    tolerance=tolerance,
                    replicates=s["seeds"],
                    reason=f"SGD's gate keeps half the poisoned samples; predicted {predicted / tron:.3f} x "
                    f"Tron's floor; tolerance {tolerance:.4f} from the neglected O(q) terms",
                    **base,
                )
            )
    if ("sgd_first_sample", "common") in set(_runs(cell)):
        out.append(first_sample_floor(cell, settings, xi2, w_norm))
    return out


def first_sample_floor(cell: Cell, settings: Settings, xi2: float, w_norm: float) -> CheckRow:
    """The authors' variant (gate first_sample): late E||Delta||^2 against its derived floor, about b/2 x
    Tron's with a large first correction (docs/theory.md A.3b, section 3). A prediction of the project,
    not of the paper."""
    s = cell.spec
    observed, se, t = late_second_moment(cell, "sgd_first_sample", "common")
    base = cell.fields("A5 variant floor", "sgd_first_sample", "common", quantity="late E||w_t - w*||^2", step=t)
    reason = _reasons(_diverged_reason(cell, "sgd_first_sample", "common"), theory.floor_applicability(cell.consts))
    if not reason and not theory.first_sample_stable(cell.consts, cell.eta, s["b"]):
        reason = (
            f"eta a_v = {cell.eta * theory.first_sample_a(cell.consts, s['b']):.3g} >= 1: the variant's "
            "second moment does not contract at this step"
        )
    if reason:
        return not_applicable(reason, observed=observed, observed_se=se, **base)
    predicted = theory.first_sample_floor_next(
        cell.consts, cell.eta, s["beta"], s["theta"], s["b"], w_norm, s["adversary"], xi2
    )
    tron = theory.zero_mean_floor_next(cell.consts, cell.eta, s["beta"], s["theta"], s["b"], xi2)
    tolerance = theory.first_sample_floor_tolerance(cell.consts, cell.eta, s["b"], predicted, w_norm)
    if s["law"]["family"] != "normal":  # the cubic terms are in their Gaussian form
        tolerance += 0.5 * theory.floor_cubic_coefficient(cell.consts, w_norm) * math.sqrt(predicted)
    return row(
        "equal",
        observed,
        se,
        predicted,
        z=settings.z,
        tolerance=tolerance,
        replicates=s["seeds"],
        reason=f"derived prediction for the published code's variant: {predicted / tron:.2f} x Tron's floor "
        f"(leading order b/2 = {s['b'] / 2:g}); tolerance {tolerance:.3f} from the neglected terms",
        **base,
    )


def _runs(cell: Cell) -> list[tuple[str, str]]:
    return [(r["algorithm"], r["start"]) for r in cell.meta.get("runs", [])] or list(
        cell.rows[["algorithm", "start"]].drop_duplicates().itertuples(index=False, name=None)
    )


RATE_TOLERANCE = 0.05  # the equality of late rates is asymptotic; see docs/theory.md
LINEAR_REGIME = 1e-3  # "late": every seed's error below this fraction of ||Delta_0||


def late_rate_agreement(cell: Cell, settings: Settings) -> list[CheckRow]:
    """Tron and SGD from the same start converge at the same late rate (near w* both follow the
    same random linear recursion, mean I - eta Sigma/2): SGD/Tron ratio of late rates = 1."""
    if cell.attacked:
        return []
    base = cell.fields(
        "Tron/SGD late rate", "sgd / tron", "common", quantity="ratio of late rates d log||w_t - w*|| / dt"
    )
    reason = _diverged_reason(cell, "tron", "common") or _diverged_reason(cell, "sgd", "common")
    tron, sgd = cell.errors("tron", "common"), cell.errors("sgd", "common")
    both = pd.concat([tron, sgd], axis=1)
    scale = math.sqrt(float(np.sum(cell.initial("common") ** 2)))
    late = (both.max(axis=1) <= LINEAR_REGIME * scale) & (both.min(axis=1) ** 2 > FLOAT_FLOOR_SQ)
    window = tron.index[late.to_numpy()]
    if not reason and len(window) < 3:
        reason = (
            f"fewer than 3 checkpoints in the asymptotic regime (every error below {LINEAR_REGIME:g} "
            "||Delta_0|| and above the float floor)"
        )
    if reason:
        return [not_applicable(reason, **base)]
    x = window.to_numpy(dtype=float)
    slope = lambda e: np.polyfit(x, np.log(e.loc[window].to_numpy()), 1)[0]  # noqa: E731  (per seed)
    ratio = slope(sgd) / slope(tron)
    return [
        row(
            "equal",
            ratio.mean(),
            _se(ratio),
            1.0,
            z=settings.z,
            tolerance=RATE_TOLERANCE,
            step=int(window[0]),
            replicates=len(ratio),
            reason=f"asymptotic equality, tolerance {RATE_TOLERANCE:.0%}; Tron late rate "
            f"{slope(tron).mean():.4g} per step",
            **base,
        )
    ]


def _late_slopes(cell: Cell, algorithm: str) -> tuple[np.ndarray, np.ndarray] | None:
    """Per-seed slopes of log||w_t - w*|| over the run's own asymptotic window (every seed below
    LINEAR_REGIME ||Delta_0|| and above the float floor), and the window; None if under 3 checkpoints."""
    errors = cell.errors(algorithm, "common")
    scale = math.sqrt(float(np.sum(cell.initial("common") ** 2)))
    late = (errors.max(axis=1) <= LINEAR_REGIME * scale) & (errors.min(axis=1) ** 2 > FLOAT_FLOOR_SQ)
    window = errors.index[late.to_numpy()]
    if len(window) < 3:
        return None
    x = window.to_numpy(dtype=float)
    return np.array([np.polyfit(x, np.log(errors.loc[window, seed].to_numpy()), 1)[0] for seed in errors]), x


def first_sample_rate(cell: Cell, settings: Settings) -> list[CheckRow]:
    """Realizable: SGD's late rate over the authors' variant's, each over its own asymptotic window, against
    the derived b (1 - eta a) / (1 - eta a_v) (about 21 at N(0, I), d = 100, b = 16, eta = 0.01)."""
    if cell.attacked or ("sgd_first_sample", "common") not in set(_runs(cell)):
        return []
    base = cell.fields(
        "variant late rate",
        "sgd / sgd_first_sample",
        "common",
        quantity="ratio of late rates d log||w_t - w*|| / dt, SGD over the variant",
    )
    reason = _reasons(
        _diverged_reason(cell, "sgd", "common"),
        _diverged_reason(cell, "sgd_first_sample", "common"),
        theory.floor_applicability(cell.consts),
    )
    if not reason and not theory.first_sample_stable(cell.consts, cell.eta, cell.spec["b"]):
        reason = "eta a_v >= 1: the variant's second moment does not contract at this step"
    sgd = variant = None
    if not reason:
        sgd, variant = _late_slopes(cell, "sgd"), _late_slopes(cell, "sgd_first_sample")
        if sgd is None or variant is None:
            reason = (
                f"fewer than 3 checkpoints in a run's asymptotic regime (every error below {LINEAR_REGIME:g} "
                "||Delta_0|| and above the float floor)"
            )
    if reason:
        return [not_applicable(reason, **base)]
    ratio = sgd[0] / variant[0]  # per seed: the two runs share the mini-batches
    predicted = theory.first_sample_rate_ratio(cell.consts, cell.eta, cell.spec["b"])
    return [
        row(
            "equal",
            ratio.mean(),
            _se(ratio),
            predicted,
            z=settings.z,
            tolerance=RATE_TOLERANCE,
            step=int(variant[1][0]),
            replicates=len(ratio),
            reason=f"derived: mean-square rates, b (1 - eta a) / (1 - eta a_v); asymptotic, tolerance "
            f"{RATE_TOLERANCE:.0%}; windows from t = {sgd[1][0]:.0f} (SGD) and {variant[1][0]:.0f} (variant)",
            **base,
        )
    ]


CHECKS = (
    mean_identity,
    a2_contraction,
    iterations_to_epsilon,
    a3_bias,
    a4_poisoned_bound,
    a5_floor,
    late_rate_agreement,
    first_sample_rate,
)


def check_cell(cell: Cell, settings: Settings) -> list[CheckRow]:
    return [r for check in CHECKS for r in check(cell, settings)]


SCALAR_CURVES = ("A4 poisoned bound", "A5 zero-mean floor", "A3 bias (exact limit)", "A5 SGD floor", "A5 variant floor")


def theory_curves(cell: Cell, settings: Settings, rows: list[CheckRow]) -> pd.DataFrame:
    """The theory drawn in the figures, in error units (square roots of second-moment bounds);
    the late-time values are the predictions of the cell's verdict `rows`, not computed again."""
    s, steps, frames = cell.spec, cell.steps, []

    def add(curve, start, values, at=None):
        frames.append(
            pd.DataFrame(
                {
                    "cell": cell.cell_id,
                    "law": s["law_name"],
                    "b": s["b"],
                    "adversary": s["adversary"],
                    "beta": s["beta"],
                    "theta": s["theta"],
                    "start": start,
                    "curve": curve,
                    "step": steps if at is None else at,
                    "value": values,
                }
            )
        )

    r = theory.rho(cell.consts, cell.eta, s["b"])
    for start in cell.tron_starts():
        initial_sq = float(np.sum(cell.initial(start) ** 2))
        add(
            "mean iterate (exact)",
            start,
            theory.mean_iterate_error(
                cell.consts.sigma, cell.eta, cell.initial(start) - cell.offset, steps, cell.offset
            ),
        )
        if not cell.attacked and not _a2_inapplicable(cell, r):
            add("bound (A2)", start, np.sqrt(theory.a2_bound(cell.consts, cell.eta, s["b"], initial_sq, steps)))
            if settings.epsilon is not None:
                t = theory.iterations_to_epsilon(
                    cell.consts, cell.eta, s["b"], settings.epsilon, settings.delta, initial_sq
                )
                add("T(eps, delta)", start, [t], at=[np.nan])
    if cell.attacked:
        for r_ in rows:
            if r_.check in SCALAR_CURVES and r_.verdict != "not_applicable":
                value = r_.predicted if r_.check.startswith("A3") else math.sqrt(r_.predicted)
                add(r_.check, "common", [value], at=[np.nan])
    return pd.concat(frames, ignore_index=True)


def _a2_inapplicable(cell: Cell, r: float) -> str:
    if not cell.consts.fourth_moment_finite:
        return "lambda2 = inf (infinite fourth moment): (A2) does not apply"
    if not r < 1:
        return f"step eta = {cell.eta:.3g} outside the range of (A2): rho = {r:.3g} >= 1"
    return ""


def _reasons(*reasons: str) -> str:
    """Every reason that applies (a diverged run first: it is what the reader sees in the figure)."""
    return "; ".join(r for r in reasons if r)


def _diverged_reason(cell: Cell, algorithm: str, start: str) -> str:
    n = cell.diverged(algorithm, start)
    return f"{n} of {cell.spec['seeds']} seeds diverged: the step is outside the theorem's range" if n else ""


def _se(values: np.ndarray) -> float:
    values = np.asarray(values, dtype=float)
    return float(values.std(ddof=1) / math.sqrt(len(values))) if len(values) > 1 else math.nan


def load_cell(experiment: str, path, constants: dict) -> Cell:
    from relu_lib.io import read_table
    from relu_lib.paper_a.trainer import TRAJECTORY_COLUMNS

    table, meta = read_table(path, required=TRAJECTORY_COLUMNS)
    rows = table.to_pandas()
    rows["algorithm"], rows["start"] = rows["algorithm"].astype(str), rows["start"].astype(str)
    law = meta["cell"]["law_name"]
    if law not in constants:
        raise UserError(f"{path}: no constants file was given for law '{law}'")
    cell_id = "/".join(str(path).split(f"/{experiment}/", 1)[-1].split("/")[:-1])
    return Cell(experiment, cell_id, rows, meta, constants[law])


def check_experiment(experiment: str, cell_paths, constants_paths, settings: Settings, rows_path, curves_path):
    """Check every cell of an experiment; write the verdict rows and the theory curves."""
    import pyarrow as pa

    from relu_lib.io import write_table
    from relu_lib.provenance import inputs_config, stamp
    from relu_lib.verdicts import summary_line, to_frame

    constants = {_law_name(path): Constants.read(path) for path in constants_paths}
    rows, curves, metas = [], [], []
    for path in cell_paths:
        cell = load_cell(experiment, path, constants)
        metas.append(cell.meta)
        cell_rows = check_cell(cell, settings)
        rows += cell_rows
        curves.append(theory_curves(cell, settings, cell_rows))
    frame = to_frame(rows)
    config = inputs_config(metas, z=settings.z, epsilon=settings.epsilon, delta=settings.delta)
    meta = {"experiment": experiment, "z": settings.z, "provenance": stamp(config, __name__)}
    write_table(rows_path, pa.Table.from_pandas(frame, preserve_index=False), meta)
    write_table(curves_path, pa.Table.from_pandas(pd.concat(curves, ignore_index=True), preserve_index=False), meta)
    print(summary_line(experiment, frame))


def _law_name(path) -> str:
    from pathlib import Path

    return Path(path).stem
