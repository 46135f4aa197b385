"""Paper A's verdict rows and theory curves, per experiment.

Families (docs/bound_checks.md):
* "Alg. 2 exact E||Δ_t||²", "Alg. 2 exact mean along u", "Alg. 2 exact mean along v" (derived, N(0, I_n)
  inputs): the simulated means over runs against the exact recursion of relu_lib.paper_a.theory evaluated at each
  run's own w* and start, two-sided, at checkpoints fixed by design (fractions CHECK_FRACTIONS of the run);
* "Alg. 2 mean (any law)", "Alg. 2 E||Δ_t||² (any law)" (derived, any law, realizable): the same against the
  recursions of relu_lib.paper_a.moments with Monte Carlo constants, their standard error added;
* "paper's figure value" (paper): the simulated mean error against the value read off the paper's figure,
  within its reading precision, for cells at the paper's settings.
S.G.D. has no exact theory (the paper: "similar guarantees ... remain elusive for S.G.D."): its rows are the
figure values only.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from relu_lib.paper_a import moments, paper, theory
from relu_lib.paper_a.cell import CellSpec
from relu_lib.paper_a.summary import grid_values, load_cell, summarize_cell
from relu_lib.verdicts import CheckRow, mean_row, not_applicable, row

CHECK_FRACTIONS = (0.1, 0.25, 0.5, 1.0)  # of the run's iterations: the checkpoints judged, fixed by design
# The mean iterate is judged in the transient only: at the plateau it is the attack's bias (0.0063 at b = 16,
# theta* = 2), about 0.25 of the runs' spread: ~2 standard errors at the default 64 runs, not decidable at z = 3.
MEAN_FRACTIONS = (0.1, 0.25)
EXACT = "Alg. 2 exact E||Δ_t||²"
EXACT_U, EXACT_V = "Alg. 2 exact mean along u", "Alg. 2 exact mean along v"
ANY_MEAN, ANY_SECOND = "Alg. 2 mean (any law)", "Alg. 2 E||Δ_t||² (any law)"
PAPER_VALUE = "paper's figure value"


@dataclass(frozen=True)
class Settings:
    z: float
    moment_samples: int
    epsilon: float = 0.01  # Theorem 3.1's target error and failure probability (config checks.epsilon, delta)
    delta: float = 0.1


@dataclass
class Cell:
    """One cell file read for the checks: its spec, rows and per-run starts."""

    experiment: str
    cell: str
    spec: CellSpec
    rows: pd.DataFrame

    def runs_of(self, algorithm: str) -> pd.DataFrame:
        return self.rows[self.rows["algorithm"] == algorithm]

    def pivot(self, algorithm: str, column: str) -> pd.DataFrame:
        """(step x run) of one column; NaN where a run diverged."""
        frame = self.runs_of(algorithm)
        values = frame[column].where(~frame["diverged"])
        return values.set_axis(pd.MultiIndex.from_frame(frame[["step", "run"]])).unstack("run")

    @property
    def steps(self) -> np.ndarray:
        return np.sort(self.rows["step"].unique())

    def judged_steps(self, fractions=CHECK_FRACTIONS) -> list[int]:
        """The recorded steps nearest to `fractions` of the run (design, not data, picks them)."""
        steps = self.steps[self.steps > 0]
        picks = {int(steps[np.argmin(np.abs(steps - f * self.spec.iterations))]) for f in fractions}
        return sorted(picks)

    def starts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per run (rho, p_0, ||q_0||) from the step-0 rows (Algorithm 2's; both algorithms share the start)."""
        first = self.runs_of("alg2")
        first = first[first["step"] == 0].sort_values("run")
        return first["w_star_norm"].to_numpy(), first["along_u"].to_numpy(), first["along_v"].to_numpy()

    def fields(self, check: str, **extra) -> dict:
        statement = "Figures 1-5 (§3.1)" if check == PAPER_VALUE else "exact moments of Algorithm 2 (derived)"
        return {
            "check": check,
            "paper": "A",
            "experiment": self.experiment,
            "cell": self.cell,
            "statement": statement,
            **extra,
        }


def is_standard_gaussian(spec: CellSpec) -> bool:
    return spec.law["family"] == "normal" and spec.law["sigma"] == 1.0


def setting_of(spec: CellSpec) -> theory.Setting:
    return theory.Setting(
        n=spec.n,
        b=spec.b,
        eta=spec.eta,
        beta=spec.beta,
        theta=spec.theta,
        attack=spec.attack,
        beta_threshold=spec.beta_threshold,
    )


def _mean_and_se(values: np.ndarray) -> tuple[float, float, int]:
    values = values[np.isfinite(values)]
    if values.size < 2:
        return math.nan, math.nan, int(values.size)
    return float(values.mean()), float(values.std(ddof=1) / math.sqrt(values.size)), int(values.size)


