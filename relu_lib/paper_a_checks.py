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

from . import theory
from .checks import CheckRow, not_applicable, row
from .distributions import Constants, make_law
from .errors import UserError
from .seeding import generator

ZERO_MEAN_ADVERSARIES = ("random_sign", "alternating")
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
        unit, unit_se = _aligned_unit_bias(json.dumps(s["law"], sort_keys=True), tuple(self.meta["w_star"]),
                                           s["master_seed"])
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
        return {"check": check, "paper": "A", "experiment": self.experiment, "cell": self.cell_id,
                "run": f"{algorithm}, {start} start", **extra}

    def tron_starts(self) -> tuple[str, ...]:
        return ("common",) if self.attacked else ("zero", "common")


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


def mean_identity(cell: Cell, settings: Settings) -> list[CheckRow]:
    """||mean_R w_t - w*|| = ||(I - eta Sigma/2)^t (w_0 - w_inf) + (w_inf - w*)|| (exact)."""
    out = []
    for start in cell.tron_starts():
        base = cell.fields("mean identity", "tron", start, quantity="||mean_R w_t - w*||")
        if cell.diverged("tron", start):
            out.append(not_applicable("a run diverged: the step is outside the identity's range", **base))
            continue
        per_step = cell.run_rows("tron", start).groupby("step")[["mean_error", "mean_error_se"]].first()
        steps = per_step.index.to_numpy()
        predicted = theory.mean_iterate_error(cell.consts.sigma, cell.eta, cell.initial(start) - cell.offset,
                                              steps, cell.offset)
        c_se = 2 * np.linalg.norm(np.linalg.solve(cell.consts.sigma, cell.bias[1]))
        se = np.hypot(per_step["mean_error_se"].to_numpy(), c_se)
        powered = steps[(steps > 0) & (predicted > 10 * se) & (predicted > 1e-10)]
        if len(powered) == 0:
            out.append(not_applicable("the prediction is below 10 Monte Carlo standard errors at every step", **base))
        for t in spread(powered):
            k = int(np.searchsorted(steps, t))
            out.append(row("equal", per_step["mean_error"].iloc[k], se[k], predicted[k], z=settings.z,
                           step=t, **base))
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
        for t in spread(usable.to_numpy()):
            sq = errors.loc[t].to_numpy() ** 2
            out.append(row("upper", sq.mean(), _se(sq), float(bound[errors.index.get_loc(t)]), z=settings.z,
                           step=t, **base))
    return out


def iterations_to_epsilon(cell: Cell, settings: Settings) -> list[CheckRow]:
    """After T(eps, delta, b) steps, P(||Delta_T|| <= eps) >= 1 - delta (A2 + Markov)."""
    if cell.attacked or settings.epsilon is None:
        return []
    out = []
    r = theory.rho(cell.consts, cell.eta, cell.spec["b"])
    iterations = int(cell.steps.max())
    for start in cell.tron_starts():
        base = cell.fields("A2 iterations T(eps, delta)", "tron", start,
                           quantity=f"P(||w_T - w*|| <= {settings.epsilon:g}) at T = T(eps, delta)")
        initial_sq = float(np.sum(cell.initial(start) ** 2))
        bound_t = theory.iterations_to_epsilon(cell.consts, cell.eta, cell.spec["b"], settings.epsilon,
                                               settings.delta, initial_sq)
        reason = _reasons(_diverged_reason(cell, "tron", start), _a2_inapplicable(cell, r))
        if not reason and bound_t > iterations:
            reason = f"T(eps, delta) = {bound_t:.0f} exceeds the run's {iterations} iterations"
        if reason:
            out.append(not_applicable(reason, **base))
            continue
        hits = cell.run_rows("tron", start).groupby("seed")["hit_step"].first()
        reached = (hits.notna() & (hits <= bound_t)).to_numpy(dtype=float)
        out.append(row("lower", reached.mean(), _se(reached), 1 - settings.delta, z=settings.z,
                       step=math.ceil(bound_t), **base))
    return out


