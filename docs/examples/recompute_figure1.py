"""Recompute the regenerated Figure 1's final values (Algorithm 2, mean over runs of ||w_t - w*|| at the last
step, per mini-batch size b) from the raw trajectories of the current config, and compare them with the numbers
the figure is drawn from (relu_lib.results.figure_data) and with the exact theory. Run it in the run's folder
(where config.yaml and results/ are):

    python docs/examples/recompute_figure1.py [config.yaml ...]
"""

import sys

import numpy as np

from relu_lib import results

config = sys.argv[1:] or "config.yaml"

traj = results.trajectories("batch_size", config)  # one row per algorithm, run, step
alg2 = traj[(traj["algorithm"] == "alg2") & ~traj["diverged"]]
last = alg2[alg2["step"] == alg2["step"].max()]
mine = last.groupby("b")["error"].agg(["mean", "sem", "count"])

drawn = results.figure_data("fig1", config)
drawn = drawn[drawn["step"] == drawn["step"].max()].set_index("value")["mean_error"]
assert np.allclose(mine["mean"].to_numpy(), drawn.loc[mine.index.astype(float)].to_numpy())

curves = results.summaries("batch_size", config)  # the same numbers, with the band and the mean square
print(mine.rename(columns={"mean": "recomputed", "sem": "se", "count": "runs"}).join(drawn.rename("figure 1")))
print(f"{len(curves)} summary rows")
