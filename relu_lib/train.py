"""The run loop of paper A: one grid cell, every seed and every run at once.

A cell runs three runs on the same mini-batches (MATH.md A.1): Tron from w0 = 0, and Tron and
SGD from a common non-zero start. Inputs are drawn per seed from a stream that depends only on
(law, d, b, seed): cells that differ only in the attack see the same inputs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import theory
from .algorithms import GATED, step
from .attacks import make_adversary
from .distributions import Constants, make_law
from .seeding import generator, generators

RUNS = (("tron", "zero"), ("tron", "common"), ("sgd", "common"))
DIVERGED = 1e6  # an error this many times the problem's scale (||w*|| + ||w0|| + theta) is divergence
CHUNK_FLOATS = 1 << 16  # inputs drawn per seed and per call: amortises the generator's call cost


@dataclass
class CellResult:
    """What a cell records, at the checkpoint steps (K of them), per run (A) and seed (R)."""

    steps: np.ndarray  # (K,)
    error: np.ndarray  # (K, A, R)  ||w_t - w*||
    mean_error: np.ndarray  # (K, A)  ||mean over seeds of w_t - w*||
    mean_error_se: np.ndarray  # (K, A)  its Monte Carlo standard error
    diverged_at: np.ndarray  # (A, R) first step with a non-finite or exploding iterate, -1 if none
    hit_step: np.ndarray  # (A, R) first step with ||w_t - w*|| <= epsilon, -1 if never (or no epsilon)
    eta: float
    w_star: np.ndarray
    w_start: np.ndarray


def checkpoints(iterations: int, count: int) -> np.ndarray:
    """0, then about `count` log-spaced steps, always ending with the last step."""
    logs = np.geomspace(1, iterations, num=count) if iterations >= 1 else []
    return np.unique(np.concatenate([[0], np.round(logs).astype(np.int64), [iterations]]))


def unit_vector(master_seed: int, name: str, d: int) -> np.ndarray:
    """A direction uniform on the unit sphere, shared by every cell with this d."""
    v = generator(master_seed, name, d).standard_normal(d)
    return v / np.linalg.norm(v)


def step_size(spec: dict, consts: Constants) -> float:
    """An explicit eta if the law sets one, else factor * eta*(b) of bound (A2)."""
    if spec.get("eta") is not None:
        return float(spec["eta"])
    return spec["step_factor"] * theory.optimal_step(consts, spec["b"])


def iteration_count(spec: dict, consts: Constants, eta: float, initial_sq: float) -> int:
    """The cell's iterations: a number, or "auto" = iterations_factor x T(epsilon, delta, b) of
    bound (A2), capped at max_iterations (the cap alone where the bound does not apply)."""
    if spec["iterations"] != "auto":
        return spec["iterations"]
    bound = theory.iterations_to_epsilon(consts, eta, spec["b"], spec["epsilon"], spec["delta"], initial_sq)
    if not np.isfinite(bound):
        return spec["max_iterations"]
    return int(min(spec["max_iterations"], max(1, np.ceil(spec["iterations_factor"] * bound))))


def run_cell(spec: dict, consts: Constants) -> CellResult:
    """Train every run of the cell described by `spec` (see config.paper_a_cells)."""
    law = make_law(spec["law"])
    d, b, seeds = law.d, spec["b"], spec["seeds"]
    master = spec["master_seed"]
    w_star = spec["w_star_norm"] * unit_vector(master, "w_star", d)
    w_start = spec["start_norm"] * unit_vector(master, "start", d)
    eta = step_size(spec, consts)
    initial_sq = max(np.sum(w_star**2), np.sum((w_start - w_star) ** 2))
    iterations = iteration_count(spec, consts, eta, initial_sq)
    adversary = make_adversary(spec["adversary"], spec["beta"], spec["theta"], w_star)
    law_key = law.describe()
    input_rngs = generators(master, "inputs", law_key, b, count=seeds)
    attack_rngs = generators(master, "attack", law_key, b, spec["adversary"], spec["beta"], spec["theta"],
                             count=seeds)

    w = np.stack([np.broadcast_to(w_start if start == "common" else 0.0, (seeds, d)) for _, start in RUNS])
    w = np.ascontiguousarray(w, dtype=float)
    gated = np.array([GATED[name] for name, _ in RUNS])
    steps = checkpoints(iterations, spec["checkpoints"])
    scale = spec["w_star_norm"] + spec["start_norm"] + spec["theta"]
    record = _Recorder(steps, w_star, len(RUNS), seeds, spec.get("epsilon"), (DIVERGED * scale) ** 2)
    record(0, w)
    chunk = max(1, CHUNK_FLOATS // (b * d))
    with np.errstate(over="ignore", invalid="ignore"):
        for first in range(0, iterations, chunk):
            size = min(chunk, iterations - first)
            x = np.stack([law.sample(rng, (size, b)) for rng in input_rngs])  # (R, size, b, d)
            y = np.maximum(x @ w_star, 0.0)
            y += np.stack([adversary.noise(rng, x[r]) for r, rng in enumerate(attack_rngs)])
            for k in range(size):
                step(w, gated, x[:, k], y[:, k], eta)
                record(first + k + 1, w)
    return CellResult(steps, record.error, record.mean_error, record.mean_error_se,
                      record.diverged_at, record.hit_step, eta, w_star, w_start)


class _Recorder:
    """Watches every step for divergence and keeps the checkpoint statistics."""

    def __init__(self, steps, w_star, runs, seeds, epsilon, diverged_sq):
        self.steps, self.w_star, self.diverged_sq = steps, w_star, diverged_sq
        self.epsilon_sq = -1.0 if epsilon is None else epsilon**2
        self.hit_step = np.full((runs, seeds), -1, dtype=np.int64)
        self.at = {int(t): k for k, t in enumerate(steps)}
        self.error = np.empty((len(steps), runs, seeds))
        self.mean_error = np.empty((len(steps), runs))
        self.mean_error_se = np.empty((len(steps), runs))
        self.diverged_at = np.full((runs, seeds), -1, dtype=np.int64)

    def __call__(self, t: int, w: np.ndarray) -> None:
        delta = w - self.w_star
        err2 = np.einsum("ard,ard->ar", delta, delta)
        exploded = ~(err2 <= self.diverged_sq)
        if exploded.any():
            newly = exploded & (self.diverged_at < 0)
            self.diverged_at[newly] = t
            w[exploded] = np.nan  # freeze: no overflow warnings, stays visibly diverged
        hit = (err2 <= self.epsilon_sq) & (self.hit_step < 0)
        if hit.any():
            self.hit_step[hit] = t
        k = self.at.get(t)
        if k is not None:
            self.error[k] = np.sqrt(err2)
            seeds = delta.shape[1]
            self.mean_error[k] = np.linalg.norm(delta.mean(axis=1), axis=-1)
            self.mean_error_se[k] = np.sqrt(delta.var(axis=1, ddof=1).sum(axis=-1) / seeds) if seeds > 1 else np.nan


def train_to_parquet(spec: dict, consts: Constants, path) -> None:
    """Run the cell and write its tidy trajectory table with full provenance metadata."""
    from .io import trajectory_table, write_table
    from .provenance import stamp

    result = run_cell(spec, consts)
    table = trajectory_table(RUNS, result.steps, result.error, result.mean_error, result.mean_error_se,
                             result.diverged_at, result.hit_step)
    constants = {k: v for k, v in consts.to_json().items() if k != "sigma"}
    write_table(path, table, {"cell": spec, "eta": result.eta, "iterations": int(result.steps[-1]),
                              "constants": constants,
                              "w_star": result.w_star, "w_start": result.w_start,
                              "provenance": stamp(spec)})
