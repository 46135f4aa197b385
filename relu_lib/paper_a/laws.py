"""Input laws of paper A's experiments: samplers and their moments.

Paper A assumes no symmetry of the input law (§3: Theorem 3.1 needs moments and lambda_1 > 0 only). The
figures of the paper use N(0, I_n) (`normal`); the other families serve the experiment beyond the paper
(docs/paper_a.md "Milder conditions"): parity-symmetric ones (laplace, uniform, student_t, mixture), and
two that are not symmetric: `shifted_normal` (N(mu, I), non-centred) and `exponential` (centred but skewed
coordinates). A law states its closed-form constants where it has them; `constants()` fills any other
one by Monte Carlo with a standard error.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

FAMILIES: dict[str, type[Law]] = {}


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

    sampling = ""  # how a draw is made, for re-simulation (stored in every cell's metadata)

    def convention(self) -> str:
        return self.sampling

    def closed_form(self) -> dict:
        """Known constants: any of sigma, m4 (IdentityPlusOnes, or m4 = inf when infinite), e_norm, e_norm2."""
        return {}


@dataclass(frozen=True)
class IdentityPlusOnes:
    """The d x d matrix a I + c 1 1^T, kept as (d, a, c): the closed-form Sigma and M4 of every family.

    A dense Sigma costs 8 d^2 bytes and an O(d^3) eigendecomposition (75 GiB at d = 10^5); this form
    gives the extreme eigenvalues and the trace in O(1). `dense()` (or np.asarray) builds the matrix for
    the few users that need it (the anisotropic checks).
    """

    d: int
    a: float
    c: float = 0.0

    def eigenvalues(self) -> tuple[float, float]:
        """(smallest, largest): a with multiplicity d - 1, and a + c d on the direction 1."""
        top = self.a + self.c * self.d
        return (top, top) if self.d == 1 else (min(self.a, top), max(self.a, top))

    def trace(self) -> float:
        return self.d * (self.a + self.c)

    def dense(self) -> np.ndarray:
        return self.a * np.eye(self.d) + self.c * np.ones((self.d, self.d))

    def __array__(self, dtype=None, copy=None):
        return self.dense() if dtype is None else self.dense().astype(dtype)

    def to_json(self) -> dict:
        return {"d": self.d, "identity": self.a, "ones": self.c}


class IidLaw(Law):
    """i.i.d. coordinates with variance s2 and fourth moment m4 (docs/theory.md A.4 table)."""

    def coordinate_moments(self) -> tuple[float, float]:
        raise NotImplementedError

    def closed_form(self) -> dict:
        s2, m4 = self.coordinate_moments()
        out = {"sigma": IdentityPlusOnes(self.d, s2), "e_norm2": self.d * s2}
        # M4 = (m4 + (d - 1) s^4) I
        out["m4"] = IdentityPlusOnes(self.d, m4 + (self.d - 1) * s2**2) if math.isfinite(m4) else math.inf
        return out


@register
class Normal(IidLaw):
    family, params = "normal", ("sigma",)
    sampling = "sigma * standard_normal, coordinates in row-major order"

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
    sampling = "Generator.laplace(0, scale), coordinates in row-major order"

    def _draw(self, rng, shape):
        return rng.laplace(0.0, self.scale, shape)

    def coordinate_moments(self):
        return 2 * self.scale**2, 24 * self.scale**4


@register
class Uniform(IidLaw):
    family, params = "uniform", ("half_width",)
    sampling = "half_width * (2 U - 1) with U = Generator.random, coordinates in row-major order"

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
    sampling = "Generator.standard_t(nu), coordinates in row-major order"

    def _draw(self, rng, shape):
        return rng.standard_t(self.nu, shape)

    def coordinate_moments(self):
        nu = self.nu
        s2 = nu / (nu - 2) if nu > 2 else math.inf
        m4 = 3 * nu**2 / ((nu - 2) * (nu - 4)) if nu > 4 else math.inf
        return s2, m4


@register
class ShiftedNormal(Law):
    """N(mu, I), mu = shift * (1, ..., 1)/sqrt(d): not centred, so x and -x have different laws."""

    family, params = "shifted_normal", ("shift",)
    sampling = "x = z + mu: z = standard_normal (row-major); mu = shift (1, ..., 1) / sqrt(d) (law_parameters.mu)"

    @property
    def mu(self) -> np.ndarray:
        return np.full(self.d, self.shift / math.sqrt(self.d))

    def _draw(self, rng, shape):
        return self._fill(rng, np.empty(shape))

    def _fill(self, rng, out):
        rng.standard_normal(out=out)
        out += self.mu
        return out


@register
class Exponential(IidLaw):
    """scale (E - 1) per coordinate, E ~ Exp(1): centred, skewed (third moment 2 scale^3), not symmetric."""

    family, params = "exponential", ("scale",)
    sampling = "scale * (Generator.standard_exponential - 1), coordinates in row-major order"

    def _draw(self, rng, shape):
        return self.scale * (rng.standard_exponential(shape) - 1.0)

    def coordinate_moments(self):
        return self.scale**2, 9 * self.scale**4  # E(E - 1)^4 = 9


@register
class Mixture(Law):
    """1/2 N(mu, I) + 1/2 N(-mu, I), mu = mean_norm * (1, ..., 1)/sqrt(d): bimodal, anisotropic."""

    family, params = "mixture", ("mean_norm",)
    sampling = (
        "x = s mu + z: for the whole chunk first z = standard_normal (row-major), then the fair signs "
        "s = 2 Generator.integers(0, 2) - 1 per sample; mu = mean_norm (1, ..., 1) / sqrt(d) (stored as "
        "law_parameters.mu)"
    )

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
        # mu mu^T = (m / d) 1 1^T.
        m = self.mean_norm**2
        return {
            "sigma": IdentityPlusOnes(self.d, 1.0, m / self.d),
            "m4": IdentityPlusOnes(self.d, m + self.d + 2, (m + self.d + 4) * m / self.d),
            "e_norm2": self.d + m,
        }


def make_law(spec: dict) -> Law:
    """Build a law from its config entry {family, d, <params>} (validated upstream)."""
    cls = FAMILIES[spec["family"]]
    return cls(spec["d"], **{p: spec[p] for p in cls.params})


@dataclass
class Constants:
    """The distribution constants of docs/theory.md: Sigma, lambda1..3, E||x||, E||x||^2.

    `se` holds the Monte Carlo standard error of each scalar (0 for a closed form) and
    `source` says which is which.
    """

    d: int
    sigma_form: IdentityPlusOnes | np.ndarray  # closed form, or the Monte Carlo estimate (dense)
    lambda1: float
    lambda2: float
    lambda3: float
    e_norm: float
    e_norm2: float
    se: dict
    source: dict

    @property
    def sigma(self) -> np.ndarray:
        """Sigma as a dense d x d array (built on demand: only the anisotropic checks need it)."""
        return np.asarray(self.sigma_form, dtype=float)

    @property
    def fourth_moment_finite(self) -> bool:
        return math.isfinite(self.lambda2)

    def to_json(self) -> dict:
        out = {k: getattr(self, k) for k in ("d", "lambda1", "lambda2", "lambda3", "e_norm", "e_norm2")}
        out["lambda2"] = _finite_or_str(self.lambda2)
        form = self.sigma_form
        sigma = form.to_json() if isinstance(form, IdentityPlusOnes) else np.asarray(form).tolist()
        return {**out, "sigma": sigma, "se": self.se, "source": self.source}

    @classmethod
    def from_json(cls, data: dict) -> Constants:
        fields = {k: data[k] for k in ("d", "lambda1", "lambda3", "e_norm", "e_norm2", "se", "source")}
        sigma = data["sigma"]
        form = (
            IdentityPlusOnes(int(sigma["d"]), float(sigma["identity"]), float(sigma["ones"]))
            if isinstance(sigma, dict)
            else np.asarray(sigma, dtype=float)
        )
        return cls(sigma_form=form, lambda2=float(data["lambda2"]), **fields)

    @classmethod
    def read(cls, path) -> Constants:
        """The constants JSON written by the law_constants rule; anything else is a UserError."""
        from relu_lib.errors import UserError
        from relu_lib.io import read_json

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
        "lambda1": [e[0] for e in eig],
        "lambda3": [e[-1] for e in eig],
        "lambda2": [np.linalg.eigvalsh(m)[-1] for m in m4s],
        "e_norm": norms,
        "e_norm2": norms2,
    }
    pooled = {
        "lambda1": np.linalg.eigvalsh(sigma)[0],
        "lambda3": np.linalg.eigvalsh(sigma)[-1],
        "lambda2": np.linalg.eigvalsh(m4)[-1],
        "e_norm": np.mean(norms),
        "e_norm2": np.mean(norms2),
    }
    se = {k: float(np.std(v, ddof=1) / math.sqrt(batches)) for k, v in per_batch_values.items()}
    return MonteCarloMoments(sigma, _se(sigmas), m4, _se(m4s), {k: float(v) for k, v in pooled.items()}, se)


def _se(batch_estimates) -> np.ndarray:
    return np.std(batch_estimates, axis=0, ddof=1) / math.sqrt(len(batch_estimates))


def constants(law: Law, samples: int, rng: np.random.Generator) -> Constants:
    """Closed form where the law knows it, Monte Carlo (with standard errors) otherwise.

    A law with closed-form Sigma and M4 (every family here) needs Monte Carlo for the scalar norms at most,
    drawn in bounded chunks: no d x d matrix is ever built for it."""
    known = law.closed_form()
    if {"sigma", "m4"} <= known.keys():
        missing = not {"e_norm", "e_norm2"} <= known.keys()
        estimates, mc_se = monte_carlo_norms(law, samples, rng) if missing else ({}, {})
        sigma, lam = known["sigma"], known["sigma"].eigenvalues()
        values, se = {"lambda1": lam[0], "lambda3": lam[1]}, {"lambda1": 0.0, "lambda3": 0.0}
        m4 = known["m4"]
        values["lambda2"] = m4.eigenvalues()[1] if isinstance(m4, IdentityPlusOnes) else math.inf
        se["lambda2"] = 0.0
        source = dict.fromkeys(("lambda1", "lambda2", "lambda3"), "closed form")
        for name in ("e_norm", "e_norm2"):
            known_here = name in known
            values[name] = known[name] if known_here else estimates[name]
            se[name] = 0.0 if known_here else mc_se[name]
            source[name] = "closed form" if known_here else "monte carlo"
        return Constants(d=law.d, sigma_form=sigma, se=se, source=source, **{k: float(v) for k, v in values.items()})
    return _constants_dense(law, known, monte_carlo(law, samples, rng))


def _constants_dense(law: Law, known: dict, mc: MonteCarloMoments) -> Constants:
    """A law without closed-form Sigma or M4: everything from the (dense) Monte Carlo moments."""
    values, se, source = {}, {}, {}
    for name in ("lambda1", "lambda2", "lambda3", "e_norm", "e_norm2"):
        if name in known:
            values[name], se[name], source[name] = known[name], 0.0, "closed form"
        else:
            values[name], se[name], source[name] = mc.estimates[name], mc.se[name], "monte carlo"
    return Constants(d=law.d, sigma_form=mc.sigma, se=se, source=source, **{k: float(v) for k, v in values.items()})


# Monte Carlo draws held at once: a batch larger than this is drawn in pieces (bounded memory at any d and
# sample size). Below it, a batch is one draw, exactly as before the limit existed (same numbers).
MC_CHUNK_FLOATS = 1 << 24


def monte_carlo_norms(law: Law, samples: int, rng: np.random.Generator, batches: int = 20) -> tuple[dict, dict]:
    """E||x|| and E||x||^2 with batch-means standard errors, from the same draws as `monte_carlo`."""
    per_batch = max(samples // batches, 1)
    rows = max(1, MC_CHUNK_FLOATS // law.d)
    norms, norms2 = [], []
    for _ in range(batches):
        total, total2 = 0.0, 0.0
        for start in range(0, per_batch, rows):
            x = law.sample(rng, (min(rows, per_batch - start),))
            norm2 = np.einsum("nd,nd->n", x, x)
            total, total2 = total + np.sqrt(norm2).sum(), total2 + norm2.sum()
        norms.append(total / per_batch)
        norms2.append(total2 / per_batch)
    estimates = {"e_norm": float(np.mean(norms)), "e_norm2": float(np.mean(norms2))}
    se = {k: float(np.std(v, ddof=1) / math.sqrt(batches)) for k, v in (("e_norm", norms), ("e_norm2", norms2))}
    return estimates, se


def write_constants(law_spec: dict, samples: int, master_seed: int, out) -> None:
    """One law's constants (closed form, else Monte Carlo on its own stream) as JSON, with provenance."""
    from relu_lib.io import write_json
    from relu_lib.provenance import stamp
    from relu_lib.seeding import generator

    law = make_law(law_spec)
    consts = constants(law, samples, generator(master_seed, "constants", law.describe()))
    prov = stamp({"law": law_spec, "samples": samples, "seed": master_seed}, __name__)
    write_json(out, {"law": law.describe(), "samples": samples, **consts.to_json(), "provenance": prov})
