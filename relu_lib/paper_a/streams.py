"""Paper A's random streams: what each draw is keyed by (relu_lib.seeding names streams by purpose).

Inputs of run r come from the stream ("inputs", law, b, r), so cells that differ only in the attack (the
beta and theta sweeps of the paper's Figures 2 and 3) run on the same inputs: their curves differ by the
attack alone. The attack's draws have their own stream, keyed by the attack too. The start (w*, w_1) of run r
has its stream ("start", d, r) (or ("start", d) for a cell whose runs share one start), so both algorithms and
every cell of the same n start from the same points.
"""

from __future__ import annotations

import numpy as np

from relu_lib.seeding import generator

BIT_GENERATOR = np.random.SFC64  # of the per-run input and attack streams: the fastest of NumPy's
CHUNK_FLOATS = 1 << 12  # inputs drawn per run and per generator call: amortises the call, the chunk stays in cache


def chunk_steps(b: int, d: int) -> int:
    """Steps per chunk: a function of (b, d) only, so run r's stream depends on (law, d, b, r) alone."""
    return max(1, CHUNK_FLOATS // (b * d))


def unit_vector(master_seed: int, name: str, d: int) -> np.ndarray:
    """A direction uniform on the unit sphere, shared by every cell with this d."""
    v = generator(master_seed, name, d).standard_normal(d)
    return v / np.linalg.norm(v)


def input_stream(master_seed: int, law_key: dict, b: int, run: int) -> np.random.Generator:
    return generator(master_seed, "inputs", law_key, b, run, bit_generator=BIT_GENERATOR)


def attack_stream(master_seed: int, law_key: dict, b: int, attack: dict, run: int) -> np.random.Generator:
    return generator(master_seed, "attack", law_key, b, attack, run, bit_generator=BIT_GENERATOR)


def start(master_seed: int, d: int, run: int | None, w_star_scale: float, start_scale: float):
    """(w*, w_1): independent N(0, scale^2 I_d) vectors of run `run` (None: the one start a cell's runs share)."""
    key = ("start", d) if run is None else ("start", d, run)
    rng = generator(master_seed, *key)
    return w_star_scale * rng.standard_normal(d), start_scale * rng.standard_normal(d)
