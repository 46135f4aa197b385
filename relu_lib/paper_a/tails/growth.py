"""The growth-factor row: the predicted index put into its defining equation, through the real update rule.

Algorithm 2: alpha solves Lambda(alpha) = 1 with T_alpha h = Lambda h (transfer.py), i.e. for every direction v

    E[ ||A v||^alpha h(t') ] / h(t) = 1,   t = <u, v>^2,  t' = <u, A v / ||A v||>^2,

and A v is one step of the real rule (relu_lib.paper_a.update_rule.step, "alg2") from w* + v minus one from w*
on the same mini-batch (the step is affine in Delta with the label-only filter, so B cancels exactly).
S.G.D.: E||Phi(v)||^alpha = 1 for every v, Phi the far-field map, i.e. (step from w* + R v - w*) / R for R = 1e6
(the additive part is O(1 / R) of the factor). v is drawn uniformly on the sphere; the mean over `draws`
mini-batches is the row's observation, its standard error the Monte Carlo one. Inputs and labels are the cell's
own: N(0, sigma^2 I), y = ReLU(<w*, x>) + alpha xi from relu_lib.paper_a.adversaries.
"""

from __future__ import annotations

import math

import numpy as np

from relu_lib.paper_a.adversaries import make_adversary
from relu_lib.paper_a.streams import unit_vector
from relu_lib.paper_a.update_rule import step

FAR = 1e6  # S.G.D.'s far field: ||Delta|| = FAR ||w*||
CHUNK = 8192


def growth_factor(spec: dict, algorithm: str, alpha: float, draws: int, rng: np.random.Generator, h=None):
    """(mean, standard error) of E[||A v||^alpha h(t') / h(t)] (Algorithm 2; h the eigenfunction on t in [0, 1])
    or E||Phi(v)||^alpha (S.G.D.) over `draws` uniform directions and mini-batches of the cell."""
    d, b, sigma = spec["law"]["d"], spec["b"], spec["law"]["sigma"]
    eta = spec["algorithms"][algorithm]["eta"]
    w_star = spec["w_star_norm"] * unit_vector(spec["master_seed"], "w_star", d)
    u = w_star / np.linalg.norm(w_star)
    adversary = make_adversary(spec["adversary"], spec["beta"], spec["theta"], w_star)
    total, total_sq, done = 0.0, 0.0, 0
    while done < draws:
        m = min(CHUNK, draws - done)
        x = sigma * rng.standard_normal((m, b, d))
        y = np.maximum(x @ w_star, 0.0) + adversary.noise(rng, x)
        v = rng.standard_normal((m, d))
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        if algorithm == "alg2":
            w = np.stack([w_star + v, np.broadcast_to(w_star, v.shape)])
            step(w, ["alg2", "alg2"], x, y, eta, spec["theta"])
            image = w[0] - w[1]
        else:
            scale = FAR * spec["w_star_norm"]
            w = (w_star + scale * v)[None].copy()
            step(w, ["sgd"], x, y, eta, spec["theta"])
            image = (w[0] - w_star) / scale
        norm = np.linalg.norm(image, axis=1)
        value = norm**alpha
        if algorithm == "alg2":
            t = (v @ u) ** 2
            t_new = (image @ u / norm) ** 2
            value = value * h(t_new) / h(t)
        total += float(value.sum())
        total_sq += float((value * value).sum())
        done += m
    mean = total / draws
    var = max(total_sq / draws - mean * mean, 0.0) * draws / (draws - 1)
    return mean, math.sqrt(var / draws)
