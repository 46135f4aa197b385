"""Recompute figure A2's numbers (iterations for Tron from w0 = 0 to reach epsilon, median over seeds)
from the raw trajectories of the current config, and compare them with the summary the figure is drawn
from. Run it in the run's folder (where config.yaml and results/ are):

    python docs/examples/recompute_a2.py [config.yaml]
"""

import sys

import numpy as np

from relu_lib import results

config = sys.argv[1] if len(sys.argv) > 1 else "config.yaml"

# one row per algorithm x start x seed x checkpoint; hit_step = the seed's first step with ||w_t - w*|| <= epsilon
traj = results.trajectories("batch_scaling", config, columns=["algorithm", "start", "seed", "hit_step"])
tron = traj[(traj["algorithm"] == "tron") & (traj["start"] == "zero")].drop_duplicates(["law", "b", "seed"])
hits = tron["hit_step"].astype(float).fillna(np.inf)  # a seed that never got there: infinitely many steps
mine = hits.groupby([tron["law"], tron["b"]]).agg(lambda h: np.quantile(h, 0.5, method="inverted_cdf"))

summary = results.summaries("batch_scaling", config)
drawn = (
    summary[(summary["algorithm"] == "tron") & (summary["start"] == "zero")]
    .drop_duplicates(["law", "b"])
    .set_index(["law", "b"])["hit_median"]
)

table = mine.rename("recomputed").to_frame().join(drawn.rename("figure A2"))
table["samples (T b)"] = table["recomputed"] * table.index.get_level_values("b")
print(table.to_string())
assert np.allclose(table["recomputed"], table["figure A2"]), "the summary does not match the trajectories"
