"""Parity-symmetric input laws (MATH.md A.0, A.4): samplers and their moments.

Every law has i.i.d. zero-mean structure or an explicit sign flip, so `x` and `-x` have the
same law by construction. A law states its closed-form constants where MATH.md A.4 gives
them; `constants()` fills any other one by Monte Carlo with a standard error.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

FAMILIES: dict[str, type["Law"]] = {}


def register(cls):
    FAMILIES[cls.family] = cls
    return cls


class Law:
    """An input law on R^d. Subclasses set `family`, `params` and implement `_draw`."""

    family: str = ""
    params: tuple[str, ...] = ()

    def __init__(self, d: int, **params):
        self.d = int(d)
        for name in self.params:
            setattr(self, name, float(params[name]))

    def describe(self) -> dict:
        return {"family": self.family, "d": self.d, **{p: getattr(self, p) for p in self.params}}

    def sample(self, rng: np.random.Generator, shape: tuple[int, ...], out: np.ndarray | None = None) -> np.ndarray:
        """Draw an array of shape `shape + (d,)` from `rng`; into `out` (C-contiguous, that shape)
        if given, with the same numbers and no temporary where the law can (normal, uniform, mixture)."""
        if out is None:
            return self._draw(rng, tuple(shape) + (self.d,))
        self._fill(rng, out)
        return out

    def _draw(self, rng, shape):
        raise NotImplementedError

    def _fill(self, rng, out):
        out[...] = self._draw(rng, out.shape)

    def filler(self, rng: np.random.Generator):
        """A callable `fill(out)`: `sample(rng, out.shape[:-1], out=out)` without the per-call
        Python overhead where the law allows (the trainer calls it per seed and chunk)."""
        return functools.partial(self._fill, rng)

    def closed_form(self) -> dict:
        """Known constants: any of sigma (d x d), m4 (d x d, or inf when infinite), e_norm, e_norm2."""
        return {}


class IidLaw(Law):
    """i.i.d. coordinates with variance s2 and fourth moment m4 (MATH.md A.4 table)."""

    def coordinate_moments(self) -> tuple[float, float]:
        raise NotImplementedError

    def closed_form(self) -> dict:
        s2, m4 = self.coordinate_moments()
        out = {"sigma": s2 * np.eye(self.d), "e_norm2": self.d * s2}
        # M4 = (m4 + (d - 1) s^4) I
        out["m4"] = (m4 + (self.d - 1) * s2**2) * np.eye(self.d) if math.isfinite(m4) else math.inf
        return out


@register
class Normal(IidLaw):
    family, params = "normal", ("sigma",)

    def _draw(self, rng, shape):
        return self.sigma * rng.standard_normal(shape)

    def _fill(self, rng, out):
        rng.standard_normal(out=out)
        if self.sigma != 1.0:
            out *= self.sigma

    def filler(self, rng):
        if self.sigma == 1.0:  # standard_normal(size, dtype, out), called straight from C
            return functools.partial(rng.standard_normal, None, np.float64)
        return super().filler(rng)

    def coordinate_moments(self):
        return self.sigma**2, 3 * self.sigma**4

    def closed_form(self):
        # E||x|| = sigma sqrt(2) Gamma((d+1)/2) / Gamma(d/2) (chi distribution mean)
        log_ratio = math.lgamma((self.d + 1) / 2) - math.lgamma(self.d / 2)
        return {**super().closed_form(), "e_norm": self.sigma * math.sqrt(2) * math.exp(log_ratio)}


@register
class Laplace(IidLaw):
    family, params = "laplace", ("scale",)

    def _draw(self, rng, shape):
        return rng.laplace(0.0, self.scale, shape)

    def coordinate_moments(self):
        return 2 * self.scale**2, 24 * self.scale**4


@register
class Uniform(IidLaw):
    family, params = "uniform", ("half_width",)

    def _draw(self, rng, shape):
        return rng.uniform(-self.half_width, self.half_width, shape)

    def _fill(self, rng, out):  # low + (high - low) * U, as Generator.uniform computes it
        rng.random(out=out)
        out *= 2 * self.half_width
        out -= self.half_width

    def coordinate_moments(self):
        return self.half_width**2 / 3, self.half_width**4 / 5


@register
class StudentT(IidLaw):
    family, params = "student_t", ("nu",)

    def _draw(self, rng, shape):
        return rng.standard_t(self.nu, shape)

    def coordinate_moments(self):
        nu = self.nu
        s2 = nu / (nu - 2) if nu > 2 else math.inf
        m4 = 3 * nu**2 / ((nu - 2) * (nu - 4)) if nu > 4 else math.inf
        return s2, m4


@register
class Mixture(Law):
    """1/2 N(mu, I) + 1/2 N(-mu, I), mu = mean_norm * (1, ..., 1)/sqrt(d): bimodal, anisotropic."""

    family, params = "mixture", ("mean_norm",)

    @property
    def mu(self) -> np.ndarray:
        return np.full(self.d, self.mean_norm / math.sqrt(self.d))

    def _draw(self, rng, shape):
        return self._fill(rng, np.empty(shape))

    def _fill(self, rng, out):
        rng.standard_normal(out=out)
        signs = rng.integers(0, 2, out.shape[:-1]) * 2.0 - 1.0
        out += signs[..., None] * self.mu
        return out

    def closed_form(self):
        # x = s mu + z: Sigma = I + mu mu^T, M4 = (m + d + 2) I + (m + d + 4) mu mu^T with
        # m = ||mu||^2 (expand ||x||^2 x x^T; odd powers of s and z vanish). E||x|| by Monte Carlo.
        m, mu_mu = self.mean_norm**2, np.outer(self.mu, self.mu)
        return {"sigma": np.eye(self.d) + mu_mu, "m4": (m + self.d + 2) * np.eye(self.d) + (m + self.d + 4) * mu_mu,
                "e_norm2": self.d + m}


def make_law(spec: dict) -> Law:
    """Build a law from its config entry {family, d, <params>} (validated upstream)."""
    cls = FAMILIES[spec["family"]]
    return cls(spec["d"], **{p: spec[p] for p in cls.params})


@dataclass
class Constants:
    """The distribution constants of MATH.md: Sigma, lambda1..3, E||x||, E||x||^2.

    `se` holds the Monte Carlo standard error of each scalar (0 for a closed form) and
    `source` says which is which.
    """

    d: int
    sigma: np.ndarray
    lambda1: float
    lambda2: float
    lambda3: float
    e_norm: float
    e_norm2: float
    se: dict
    source: dict

    @property
    def fourth_moment_finite(self) -> bool:
        return math.isfinite(self.lambda2)

    def to_json(self) -> dict:
        out = {k: getattr(self, k) for k in ("d", "lambda1", "lambda2", "lambda3", "e_norm", "e_norm2")}
        out["lambda2"] = _finite_or_str(self.lambda2)
        return {**out, "sigma": self.sigma.tolist(), "se": self.se, "source": self.source}

    @classmethod
    def from_json(cls, data: dict) -> "Constants":
        fields = {k: data[k] for k in ("d", "lambda1", "lambda3", "e_norm", "e_norm2", "se", "source")}
        return cls(sigma=np.asarray(data["sigma"], dtype=float), lambda2=float(data["lambda2"]), **fields)

    @classmethod
    def read(cls, path) -> "Constants":
        """The constants JSON written by the law_constants rule; anything else is a UserError."""
        from .errors import UserError
        from .io import read_json

        data = read_json(path)
        try:
            return cls.from_json(data)
        except (KeyError, TypeError, ValueError) as exc:
            raise UserError(f"{path}: not a law-constants file (bad or missing field {exc})") from None


def _finite_or_str(value: float):
    return value if math.isfinite(value) else "inf"


@dataclass
class MonteCarloMoments:
    """Monte Carlo estimates with batch-means standard errors.

    `sigma`, `m4` (= E[||x||^2 x x^T]) and the means e_norm, e_norm2 are unbiased, with an
    entrywise standard error. The eigenvalues are taken of the pooled matrices; where an
    eigenvalue is degenerate (isotropic laws) such an estimate is biased by about its own
    standard error, so tests compare the matrices, not the eigenvalues.
    """

    sigma: np.ndarray
    sigma_se: np.ndarray
    m4: np.ndarray
    m4_se: np.ndarray
    estimates: dict
    se: dict


def monte_carlo(law: Law, samples: int, rng: np.random.Generator, batches: int = 20) -> MonteCarloMoments:
    """Estimate Sigma, M4, lambda1..3, E||x||, E||x||^2 from `samples` draws in `batches` batches."""
    per_batch = max(samples // batches, 1)
    sigmas, m4s, norms, norms2 = [], [], [], []
    for _ in range(batches):
        x = law.sample(rng, (per_batch,))
        norm2 = np.einsum("nd,nd->n", x, x)
        sigmas.append(x.T @ x / per_batch)
        m4s.append((x * norm2[:, None]).T @ x / per_batch)
        norms.append(np.sqrt(norm2).mean())
        norms2.append(norm2.mean())
    sigma, m4 = np.mean(sigmas, axis=0), np.mean(m4s, axis=0)
    eig = [np.linalg.eigvalsh(s) for s in sigmas]
    per_batch_values = {
        "lambda1": [e[0] for e in eig], "lambda3": [e[-1] for e in eig],
        "lambda2": [np.linalg.eigvalsh(m)[-1] for m in m4s], "e_norm": norms, "e_norm2": norms2,
    }
    pooled = {"lambda1": np.linalg.eigvalsh(sigma)[0], "lambda3": np.linalg.eigvalsh(sigma)[-1],
              "lambda2": np.linalg.eigvalsh(m4)[-1], "e_norm": np.mean(norms), "e_norm2": np.mean(norms2)}
    se = {k: float(np.std(v, ddof=1) / math.sqrt(batches)) for k, v in per_batch_values.items()}
    return MonteCarloMoments(sigma, _se(sigmas), m4, _se(m4s), {k: float(v) for k, v in pooled.items()}, se)


def _se(batch_estimates) -> np.ndarray:
    return np.std(batch_estimates, axis=0, ddof=1) / math.sqrt(len(batch_estimates))


def constants(law: Law, samples: int, rng: np.random.Generator) -> Constants:
    """Closed form where the law knows it, Monte Carlo (with standard errors) otherwise."""
    known = law.closed_form()
    mc = monte_carlo(law, samples, rng) if _needs_monte_carlo(known) else None
    sigma = known["sigma"] if "sigma" in known else mc.sigma
    eig = np.linalg.eigvalsh(sigma)
    values = {"lambda1": eig[0], "lambda3": eig[-1]}
    source = {"lambda1": "closed form" if "sigma" in known else "monte carlo"}
    source["lambda3"] = source["lambda1"]
    se = {"lambda1": 0.0 if "sigma" in known else mc.se["lambda1"],
          "lambda3": 0.0 if "sigma" in known else mc.se["lambda3"]}
    if "m4" in known:
        known["lambda2"] = np.linalg.eigvalsh(known["m4"])[-1] if np.ndim(known["m4"]) else math.inf
    for name in ("lambda2", "e_norm", "e_norm2"):
        if name in known:
            values[name], se[name], source[name] = known[name], 0.0, "closed form"
        else:
            values[name], se[name], source[name] = mc.estimates[name], mc.se[name], "monte carlo"
    return Constants(d=law.d, sigma=sigma, se=se, source=source,
                     **{k: float(v) for k, v in values.items()})


def _needs_monte_carlo(known: dict) -> bool:
    return not {"sigma", "m4", "e_norm", "e_norm2"} <= known.keys()
