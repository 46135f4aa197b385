"""The note's conjecture as numbers (derived here): alpha of Algorithm 2 and of S.G.D. side by side.

For each attack, n, b and fraction f of each algorithm's own stability edge: alpha_Alg2 (transfer operator of its
affine recursion), alpha_SGD (its far-field map), their difference and its numerical error (the sum of the two
indices' errors, each the change under refined rules: prediction.index_with_error), and linear regression's index
at f of its own edge (every sample passes: the isotropic case of both). The conjecture "Algorithm 2 and S.G.D.
share their tail index" fails at a point where |difference| > z x error; where both are above transfer.ALPHA_MAX
the table says so (inf) and decides nothing.
"""

from __future__ import annotations

import math

from relu_lib.paper_a.tails import prediction

COLUMNS = (
    "adversary",
    "n",
    "b",
    "fraction",
    "edge_alg2",
    "edge_sgd",
    "alpha_alg2",
    "alpha_alg2_error",
    "alpha_sgd",
    "alpha_sgd_error",
    "difference",
    "difference_error",
    "alpha_linear",
    "lyapunov_alg2",
    "lyapunov_sgd",
)


def point(attack: str, n: int, b: int, fraction: float, beta: float, theta: float, w_star_norm: float) -> dict:
    """One row of the table (N(0, I_n) inputs)."""
    flt = prediction.alg2_filter(attack, beta, theta, w_star_norm)
    rec = {"adversary": attack, "n": n, "b": b, "fraction": fraction}
    for name in prediction.ALGORITHMS:
        edge = prediction.edge(name, b, n, flt)
        alpha, err = prediction.index_with_error(name, fraction * edge, b, n, flt)
        rec[f"edge_{name}"] = edge
        rec[f"alpha_{name}"] = float(alpha)
        rec[f"alpha_{name}_error"] = float(err)
        rec[f"lyapunov_{name}"] = prediction.lyapunov(name, fraction * edge, b, n, flt)
    finite = math.isfinite(rec["alpha_alg2"]) and math.isfinite(rec["alpha_sgd"])
    rec["difference"] = rec["alpha_alg2"] - rec["alpha_sgd"] if finite else math.nan
    rec["difference_error"] = rec["alpha_alg2_error"] + rec["alpha_sgd_error"] if finite else math.nan
    rec["alpha_linear"] = float(prediction.curve("linear", [fraction], b, n, flt)[0])
    return rec


def table(axes: dict) -> list[dict]:
    """Every point of the axes (grid.conjecture_grid)."""
    return [
        point(attack, n, b, f, axes["beta"], axes["theta"], axes["w_star_norm"])
        for attack in axes["attacks"]
        for n in axes["dims"]
        for b in axes["batch_sizes"]
        for f in axes["fractions"]
    ]


def write(axes: dict, out_path) -> None:
    """results/summary/tails_conjecture.parquet: the table, marked derived, with its provenance."""
    import pandas as pd
    import pyarrow as pa

    from relu_lib.io import write_table
    from relu_lib.provenance import stamp

    frame = pd.DataFrame(table(axes), columns=list(COLUMNS))
    write_table(
        out_path,
        pa.Table.from_pandas(frame, preserve_index=False),
        {
            "source": "derived",
            "what": "Kesten tail indices of Algorithm 2 (transfer operator) and S.G.D. (far-field map) at fractions "
            "of each one's own stability edge, N(0, I_n) inputs (docs/tails.md)",
            "axes": axes,
            "provenance": stamp(axes, __name__),
        },
    )
