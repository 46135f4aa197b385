"""Calibration of the table's error control (relu_lib.paper_a.calibration): the fraction of replicate tables of
exact identities with any `violated` row at checks.level 0.05 (table scope), with its binomial standard error; the
power to find a planted 3 % change of E||Δ_t||²; and, on the step-1 design, each test's per-row rejection rate at
a nominal 1 %.

    python benchmarks/calibration.py --tables 500   # the numbers in docs/bound_checks.md
"""

from __future__ import annotations

import argparse
import json
import math
import time

import numpy as np
import pandas as pd
from common import SEED, load

from relu_lib.paper_a import calibration as cal


def rate(flags: np.ndarray) -> dict:
    p = float(flags.mean())
    return {"rate": round(p, 4), "binomial_se": round(math.sqrt(max(p * (1 - p), 1e-12) / flags.size), 4)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tables", type=int, default=500)
    args = parser.parse_args()
    start = time.perf_counter()
    null = cal.replicate(cal.TEST_DESIGN, args.tables, SEED)
    planted = cal.replicate(cal.TEST_DESIGN, args.tables, SEED + 10**6, planted=cal.PLANTED)
    step_one = pd.concat(cal.replicate(cal.STEP_ONE_DESIGN, args.tables, SEED + 2 * 10**6))
    first = step_one[(step_one["step"] == 1) & step_one["cell"].str.contains("/b=1/")]
    out = {
        "tables": args.tables,
        "rows_per_table": len(null[0]),
        "familywise_level_0.05_table": rate(cal.any_violated(null, level=0.05)),
        "familywise_per_row_z3": rate(cal.any_violated(null, z=3.0)),
        "power_planted_3pct_level_0.05": rate(cal.any_violated(planted, check=cal.checks.EXACT, level=0.05)),
        "step1_b1_rows": len(first),
        "step1_b1_reject_at_1pct_skew_corrected": rate((first["p_value"] < 0.01).to_numpy()),
        "step1_b1_reject_at_1pct_student_t": rate(cal.student_p(first) < 0.01),
        "seconds": round(time.perf_counter() - start, 1),
        "load": load(),
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