def a3_bias(cell: Cell, settings: Settings) -> list[CheckRow]:
    """Aligned attack: ||E w_inf - w*|| = 2||Sigma^-1 c|| (exact) <= 2 beta theta sqrt(lambda3)/lambda1."""
    if not cell.attacked or cell.spec["adversary"] != "aligned":
        return []
    s, out = cell.spec, []
    per_step = cell.run_rows("tron", "common").groupby("step")[["mean_error", "mean_error_se"]].first()
    observed, se = per_step["mean_error"].iloc[-1], per_step["mean_error_se"].iloc[-1]
    t = int(per_step.index[-1])
    fields = {"quantity": "||mean_R w_T - w*||", "step": t}
    reason = _diverged_reason(cell, "tron", "common")
    if reason:
        return [not_applicable(reason, **cell.fields(check, "tron", "common", **fields))
                for check in ("A3 bias (exact limit)", "A3 bias bound")]
    exact = float(theory.mean_iterate_error(cell.consts.sigma, cell.eta, cell.initial("common") - cell.offset,
                                            [t], cell.offset)[0])
    c_se = 2 * np.linalg.norm(np.linalg.solve(cell.consts.sigma, cell.bias[1]))
    out.append(row("equal", observed, math.hypot(se, c_se), exact, z=settings.z,
                   **cell.fields("A3 bias (exact limit)", "tron", "common", **fields)))
    out.append(row("upper", observed, se, theory.a3_bias_bound(cell.consts, s["beta"], s["theta"]), z=settings.z,
                   **cell.fields("A3 bias bound", "tron", "common", **fields)))
    return out


def late_second_moment(cell: Cell, algorithm: str = "tron", start: str = "common") -> tuple[float, float, int]:
    """Late-time E||Delta||^2: per seed the mean of the squared error over the last 10 % of
    checkpoints, then the mean over seeds, its standard error, and the window's first step."""
    errors = cell.errors(algorithm, start)
    window = errors.iloc[-max(1, round(LATE_FRACTION * len(errors))):]
    per_seed = (window.to_numpy() ** 2).mean(axis=0)
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
    bound = float(theory.a4_bound(cell.consts, cell.eta, s["b"], float(cell.bias[0] @ cell.bias[0]),
                                  theory.attack_second_moment(cell.consts, s["beta"], s["theta"]),
                                  float(np.sum(cell.initial("common") ** 2)), [t])[0])
    return [row("upper", observed, se, bound, z=settings.z, **base)]


def a5_floor(cell: Cell, settings: Settings) -> list[CheckRow]:
    """Zero-mean attack: late E||Delta||^2 ~ eta beta theta^2 d / b, to leading order in eta."""
    s = cell.spec
    if not cell.attacked or s["adversary"] not in ZERO_MEAN_ADVERSARIES:
        return []
    observed, se, t = late_second_moment(cell)
    base = cell.fields("A5 zero-mean floor", "tron", "common", quantity="late E||w_t - w*||^2", step=t)
    reason = _reasons(_diverged_reason(cell, "tron", "common"), "" if cell.consts.fourth_moment_finite else
                      "lambda2 = inf: the first correction to (A5) involves the infinite fourth moment")
    if reason:
        return [not_applicable(reason, observed=observed, observed_se=se, **base)]
    tolerance = theory.zero_mean_floor_tolerance(cell.consts, cell.eta, s["b"])
    predicted = theory.zero_mean_floor(cell.eta, s["beta"], s["theta"], s["law"]["d"], s["b"])
    return [row("equal", observed, se, predicted, z=settings.z, tolerance=tolerance,
                reason=f"prediction to leading order in eta: tolerance eta K(b)/lambda1 = {tolerance:.3f}", **base)]


RATE_TOLERANCE = 0.05  # the equality of late rates is asymptotic; see docs/theory.md
LINEAR_REGIME = 1e-3  # "late": every seed's error below this fraction of ||Delta_0||


