"""Online label adversaries (docs/theory.md A.0): y = ReLU(<w*, x>) + alpha * xi.

alpha ~ Bernoulli(beta) is drawn independently of everything; |xi| <= theta. Each adversary
turns a chunk of inputs X (shape (..., b, d)) into the added label noise (shape (..., b)).
"""

from __future__ import annotations

import numpy as np

ADVERSARIES: dict[str, type[Adversary]] = {}


def register(cls):
    ADVERSARIES[cls.name] = cls
    return cls


class Adversary:
    name = ""
    zero_mean = False  # E[xi] = 0 and xi independent of x: c = 0, prediction (A5) applies
    xi2 = 1.0  # E[xi^2] / theta^2 (for the attack's second moment beta E[xi^2] E||x||^2)
    convention = ""  # how xi is drawn, stored in every cell's metadata (re-simulation)

    def __init__(self, beta: float, theta: float, direction: np.ndarray):
        self.beta, self.theta, self.direction = float(beta), float(theta), direction

    def noise(self, rng: np.random.Generator, x: np.ndarray) -> np.ndarray:
        """alpha * xi for every input of `x` (shape (..., b, d) -> (..., b))."""
        attacked = rng.random(x.shape[:-1]) < self.beta
        return np.where(attacked, self.magnitudes(rng, x), 0.0)

    def magnitudes(self, rng, x) -> np.ndarray:
        raise NotImplementedError


@register
class NoAttack(Adversary):
    name = "none"

    def noise(self, rng, x):
        return np.zeros(x.shape[:-1])


@register
class RandomSign(Adversary):
    """xi = +-theta with a fair, independent sign: zero mean, independent of x."""

    name = "random_sign"
    zero_mean = True
    convention = "alpha ~ Bernoulli(beta) and a fair sign drawn per sample, independently of x"

    def magnitudes(self, rng, x):
        return self.theta * (rng.integers(0, 2, x.shape[:-1]) * 2.0 - 1.0)


@register
class Alternating(Adversary):
    """xi = -theta at even and +theta at odd positions of the mini-batch."""

    name = "alternating"
    zero_mean = True
    convention = (
        "alpha ~ Bernoulli(beta) per sample; xi = -theta at even positions 0, 2, ... and +theta at odd "
        "positions of each mini-batch (position counted from 0)"
    )

    def magnitudes(self, rng, x):
        b = x.shape[-2]
        return np.broadcast_to(np.where(np.arange(b) % 2 == 0, -self.theta, self.theta), x.shape[:-1])


@register
class Aligned(Adversary):
    """xi = theta * sign(<v, x>) for a fixed unit v: the worst case for the bias (A3)."""

    name = "aligned"
    convention = "alpha ~ Bernoulli(beta) per sample; xi = theta sign(<v, x>), v = w*/||w*|| (stored as `v`)"

    def magnitudes(self, rng, x):
        return self.theta * np.sign(x @ self.direction)


@register
class Uniform(Adversary):
    """xi ~ Uniform(-theta, theta), independent of x: the attack of the authors' torch experiment
    code (repository papamarkou/neurotron_experiments, neurotron_torch.py). Zero mean, E[xi^2] = theta^2/3."""

    name = "uniform"
    zero_mean = True
    xi2 = 1.0 / 3.0
    convention = "alpha ~ Bernoulli(beta) per sample; xi = theta (2 U - 1), U ~ Uniform[0, 1) per sample"

    def magnitudes(self, rng, x):
        return self.theta * (2.0 * rng.random(x.shape[:-1]) - 1.0)


NoAttack.convention = "no attack: y = ReLU(<w*, x>)"


def make_adversary(name: str, beta: float, theta: float, direction: np.ndarray) -> Adversary:
    return ADVERSARIES[name](beta, theta, direction / np.linalg.norm(direction))