def exact_rows(cell: Cell, exact: np.ndarray, z: float) -> list[CheckRow]:
    """The exact-recursion rows of a Gaussian cell; `exact` is (T + 1, 4, R) of theory.exact_moments."""
    out = []
    targets = (
        (EXACT, "error", lambda e: e[:, 1] + e[:, 2], np.square, "mean over runs of ||Δ_t||²", CHECK_FRACTIONS),
        (EXACT_U, "along_u", lambda e: e[:, 0], lambda frame: frame, "mean over runs of <Δ_t, u>", MEAN_FRACTIONS),
        (EXACT_V, "along_v", lambda e: e[:, 3], lambda frame: frame, "mean over runs of <Δ_t, v>", MEAN_FRACTIONS),
    )
    for check, column, predicted_of, transform, quantity, fractions in targets:
        observed = transform(cell.pivot("alg2", column))
        predicted = predicted_of(exact)  # (T + 1, R)
        for step in cell.judged_steps(fractions):
            diffs = observed.loc[step].to_numpy() - predicted[step]  # each run against its own exact moment
            runs = int(np.isfinite(diffs).sum())
            reference = float(np.mean(predicted[step]))
            fields = cell.fields(check, run="alg2", step=step, quantity=quantity)
            if runs < cell.spec.runs:
                out.append(
                    not_applicable(
                        f"{cell.spec.runs - runs} of {cell.spec.runs} runs diverged", replicates=runs, **fields
                    )
                )
                continue
            out.append(mean_row("equal", diffs, 0.0, centre=reference, z=z, **fields))
    return out


def any_law_rows(cell: Cell, settings: Settings) -> tuple[list[CheckRow], pd.DataFrame]:
    """Mean and second-moment rows of a realizable cell of any law, through Monte Carlo constants (the cell's
    runs share one start: `start: fixed`)."""
    spec = cell.spec
    fields = {"run": "alg2"}
    if spec.attacked or spec.theta > 0 or spec.start != "fixed":
        why = "attacked" if spec.attacked or spec.theta > 0 else "runs do not share one start (start: per_run)"
        return [
            not_applicable(
                f"the any-law recursion is checked realizable with a fixed start: {why}",
                **cell.fields(ANY_MEAN, **fields),
            )
        ], pd.DataFrame()
    from relu_lib.paper_a.laws import make_law
    from relu_lib.paper_a.streams import start
    from relu_lib.paper_a.trainer import basis
    from relu_lib.seeding import generator

    w_star, w_start = start(spec.master_seed, spec.n, None, spec.w_star_scale, spec.start_scale)
    law, rng = make_law(spec.law), generator(spec.master_seed, "moments", spec.law, spec.n)
    consts = moments.estimate(lambda count: law.sample(rng, (count,)), w_star, settings.moment_samples)
    steps = cell.steps
    pred = moments.predictions(consts, spec.eta, spec.b, w_start - w_star, steps, basis(w_star, w_start))
    index = {int(s): k for k, s in enumerate(steps)}
    rows = []
    for step in cell.judged_steps():
        k = index[step]
        for p, column in enumerate(("along_u", "along_v") if step in cell.judged_steps(MEAN_FRACTIONS) else ()):
            mean, se, runs = _mean_and_se(cell.pivot("alg2", column).loc[step].to_numpy())
            total_se = math.hypot(se, pred["mean_se"][k, p])
            fields = cell.fields(
                ANY_MEAN, run="alg2", step=step, quantity=f"mean over runs of {column}", replicates=runs
            )
            rows.append(
                not_applicable(f"{spec.runs - runs} of {spec.runs} runs diverged", **fields)
                if runs < spec.runs
                else row("equal", mean, total_se, float(pred["mean"][k, p]), z=settings.z, dof=runs - 1, **fields)
            )
        mean, se, runs = _mean_and_se(cell.pivot("alg2", "error").loc[step].to_numpy() ** 2)
        fields = cell.fields(ANY_SECOND, run="alg2", step=step, quantity="mean over runs of ||Δ_t||²", replicates=runs)
        rows.append(
            not_applicable(f"{spec.runs - runs} of {spec.runs} runs diverged", **fields)
            if runs < spec.runs
            else row(
                "equal",
                mean,
                math.hypot(se, pred["second_se"][k]),
                float(pred["second"][k]),
                z=settings.z,
                dof=runs - 1,
                **fields,
            )
        )
    curve = pd.DataFrame(
        {
            "step": steps,
            "exact_rms": np.sqrt(np.maximum(pred["second"], 0.0)),
            "exact_mean_u": pred["mean"][:, 0],
            "exact_mean_v": pred["mean"][:, 1],
        }
    )
    return rows, curve