def late_rate_agreement(cell: Cell, settings: Settings) -> list[CheckRow]:
    """Tron and SGD from the same start converge at the same late rate (near w* both follow the
    same random linear recursion, mean I - eta Sigma/2): SGD/Tron ratio of late rates = 1."""
    if cell.attacked:
        return []
    base = cell.fields("Tron/SGD late rate", "sgd / tron", "common",
                       quantity="ratio of late rates d log||w_t - w*|| / dt")
    reason = _diverged_reason(cell, "tron", "common") or _diverged_reason(cell, "sgd", "common")
    tron, sgd = cell.errors("tron", "common"), cell.errors("sgd", "common")
    both = pd.concat([tron, sgd], axis=1)
    scale = math.sqrt(float(np.sum(cell.initial("common") ** 2)))
    late = (both.max(axis=1) <= LINEAR_REGIME * scale) & (both.min(axis=1) ** 2 > FLOAT_FLOOR_SQ)
    window = tron.index[late.to_numpy()]
    if not reason and len(window) < 3:
        reason = (f"fewer than 3 checkpoints in the asymptotic regime (every error below {LINEAR_REGIME:g} "
                  "||Delta_0|| and above the float floor)")
    if reason:
        return [not_applicable(reason, **base)]
    x = window.to_numpy(dtype=float)
    slope = lambda e: np.polyfit(x, np.log(e.loc[window].to_numpy()), 1)[0]  # noqa: E731  (per seed)
    ratio = slope(sgd) / slope(tron)
    return [row("equal", ratio.mean(), _se(ratio), 1.0, z=settings.z, tolerance=RATE_TOLERANCE, step=int(window[0]),
                reason=f"asymptotic equality, tolerance {RATE_TOLERANCE:.0%}; Tron late rate "
                       f"{slope(tron).mean():.4g} per step", **base)]


CHECKS = (mean_identity, a2_contraction, iterations_to_epsilon, a3_bias, a4_poisoned_bound, a5_floor,
          late_rate_agreement)


def check_cell(cell: Cell, settings: Settings) -> list[CheckRow]:
    return [r for check in CHECKS for r in check(cell, settings)]


SCALAR_CURVES = ("A4 poisoned bound", "A5 zero-mean floor", "A3 bias (exact limit)")


def theory_curves(cell: Cell, settings: Settings, rows: list[CheckRow]) -> pd.DataFrame:
    """The theory drawn in the figures, in error units (square roots of second-moment bounds);
    the late-time values are the predictions of the cell's verdict `rows`, not computed again."""
    s, steps, frames = cell.spec, cell.steps, []

    def add(curve, start, values, at=None):
        frames.append(pd.DataFrame({"cell": cell.cell_id, "law": s["law_name"], "b": s["b"],
                                    "adversary": s["adversary"], "beta": s["beta"], "theta": s["theta"],
                                    "start": start, "curve": curve,
                                    "step": steps if at is None else at, "value": values}))

    r = theory.rho(cell.consts, cell.eta, s["b"])
    for start in cell.tron_starts():
        initial_sq = float(np.sum(cell.initial(start) ** 2))
        add("mean iterate (exact)", start, theory.mean_iterate_error(
            cell.consts.sigma, cell.eta, cell.initial(start) - cell.offset, steps, cell.offset))
        if not cell.attacked and not _a2_inapplicable(cell, r):
            add("bound (A2)", start, np.sqrt(theory.a2_bound(cell.consts, cell.eta, s["b"], initial_sq, steps)))
            if settings.epsilon is not None:
                t = theory.iterations_to_epsilon(cell.consts, cell.eta, s["b"], settings.epsilon, settings.delta,
                                                 initial_sq)
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
    from .io import TRAJECTORY_COLUMNS, read_table

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

    from .checks import summary_line, to_frame
    from .io import write_table
    from .provenance import CHECK_MODULES, inputs_config, stamp

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
    meta = {"experiment": experiment, "z": settings.z, "provenance": stamp(config, CHECK_MODULES)}
    write_table(rows_path, pa.Table.from_pandas(frame, preserve_index=False), meta)
    write_table(curves_path, pa.Table.from_pandas(pd.concat(curves, ignore_index=True), preserve_index=False), meta)
    print(summary_line(experiment, frame))


def _law_name(path) -> str:
    from pathlib import Path

    return Path(path).stem
