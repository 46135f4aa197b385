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

FAR = 1e6  # the far field: ||Delta|| = FAR ||w*||
CHUNK = 8192


def growth_factors(spec: dict, requests, draws: int, rng: np.random.Generator) -> list[tuple[float, float]]:
    """[(mean, the sample's standard error)] of each request (algorithm, p, h) over the same `draws` uniform
    directions and mini-batches of the cell: E[||A v||^p h(t') / h(t)] (Algorithm 2; h its eigenfunction at p on t in
    [0, 1]) or E||Phi(v)||^p (S.G.D.; h unused). One set of draws serves every request (each estimate is valid on
    its own; they are correlated with each other), so the inputs are drawn once per cell."""
    d, b, sigma = spec["law"]["d"], spec["b"], spec["law"]["sigma"]
    w_star = spec["w_star_norm"] * unit_vector(spec["master_seed"], "w_star", d)
    u = w_star / np.linalg.norm(w_star)
    adversary = make_adversary(spec["adversary"], spec["beta"], spec["theta"], w_star)
    sums = np.zeros((len(requests), 2))
    done = 0
    while done < draws:
        m = min(CHUNK, draws - done)
        x = sigma * rng.standard_normal((m, b, d))
        y = np.maximum(x @ w_star, 0.0) + adversary.noise(rng, x)
        v = rng.standard_normal((m, d))
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        images = {}
        for name in {req[0] for req in requests}:
            eta = spec["algorithms"][name]["eta"]
            if name == "alg2":
                w = np.stack([w_star + v, np.broadcast_to(w_star, v.shape)])
                step(w, ["alg2", "alg2"], x, y, eta, spec["theta"])
                image = w[0] - w[1]
            else:
                scale = FAR * spec["w_star_norm"]
                w = (w_star + scale * v)[None].copy()
                step(w, ["sgd"], x, y, eta, spec["theta"])
                image = (w[0] - w_star) / scale
            norm = np.linalg.norm(image, axis=1)
            images[name] = (np.log(norm), (v @ u) ** 2, (image @ u / norm) ** 2)
        for i, (name, p, h) in enumerate(requests):
            log_norm, t, t_new = images[name]
            value = np.exp(p * log_norm)
            if name == "alg2":
                value = value * h(t_new) / h(t)
            sums[i] += value.sum(), (value * value).sum()
        done += m
    out = []
    for total, total_sq in sums:
        mean = total / draws
        var = max(total_sq / draws - mean * mean, 0.0) * draws / (draws - 1)
        out.append((float(mean), math.sqrt(var / draws)))
    return out


def growth_factor(spec: dict, algorithm: str, alpha: float, draws: int, rng: np.random.Generator, h=None):
    """(mean, the sample's standard error) of one request of growth_factors."""
    return growth_factors(spec, [(algorithm, alpha, h)], draws, rng)[0]
