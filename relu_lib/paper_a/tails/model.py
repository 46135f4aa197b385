"""The recursions of Algorithm 2 and S.G.D. in the two coordinates their law sees: the tails study's model.

For x ~ N(0, I_n) and labels y = ReLU(<w*, x>) + alpha xi (alpha ~ Bernoulli(beta), xi the attack), the law of one
step is invariant under the rotations that fix u = w*/||w*||. So (p_t, q_t) = (<Delta_t, u>, ||Delta_t - p_t u||) is
a Markov chain of its own, for either algorithm, and ||Delta_t|| = sqrt(p^2 + q^2). With Delta = p u + q e and
x_i = z_i u + h_i e + r_i (z_i, h_i ~ N(0, 1), r_i ~ N(0, I_{n-2}) in the complement, all independent), one step of
either algorithm with c = eta / b is

    D_i = gate_i (||w*|| z_i^- + alpha_i xi_i - p z_i - q h_i)         (y_i - <w, x_i>, gated)
    p' = p + c sum_i D_i z_i,    q'^2 = (q + c sum_i D_i h_i)^2 + c^2 (sum_i D_i^2) X,    X ~ chi^2_{n-2},

with gate_i = 1{y_i > theta} (Algorithm 2: y_i = ||w*|| z_i^+ + alpha_i xi_i) or 1{(||w*|| + p) z_i + q h_i > 0}
(S.G.D.), since sum_i D_i r_i ~ N(0, sum D_i^2 I_{n-2}) given the rest. For Algorithm 2 this is exactly its Kesten
recursion Delta' = A Delta + B written in these coordinates; for S.G.D. it is S.G.D. itself. It costs O(b) a step
(no n-vector), which is what makes it the cheap model: the estimator's own law at the experiment's sample size and
k comes from simulating it (relu_lib.paper_a.tails.summary), and the autocorrelation that justifies the thinning
lag (benchmarks/tails_autocorrelation.py) from long runs of it. It is an independent implementation of the same
laws as relu_lib.paper_a.projected (the experiment's sampler): tests compare the two in distribution.

Draws per step, per sample i in order: z_i, h_i (standard_normal), then for an attacked cell one uniform U_i
(random): attacked iff U_i < beta, and for random_sign xi_i = -theta iff U_i < beta / 2 (given U_i < beta that is a
fair sign, independent of everything else); then one standard_gamma((n - 2)/2) for X / 2.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from relu_lib.paper_a.kernel import ALTERNATING, RANDOM_SIGN, SILENT

GATE_FILTER, GATE_OWN = 0, 1  # Algorithm 2's label filter, S.G.D.'s own ReLU gate
GATES = {"alg2": GATE_FILTER, "sgd": GATE_OWN}
ATTACK_CODES = {"silent": SILENT, "random_sign": RANDOM_SIGN, "alternating": ALTERNATING}
DIVERGED = 1e150  # a chain whose ||Delta|| passes this is recorded as NaN from then on (no stationary law)


@njit(cache=True)
def _chains(rng, gate, b, n, eta, norm_star, beta, theta, attack, burn_in, thin, record_all, out):
    chains, samples = out.shape[0], out.shape[1]
    c = eta / b
    shape = 0.5 * (n - 2)
    total = burn_in + thin * samples
    for r in range(chains):
        p, q = 0.0, 0.0
        alive = True
        j = 0
        for t in range(1, total + 1):
            sz, sh, s2 = 0.0, 0.0, 0.0
            for i in range(b):
                z = rng.standard_normal()
                h = rng.standard_normal()
                noise = 0.0
                if attack != SILENT:
                    # one uniform decides both: attacked when below beta, and for random_sign its half decides
                    # the sign (the same law as an independent fair sign)
                    v = rng.random()
                    if v < beta:
                        if attack == RANDOM_SIGN:
                            noise = -theta if v < 0.5 * beta else theta
                        else:
                            noise = -theta if i % 2 == 0 else theta
                if gate == GATE_FILTER:
                    keep = norm_star * (z if z > 0.0 else 0.0) + noise > theta
                else:
                    keep = (norm_star + p) * z + q * h > 0.0
                if keep:
                    d = norm_star * (-z if z < 0.0 else 0.0) + noise - p * z - q * h
                    sz += d * z
                    sh += d * h
                    s2 += d * d
            x = 2.0 * rng.standard_gamma(shape)
            if alive:
                p += c * sz
                qe = q + c * sh
                q = math.sqrt(qe * qe + c * c * s2 * x)
                if not (p * p + q * q <= DIVERGED * DIVERGED):
                    alive = False
            if record_all:
                if t > burn_in and (t - burn_in) <= samples:
                    out[r, t - burn_in - 1] = math.sqrt(p * p + q * q) if alive else np.nan
            elif t > burn_in and (t - burn_in) % thin == 0:
                out[r, j] = math.sqrt(p * p + q * q) if alive else np.nan
                j += 1


def simulate(
    rng: np.random.Generator,
    algorithm: str,
    chains: int,
    samples: int,
    *,
    b: int,
    n: int,
    eta: float,
    w_star_norm: float,
    beta: float,
    theta: float,
    attack: str,
    burn_in: int,
    thin: int,
) -> np.ndarray:
    """||Delta_t|| of `chains` independent chains from Delta_0 = 0, at t = burn_in + j thin (j = 1..samples):
    shape (chains, samples). Inputs N(0, I_n); for N(0, sigma^2 I) pass eta sigma^2 and theta / sigma."""
    out = np.empty((chains, samples))
    _run(rng, algorithm, b, n, eta, w_star_norm, beta, theta, attack, burn_in, thin, False, out)
    return out


def trajectory(
    rng: np.random.Generator,
    algorithm: str,
    chains: int,
    steps: int,
    *,
    b: int,
    n: int,
    eta: float,
    w_star_norm: float,
    beta: float,
    theta: float,
    attack: str,
    burn_in: int,
) -> np.ndarray:
    """||Delta_t|| at every step t = burn_in + 1 .. burn_in + steps: shape (chains, steps) (for autocorrelations)."""
    out = np.empty((chains, steps))
    _run(rng, algorithm, b, n, eta, w_star_norm, beta, theta, attack, burn_in, 1, True, out)
    return out


def _run(rng, algorithm, b, n, eta, w_star_norm, beta, theta, attack, burn_in, thin, record_all, out):
    if algorithm not in GATES:
        raise ValueError(f"algorithm = {algorithm!r}: allowed values are {', '.join(GATES)}")
    if attack not in ATTACK_CODES:
        raise ValueError(f"attack = {attack!r}: allowed values are {', '.join(ATTACK_CODES)}")
    if int(b) != b or b < 1 or int(n) != n or n < 3:
        raise ValueError(f"need integers b >= 1 and n >= 3; got b = {b}, n = {n}")
    if burn_in < 0 or thin < 1:
        raise ValueError(f"need burn_in >= 0 and thin >= 1; got {burn_in}, {thin}")
    _chains(
        rng,
        GATES[algorithm],
        int(b),
        int(n),
        float(eta),
        float(w_star_norm),
        float(beta),
        float(theta),
        ATTACK_CODES[attack],
        int(burn_in),
        int(thin),
        bool(record_all),
        out,
    )
