"""Random streams keyed by *what* they are for, never by grid position or job order.

A stream is `numpy.random.Generator(PCG64(SeedSequence(master, spawn_key=key)))` (or another
bit generator, e.g. the faster SFC64 for paper A's per-step draws) where the key is a stable hash of
a tuple of names and parameter values. Adding a grid value, changing
`--cores`, the job order or the executor therefore never changes an existing cell's numbers.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np


def stream_key(*parts) -> tuple[int, ...]:
    """Stable 128-bit key (four uint32 words) of a tuple of JSON-able parts."""
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=_canonical)
    digest = hashlib.sha256(text.encode()).digest()
    return tuple(int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4))


def generator(master_seed: int, *parts, bit_generator=np.random.PCG64) -> np.random.Generator:
    """The generator of the stream named by `parts` under `master_seed`."""
    seq = np.random.SeedSequence(master_seed, spawn_key=stream_key(*parts))
    return np.random.Generator(bit_generator(seq))


def generators(master_seed: int, *parts, count: int, bit_generator=np.random.PCG64) -> list[np.random.Generator]:
    """One independent stream per index 0..count-1 (e.g. per seed of a cell).

    Stream r depends only on `parts` and r, not on `count`, so a cell run with more seeds
    reproduces the first ones exactly.
    """
    return [generator(master_seed, *parts, r, bit_generator=bit_generator) for r in range(count)]


def _canonical(value):
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    raise TypeError(f"cannot key a random stream on {type(value).__name__}")