def paper_value_rows(cell: Cell, summary: pd.DataFrame, z: float) -> list[CheckRow]:
    """The cell's mean error against every value the paper's figures show for the same setting."""
    from relu_lib.paper_a.study import FIGURES

    grid = grid_values(cell.spec.to_json())
    experiments = {f.id: f.experiments for f in FIGURES}
    out = []
    for fig in paper.FIGURES.values():
        if cell.experiment not in experiments.get(f"fig{fig.number}", ()):
            continue  # a curve is compared with the figure it is drawn in
        for value in paper.values_of(fig.number):
            if value.t == 0 or not _same(grid, cell.spec, fig, value.value):
                continue
            fields = cell.fields(
                PAPER_VALUE,
                run=fig.algorithm,
                step=value.t,
                quantity=f"mean ||w_t - w*|| against Figure {fig.number}",
                source="paper",
            )
            at = summary[(summary["algorithm"] == fig.algorithm) & (summary["step"] == value.t)]
            if at.empty:
                out.append(not_applicable(f"step {value.t} not recorded", **fields))
                continue
            obs = at.iloc[0]
            reason = f"read off Figure {fig.number} (p. {value.page}) to ±{value.relative_precision:.0%}"
            out.append(
                row(
                    "equal",
                    float(obs["mean_error"]),
                    float(obs["mean_error_se"]),
                    value.error_mean,
                    z=z,
                    tolerance=value.relative_precision,
                    replicates=int(obs["runs"]),
                    reason=reason,
                    **fields,
                )
            )
    return out


def _same(grid: dict, spec: CellSpec, fig: paper.PaperFigure, swept_value) -> bool:
    """Whether the cell is the paper's setting of one curve: N(0, I_500), its eta, attack, b, beta, theta, a
    constant beta and at least the figure's iterations."""
    return (
        is_standard_gaussian(spec)
        and spec.iterations >= fig.iterations
        and fig.is_setting(grid, swept_value)
        and not math.isfinite(spec.beta_threshold)
    )


def theorem_rows(cell: Cell, summary: pd.DataFrame, settings: Settings) -> list[CheckRow]:
    """Theorem 3.1 at this cell (relu_lib.paper_a.theorem31.outside_rows): at the experiments' step the theorem's
    hypotheses fail, and the rows say by how much while carrying its bound, the observation and their ratio."""
    from relu_lib.paper_a.theorem31 import outside_rows

    last = summary[(summary["algorithm"] == "alg2") & (summary["step"] == cell.spec.iterations)]
    if last.empty:
        return []
    obs = last.iloc[0]
    _, p0, q0 = cell.starts()
    initial_sq = float(np.mean(p0**2 + q0**2))
    return outside_rows(
        cell.spec,
        float(obs["mean_error"]),
        float(obs["mean_error_se"]),
        int(obs["runs"]),
        initial_sq,
        settings.epsilon,
        settings.delta,
    )


def exact_curve(cell: Cell, exact: np.ndarray) -> pd.DataFrame:
    """sqrt of the mean over the cell's runs of the exact E||Δ_t||², at every step."""
    second = (exact[:, 1] + exact[:, 2]).mean(axis=1)
    return pd.DataFrame(
        {
            "step": np.arange(exact.shape[0]),
            "exact_rms": np.sqrt(second),
            "exact_mean_u": exact[:, 0].mean(axis=1),
            "exact_mean_v": exact[:, 3].mean(axis=1),
        }
    )


def check_cell(cell: Cell, settings: Settings) -> tuple[list[CheckRow], pd.DataFrame]:
    """(verdict rows, theory curve) of one cell."""
    summary = summarize_cell(cell.rows, cell.spec.to_json())
    rows = paper_value_rows(cell, summary, settings.z)
    if is_standard_gaussian(cell.spec):
        rho, p0, q0 = cell.starts()
        exact = theory.exact_moments(setting_of(cell.spec), rho, p0, q0, cell.spec.iterations)
        rows += theorem_rows(cell, summary, settings)
        return exact_rows(cell, exact, settings.z) + rows, exact_curve(cell, exact)
    extra, curve = any_law_rows(cell, settings)
    return extra + rows, curve


def check_experiment(experiment: str, cell_paths, settings: Settings, rows_path, curves_path) -> None:
    """Write the experiment's verdict rows and theory curves (with provenance), print a summary line."""
    import pyarrow as pa

    from relu_lib.io import write_table
    from relu_lib.provenance import inputs_config, stamp
    from relu_lib.verdicts import summary_line, to_frame

    rows, curves, metas = [], [], []
    for path in cell_paths:
        frame, meta = load_cell(path)
        metas.append(meta)
        spec = CellSpec.from_json(meta["cell"])
        cell = Cell(experiment, spec.cell_id(), spec, frame)
        cell_rows, curve = check_cell(cell, settings)
        rows += cell_rows
        if not curve.empty:
            curves.append(curve.assign(cell=cell.cell, **grid_values(spec.to_json())))
    frame = to_frame(rows)
    provenance = stamp(inputs_config(metas, **asdict(settings)), __name__)
    write_table(rows_path, pa.Table.from_pandas(frame, preserve_index=False), {"provenance": provenance})
    curve_frame = pd.concat(curves, ignore_index=True) if curves else pd.DataFrame({"cell": [], "step": []})
    write_table(curves_path, pa.Table.from_pandas(curve_frame, preserve_index=False), {"provenance": provenance})
    print(summary_line(experiment, frame))
