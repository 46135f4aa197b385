"""A paper-A cell's spec: frozen, typed, everything a train job needs (it reads nothing else).

Its own module so that a train job imports the spec without the grid's rules (the train closure is the cells'
code fingerprint: editing how the grid resolves a step must not retrain cells whose spec is unchanged).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

ALGORITHMS = ("alg2", "sgd")  # every cell runs both, on the same mini-batches, from the same start


@dataclass(frozen=True)
class CellSpec:
    """One paper-A cell. `law` is the law's config entry; every other field is a plain number or name."""

    experiment: str
    law_name: str
    law: dict
    b: int
    attack: str  # none | alternating (the paper's, §3.1) | random_sign
    beta: float
    theta: float  # the attack's magnitude and Algorithm 2's filter level theta*
    beta_threshold: float  # beta(x) = beta 1{<w*, x> > beta_threshold}; -inf: constant beta
    eta: float
    iterations: int
    runs: int
    checkpoints: int
    start: str  # per_run | fixed
    sampler: str  # full | projected (resolved from the config's auto)
    master_seed: int
    w_star_scale: float
    start_scale: float

    @property
    def n(self) -> int:
        return int(self.law["d"])

    @property
    def attacked(self) -> bool:
        return self.attack != "none" and self.beta > 0 and self.theta > 0

    def cell_id(self) -> str:
        """The cell's id (its folder under results/): law, b, attack, beta, theta."""
        from relu_lib.cells import cell_id

        return cell_id(law=self.law_name, b=self.b, adv=self.attack, beta=self.beta, theta=self.theta)

    def attack_key(self) -> dict:
        """What the attack's random stream is keyed by."""
        return {"attack": self.attack, "beta": self.beta, "theta": self.theta, "threshold": self.beta_threshold}

    def to_json(self) -> dict:
        out = asdict(self)
        out["beta_threshold"] = None if math.isinf(self.beta_threshold) else self.beta_threshold
        return out

    @classmethod
    def from_json(cls, data: dict) -> CellSpec:
        data = dict(data)
        data["beta_threshold"] = -math.inf if data.get("beta_threshold") is None else data["beta_threshold"]
        return cls(**data)
