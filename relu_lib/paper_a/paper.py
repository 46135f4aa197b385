"""Paper A's published experiments (§3.1, Figures 1-5): their settings and the values read off its figures.

A figure of this project named after one of the paper's uses the paper's settings (`FIGURES`); the plateau
and intermediate values of every published curve were read off the paper's figure images (pixel
calibration against the axis ticks) and are stored with their reading precision in `paper_values.csv`
(source: the authors' preprint of March 29, 2022, PDF pages 14-15).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

VALUES_PATH = Path(__file__).with_name("paper_values.csv")
N, ETA, ATTACK = 500, 0.01, "alternating"  # x ~ N(0, I_500), eta = 0.01, the alternating attack (§3.1)


@dataclass(frozen=True)
class PaperFigure:
    """One of the paper's figures: which algorithm, which swept parameter, the others held fixed."""

    number: int
    algorithm: str
    swept: str  # b, beta or theta
    values: tuple
    fixed: dict = field(default_factory=dict)
    iterations: int = 2000

    def settings(self, swept_value) -> dict:
        """The full setting of one curve: n, eta, attack, b, beta, theta."""
        return {"n": N, "eta": ETA, "adversary": ATTACK, **self.fixed, self.swept: swept_value}

    def is_setting(self, values, swept_value) -> bool:
        """Whether `values` (a mapping or a row with n, eta, adversary, b, beta, theta) is this figure's curve at
        `swept_value`."""
        return all(
            values[k] == v if isinstance(v, str) else abs(float(values[k]) - float(v)) <= 1e-9 * max(1.0, abs(v))
            for k, v in self.settings(swept_value).items()
        )


FIGURES = {
    1: PaperFigure(1, "alg2", "b", (4, 16, 64, 256, 1024), {"beta": 0.5, "theta": 2.0}, 4000),
    2: PaperFigure(2, "alg2", "beta", (0, 0.005, 0.05, 0.1, 0.2, 0.5, 0.9), {"b": 16, "theta": 2.0}),
    3: PaperFigure(3, "alg2", "theta", (0.125, 0.25, 1, 2, 4, 8), {"b": 16, "beta": 0.5}),
    4: PaperFigure(4, "sgd", "beta", (0, 0.005, 0.05, 0.1, 0.2, 0.5, 0.9), {"b": 16, "theta": 2.0}),
    5: PaperFigure(5, "sgd", "theta", (0.125, 0.25, 1, 2, 4, 8), {"b": 16, "beta": 0.5}),
}


@dataclass(frozen=True)
class PaperValue:
    figure: int
    page: int
    algorithm: str
    parameter: str
    value: float
    t: int
    error_mean: float
    relative_precision: float
    note: str


@cache
def paper_values() -> tuple[PaperValue, ...]:
    """Every value read off the paper's figures (paper_values.csv)."""
    with VALUES_PATH.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    return tuple(
        PaperValue(
            figure=int(r["figure"]),
            page=int(r["page"]),
            algorithm=r["algorithm"],
            parameter=r["parameter"],
            value=float(r["value"]),
            t=int(r["t"]),
            error_mean=float(r["error_mean"]),
            relative_precision=float(r["relative_precision"]),
            note=r["note"],
        )
        for r in rows
    )


def values_of(figure: int) -> list[PaperValue]:
    return [v for v in paper_values() if v.figure == figure]
