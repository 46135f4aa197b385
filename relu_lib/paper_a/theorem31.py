"""Theorem 3.1 of paper A (§3, proof in Appendix B) as the paper states it, its Remarks 1(a), 1(b) and 1(e), and
verdict rows that hold the statements against the exact moments (relu_lib.paper_a.theory) and against simulation.

The paper writes w_1 for the start and w_T for the iterate after T − 1 updates; here t counts updates (t = 0 is
w_1), so the paper's "after T iterations" is t = T − 1 updates, and every T below is the paper's.

Case I (θ* = 0; Remark 1(e), paper)
    b1 = 2λ1,  c1 = (a4 + a2²(b − 1))/b,  δ0 > 0 with c1 > b1²δ0/(1 + δ0)²,  η = b1/(c1(1 + δ0)),
    α  = 1 − 4λ1²δ0 / ((a2² + (a4 − a2²)/b)(1 + δ0)²),
    T(ε, δ, b) = 1 + log(‖w_1 − w*‖²/(ε²δ)) / log(1/α),
  from the proof's recursion (B.6) E‖Δ_{t+1}‖² <= (1 − 2ηλ1 + (η²/b)(a4 + a2²(b − 1))) E‖Δ_t‖² and Markov's
  inequality. Remark 1(e)'s α *equals* (B.6)'s factor at the stated η, exactly: 1 − ηb1 + η²c1 with
  η = b1/(c1(1 + δ0)) is 1 − (b1²/c1) δ0/(1 + δ0)² and a2² + (a4 − a2²)/b = c1 (`CaseI.factor` checks it).
  δ0: we take δ0 = 1 (DELTA0). It minimises α (δ0/(1 + δ0)² is largest at δ0 = 1), hence T, and it is always
  admissible: c1 > b1²/4 = λ1² because λ1 <= tr E[1{w*ᵀx > 0} xxᵀ]/n = a2/n and a2² <= c1 (a2² <= a4 by
  Cauchy–Schwarz). At δ0 = 1: η = λ1/c1, α = 1 − λ1²/c1.

Case II (θ* > 0, paper; glyph positions of the published PDF checked where the text layer is ambiguous)
    b′1 = 2λ1(θ*) − 1/K,  c′1 = 1 + (a4 + (1 + a2²)(b − 1))/b  (printed so in the theorem and in the proof),
    c′2 = (1/β1)(β3² + (β2 a1)²(b − 1) + (β2 + (b − 1)β1²)),  c′3 = K β1²,
    γ > max(b′1²/c′1, (ε²δ + θ*² c′2/c′1)/(ε²δ − θ*² c′3/b′1)),  η = b′1/(γ c′1),
    ε²δ = β1² K θ*² / (2λ1(θ*) − 1/K)   (eq. 2),  K > 0 with 2λ1(θ*) > 1/K,
    T = O(log(‖w_1 − w*‖² / (ε²δ − θ*² (c′2/c′1 + γ c′3/b′1)/(γ − 1))))   (only an O(·) in the paper).
  K: eq. (2) is smallest at K = 1/λ1(θ*) (d/dK K²/(2λ1K − 1) = 0), where b′1 = λ1(θ*) and
  ε²δ = β1²θ*²/λ1(θ*)²: the floor. We use that K (`case2(..., K=None)`).
  The proof's recursion (B.7), which every explicit T here comes from (Lemma C.2 unrolled):
    X_{t+1} <= A X_t + B,  A = 1 − 2ηλ1(θ*) + η/K + (η²/b)((1 + a4) + (1 + a2²)(b − 1)),
                           B = Kθ*²ηβ1² + θ*²(η²/b)(β3² + (β2 a1)²(b − 1) + (β2 + (b − 1)β1²)),
    X_t <= A^t X_1 + B(1 − A^t)/(1 − A),   T = 1 + log[(X_1(1 − A) − B)/(ε²δ(1 − A) − B)] / log(1/A).

What is garbled, ambiguous or wrong in the paper (our reading; the numbers in tests/paper_a/test_theorem31.py):
  1. Definition 1 defines a_i for i = 2, 4 only; c′2 and (B.3) use a_1: we take E[1{w*ᵀx > 0}‖x‖].
  2. c′1: (B.7)'s coefficient of η²X_t is ((1 + a4) + (1 + a2²)(b − 1))/b; the theorem and the proof print
     1 + (a4 + (1 + a2²)(b − 1))/b, larger by 1 − 1/b (equal at b = 1): a valid, looser constant. We state the
     step with the printed c′1 and bound with (B.7).
  3. c′2: (B.4)/(B.7)'s constant is θ*² (η²/b)(…), so c′2 should carry 1/b; the theorem and the proof's
     "c2 = θ*²/β1 (…)" carry 1/β1. Conservative only where β1 <= b (β1 = 5.6 at the paper's n = 500, β = 0.5:
     wrong for b <= 5). `CaseII.c2p_b7` is the (B.7) value; `gamma_threshold(..., stated=False)` uses it.
  4. Eq. (3) writes c1 and b1 (unprimed) in γ's bound; read c′1, b′1.
  5. With eq. (2) as an equality, the denominator ε²δ − θ*² c′3/b′1 of (3) is 0 (θ*²c′3/b′1 is exactly the
     right side of (2)): no γ, no step. Lemma C.2 asks ε′² ∈ (c3/b1, Δ_1) strictly; eq. (2) is the infimum
     (the floor) of the ε²δ the theorem reaches, approached as γ → ∞, η → 0, T → ∞. We check targets
     ε²δ = CASE2_TARGET_MULTIPLE × floor (or the caller's ε²δ where larger).
  6. The O(·) of Case II's T (and Lemma C.2's) hides the factor 1/log(1/α), α = 1 − (b′1²/c′1)(γ − 1)/γ²,
     which depends on ε and δ through γ; the paper gives no constant.
  7. The proof writes c3 = K_1 θ*²β1² (a stray subscript) and Lemma C.1 writes b for b1.
  8. Remark 1(e), "a similar conclusion prevails in the θ* > 0 case": with the printed constants it does not
     (c′2 ∝ (b − 1)(β2a1)²/β1 grows with b while c′1 saturates, so γ and T grow): the explicit T at n = 5, 10, 20,
     β = 0.5, θ* = 0.25 rises from b = 4 to b = 16; with (B.7)'s constants it falls (`t_decreases_rows`).

Tightness (derived, beyond the paper; `tightness`): for N(0, I_n) realizable inputs the exact one-step map of
(E p², E‖q‖²) is theory.transition's 2x2 block on those coordinates (the realizable E p row decouples: its
eigenvalue 1 − ηE[s z²] is the mean's, not a second moment's, which is why the 3x3 block's largest eigenvalue
is not the contraction of E‖Δ‖²); for N(0, I_n) it is isotropic,
    E‖Δ_{t+1}‖² = (1 − η + (η²/b)((n + 2)/2 + (b − 1)/4)) E‖Δ_t‖².
The factor lost is in Term 2 of (B.2)–(B.3): the cross terms E[s_i s_j r_i r_j ⟨x_i, x_j⟩] (i ≠ j) are bounded
with |⟨x_i, x_j⟩| <= ‖x_i‖‖x_j‖ and |Δᵀx| <= ‖Δ‖‖x‖, giving a2²‖Δ‖² = (tr M)²‖Δ‖² where the exact value is
‖MΔ‖² <= λ_max(M)²‖Δ‖² (M = E[1{w*ᵀx > 0}xxᵀ] = I/2: a factor n²), and the diagonal E[s (Δᵀx)²‖x‖²] by
a4‖Δ‖² = n(n + 2)/2 ‖Δ‖² where it is (n + 2)/2 ‖Δ‖² (a factor n). Term 1 (−2ηΔᵀMΔ <= −2ηλ1‖Δ‖²) is tight
here. So the theorem's η is n to n² times too small; at its own η the exact contraction is only about twice
as fast in log-rate (1 − α = η/2 against 1 − η + O(η²)), but the exact recursion contracts up to a step
4b/(2n + 3 + b), ~ 2(2n(n + 2) + (b − 1)n²)/(2n + 3 + b) times the theorem's (8.3e3 at n = 500, b = 16).

The studies simulate Algorithm 2 on N(0, I_n) with `simulate`: exact in law for (⟨Δ_t, u⟩, ‖Δ_t − ⟨Δ_t, u⟩u‖)
at O(R b) per step for R runs at once (the argument of relu_lib.paper_a.projected with the two-dimensional span
of u and Δ_t; the residual and filter are update_rule.residuals("alg2", ...)).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import numpy as np

from relu_lib.paper_a import definition1, theory
from relu_lib.paper_a.definition1 import Definition1
from relu_lib.paper_a.update_rule import residuals
from relu_lib.verdicts import CheckRow, clopper_pearson, frequency_row, not_applicable, row

DELTA0 = 1.0  # minimises alpha over delta0 and is always admissible (module doc)
CASE2_TARGET_MULTIPLE = 2.0  # Case II is checked at eps^2 delta = this x the floor of eq. (2) (never at it)
CHECK_FRACTIONS = (0.1, 0.25, 0.5, 1.0)  # of the updates to T: the checkpoints judged, fixed by design
EXPERIMENT = "theorem_3_1"  # the theorems study's group (relu_lib.paper_a.statements)

STATEMENT_I, STATEMENT_II = "Theorem 3.1, Case I", "Theorem 3.1, Case II"
STATEMENT_R1A, STATEMENT_R1B, STATEMENT_R1E = "Remark 1(a)", "Remark 1(b)", "Remark 1(e)"
CHECK_T = "Thm 3.1 Case I: T (Remark 1(e))"
CHECK_EPS = "Thm 3.1 Case I: ε after the run's iterations"
CHECK_FLOOR = "Thm 3.1 Case II: floor ε at δ"
CHECK_BOUND_EXACT = "Thm 3.1 E||Δ_t||² bound (exact)"
CHECK_BOUND_SIM = "Thm 3.1 E||Δ_t||² bound (simulated)"
CHECK_PROB = "Thm 3.1 P[||w_T − w*||² ≤ ε²] ≥ 1 − δ"
CHECK_T_DECREASES = "Remark 1(e): T decreases in b"
CHECK_R1A = "Remark 1(a): floor → 0 with β"
CHECK_R1B = "Remark 1(b): risk of w_T"
CHECK_TIGHT = "Remark 1(e) α vs exact contraction"


# ---------------------------------------------------------------------------------------------- Case I


@dataclass(frozen=True)
class CaseI:
    """Theorem 3.1, Case I with Remark 1(e)'s constants at mini-batch b (λ1 = λ1(0), or λ1(θ*) for a filter at
    θ* > 0 without attack: the proof's Case I argument then holds with λ1(θ*), `at_theta`)."""

    b: int
    lambda1: float
    a2: float
    a4: float
    delta0: float = DELTA0

    @property
    def b1(self) -> float:
        return 2 * self.lambda1

    @property
    def c1(self) -> float:
        return (self.a4 + self.a2**2 * (self.b - 1)) / self.b

    @property
    def admissible(self) -> bool:
        """Remark 1(e)'s condition c1 > b1²δ0/(1 + δ0)² (α > 0), and λ1 > 0."""
        return self.lambda1 > 0 and self.c1 > self.b1**2 * self.delta0 / (1 + self.delta0) ** 2

    @property
    def eta(self) -> float:
        return self.b1 / (self.c1 * (1 + self.delta0))

    @property
    def alpha(self) -> float:
        """Remark 1(e) as printed: 1 − 4λ1²δ0/((a2² + (a4 − a2²)/b)(1 + δ0)²)."""
        d0 = self.delta0
        return 1 - 4 * self.lambda1**2 * d0 / ((self.a2**2 + (self.a4 - self.a2**2) / self.b) * (1 + d0) ** 2)

    def factor(self, eta: float | None = None) -> float:
        """(B.6)'s factor 1 − 2ηλ1 + (η²/b)(a4 + a2²(b − 1)) at η (default: the theorem's)."""
        eta = self.eta if eta is None else eta
        return 1 - 2 * eta * self.lambda1 + eta**2 / self.b * (self.a4 + self.a2**2 * (self.b - 1))

    def T(self, initial_sq: float, epsilon: float, delta: float) -> float:
        """Remark 1(e): 1 + log(‖w_1 − w*‖²/(ε²δ))/log(1/α) (1 where the start is already there)."""
        ratio = initial_sq / (epsilon**2 * delta)
        return 1.0 + max(0.0, math.log(ratio)) / math.log(1 / self.alpha)

    def updates(self, initial_sq: float, epsilon: float, delta: float) -> int:
        """The updates to the paper's w_T: the smallest t with α^t ‖Δ_1‖² <= ε²δ."""
        return max(0, math.ceil(self.T(initial_sq, epsilon, delta) - 1 - 1e-9))

    def bound(self, initial_sq: float, t) -> np.ndarray:
        """E‖Δ_t‖² <= α^t ‖Δ_1‖² after t updates."""
        return initial_sq * self.alpha ** np.asarray(t, dtype=float)

    def epsilon_after(self, initial_sq: float, updates: int, delta: float) -> float:
        """The ε the theorem guarantees with probability 1 − δ after `updates` updates: sqrt(α^t ‖Δ_1‖²/δ)."""
        return math.sqrt(initial_sq * self.alpha**updates / delta)


def case1(consts: Definition1, b: int, delta0: float = DELTA0, at_theta: bool = False) -> CaseI:
    return CaseI(int(b), consts.lambda1 if at_theta else consts.lambda1_zero, consts.a2, consts.a4, float(delta0))


# ---------------------------------------------------------------------------------------------- Case II


@dataclass(frozen=True)
class CaseII:
    """Theorem 3.1, Case II at mini-batch b and K (constants as printed, and (B.7)'s own; module doc)."""

    b: int
    K: float
    theta: float
    lambda1: float  # λ1(θ*)
    a1: float
    a2: float
    a4: float
    beta1: float
    beta2: float
    beta3: float

    @property
    def b1p(self) -> float:
        return 2 * self.lambda1 - 1 / self.K

    @property
    def c1p(self) -> float:
        """As printed: 1 + (a4 + (1 + a2²)(b − 1))/b."""
        return 1 + (self.a4 + (1 + self.a2**2) * (self.b - 1)) / self.b

    @property
    def c1_b7(self) -> float:
        """(B.7)'s coefficient of η² X_t: ((1 + a4) + (1 + a2²)(b − 1))/b (<= c1p)."""
        return ((1 + self.a4) + (1 + self.a2**2) * (self.b - 1)) / self.b

    @property
    def _bracket(self) -> float:
        b = self.b
        return self.beta3**2 + (self.beta2 * self.a1) ** 2 * (b - 1) + (self.beta2 + (b - 1) * self.beta1**2)

    @property
    def c2p(self) -> float:
        """As printed: (1/β1)(β3² + (β2a1)²(b − 1) + (β2 + (b − 1)β1²))."""
        return self._bracket / self.beta1 if self.beta1 > 0 else math.inf

    @property
    def c2p_b7(self) -> float:
        """(B.7)'s constant over θ*²η²: the same bracket over b."""
        return self._bracket / self.b

    @property
    def c3p(self) -> float:
        return self.K * self.beta1**2

    @property
    def admissible(self) -> bool:
        """The hypotheses on the law: β1 > 0, λ1(θ*) > 0, 2λ1(θ*) > 1/K."""
        return self.beta1 > 0 and self.lambda1 > 0 and self.b1p > 0

    @property
    def floor_sq(self) -> float:
        """Eq. (2): ε²δ = β1²Kθ*²/(2λ1(θ*) − 1/K) = θ*² c′3/b′1 (the infimum; module doc item 5)."""
        return self.theta**2 * self.c3p / self.b1p if self.b1p > 0 else math.inf

    def floor_epsilon(self, delta: float) -> float:
        """The floor read at a stated δ: ε = sqrt(floor/δ)."""
        return math.sqrt(self.floor_sq / delta)

    @property
    def floor_eps_sqrt_delta(self) -> float:
        return math.sqrt(self.floor_sq)

    def gamma_threshold(self, target_sq: float, stated: bool = True) -> float:
        """Eq. (3)'s lower bound on γ at ε²δ = target_sq (inf where target_sq <= floor); `stated=False` uses
        (B.7)'s c′1 and c′2 instead of the printed ones."""
        if target_sq <= self.floor_sq:
            return math.inf
        c1, c2 = (self.c1p, self.c2p) if stated else (self.c1_b7, self.c2p_b7)
        second = (target_sq + self.theta**2 * c2 / c1) / (target_sq - self.floor_sq)
        return max(self.b1p**2 / c1, second)

    def eta(self, gamma: float) -> float:
        """The theorem's step η = b′1/(γ c′1)."""
        return self.b1p / (gamma * self.c1p)

    @property
    def largest_eta(self) -> float:
        """The largest step the theorem allows for any ε, δ: γ > max(b′1²/c′1, ·) and the second entry is > 1."""
        return self.b1p / (self.c1p * max(1.0, self.b1p**2 / self.c1p))

    def recursion(self, eta: float) -> tuple[float, float]:
        """(A, B) of (B.7): X_{t+1} <= A X_t + B at step η."""
        b, th = self.b, self.theta
        a = 1 - 2 * eta * self.lambda1 + eta / self.K + eta**2 / b * ((1 + self.a4) + (1 + self.a2**2) * (b - 1))
        bb = self.K * th**2 * eta * self.beta1**2 + th**2 * eta**2 / b * self._bracket
        return a, bb

    def fixed_point(self, eta: float) -> float:
        a, bb = self.recursion(eta)
        return bb / (1 - a) if a < 1 else math.inf

    def bound(self, eta: float, initial_sq: float, t) -> np.ndarray:
        """(B.7) unrolled: A^t X_1 + B(1 − A^t)/(1 − A) after t updates."""
        a, bb = self.recursion(eta)
        power = a ** np.asarray(t, dtype=float)
        return initial_sq * power + bb * (1 - power) / (1 - a)

    def T_explicit(self, eta: float, initial_sq: float, target_sq: float) -> float:
        """The paper's T from (B.7) unrolled (Lemma C.2's proof): 1 + log[(X_1(1−A) − B)/(ε²δ(1−A) − B)]/log(1/A);
        inf where (B.7)'s fixed point is not below ε²δ, 1 where X_1 <= ε²δ."""
        if initial_sq <= target_sq:
            return 1.0
        a, bb = self.recursion(eta)
        if not 0 < a < 1 or target_sq * (1 - a) - bb <= 0:
            return math.inf
        return 1 + math.log((initial_sq * (1 - a) - bb) / (target_sq * (1 - a) - bb)) / math.log(1 / a)

    def T_order(self, initial_sq: float, target_sq: float, gamma: float) -> float:
        """The argument of the paper's O(·): log(X_1/(ε²δ − θ*²(c′2/c′1 + γc′3/b′1)/(γ − 1))) (no constant)."""
        rest = target_sq - self.theta**2 * (self.c2p / self.c1p + gamma * self.c3p / self.b1p) / (gamma - 1)
        return math.log(initial_sq / rest) if rest > 0 else math.inf

    def best_gamma(self, initial_sq: float, target_sq: float, stated: bool = True) -> float:
        """The γ above eq. (3)'s bound that minimises T_explicit (golden section on log(γ/γ_min − 1));
        `stated=False`: above the bound with (B.7)'s c′1, c′2 (module doc item 3)."""
        low = self.gamma_threshold(target_sq, stated)
        if not math.isfinite(low):
            return math.inf

        def cost(s: float) -> float:
            return self.T_explicit(self.eta(low * (1 + math.exp(s))), initial_sq, target_sq)

        lo, hi = -16.0, 16.0
        ratio = (math.sqrt(5) - 1) / 2
        x1, x2 = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
        f1, f2 = cost(x1), cost(x2)
        for _ in range(80):
            if f1 <= f2:
                hi, x2, f2 = x2, x1, f1
                x1 = hi - ratio * (hi - lo)
                f1 = cost(x1)
            else:
                lo, x1, f1 = x1, x2, f2
                x2 = lo + ratio * (hi - lo)
                f2 = cost(x2)
        return low * (1 + math.exp(0.5 * (lo + hi)))

    def T_decreasing_axis(
        self, consts: Definition1, b_values, initial_sq: float, target_sq: float, stated: bool = True
    ) -> np.ndarray:
        """The explicit T (best γ) of the same law at each b (Remark 1(e): "a similar conclusion prevails")."""
        out = []
        for b in b_values:
            other = case2(consts, b, self.K)
            g = other.best_gamma(initial_sq, target_sq, stated)
            out.append(other.T_explicit(other.eta(g), initial_sq, target_sq) if math.isfinite(g) else math.inf)
        return np.array(out)


def case2(consts: Definition1, b: int, K: float | None = None) -> CaseII:
    """Case II at b; K = 1/λ1(θ*) (minimises eq. (2)) unless given."""
    K = 1 / consts.lambda1 if K is None else float(K)
    return CaseII(
        int(b),
        K,
        consts.theta,
        consts.lambda1,
        consts.a1,
        consts.a2,
        consts.a4,
        consts.beta1,
        consts.beta2,
        consts.beta3,
    )


def floors_over_beta(consts_at_beta_one: Definition1, betas, K: float | None = None) -> np.ndarray:
    """Remark 1(a): the floor ε√δ (eq. 2) at each constant β, from the constants at β = 1 (β_j scale with β)."""
    return np.array([case2(consts_at_beta_one.with_beta_scaled(b), 1, K).floor_eps_sqrt_delta for b in betas])


# ---------------------------------------------------------------------------------------------- Remark 1(b)


def _x_minus_sin(x: np.ndarray) -> np.ndarray:
    """x − sin x without cancellation at small x."""
    x = np.asarray(x, dtype=float)
    small = np.abs(x) < 1e-2
    series = x**3 / 6 - x**5 / 120 + x**7 / 5040
    return np.where(small, series, x - np.sin(np.where(small, 1.0, x)))


def relu_risk_plane(rho, p, qn, sigma: float = 1.0) -> np.ndarray:
    """E[(ReLU(wᵀx) − ReLU(w*ᵀx))²], x ~ N(0, σ²I), w = w* + Δ with ‖w*‖ = rho, ⟨Δ, u⟩ = p, the rest of Δ of norm
    qn (derived). In the plane of w* and w, with φ the angle between them and d = Δ:
        ‖d‖²/π [(π − φ)/2 + (sin 2ψ_d + sin(2φ − 2ψ_d))/4]   (both gates open, ψ_d the angle of d)
      + (‖w‖² + ‖w*‖²)/π (2φ − sin 2φ)/4                     (one gate open),
    times σ²: every term is small where Δ is (no cancellation of ‖w‖² against ‖w*‖²). It equals the arc-cosine
    form ‖w‖²/2 + ‖w*‖²/2 − ‖w‖‖w*‖(sin φ + (π − φ)cos φ)/π."""
    rho, p, qn = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (rho, p, qn)))
    wx, wy = rho + p, np.abs(qn)
    phi = np.arctan2(wy, wx)
    d2 = p**2 + qn**2
    psi = np.arctan2(wy, p)
    both = d2 / math.pi * ((math.pi - phi) / 2 + (np.sin(2 * psi) + np.sin(2 * phi - 2 * psi)) / 4)
    one = (wx**2 + wy**2 + rho**2) / math.pi * _x_minus_sin(2 * phi) / 4
    return sigma**2 * (both + one)


def relu_risk_gaussian(w, w_star, sigma: float = 1.0) -> float:
    """Remark 1(b)'s risk of an iterate w for x ~ N(0, σ²I_n), exact (`relu_risk_plane`)."""
    w, w_star = np.asarray(w, dtype=float), np.asarray(w_star, dtype=float)
    rho = float(np.linalg.norm(w_star))
    delta = w - w_star
    p = float(delta @ w_star) / rho
    qn = math.sqrt(max(0.0, float(delta @ delta) - p * p))
    return float(relu_risk_plane(rho, p, qn, sigma))


def relu_risk_monte_carlo(w, w_star, draw, samples: int = 200_000, batches: int = 16) -> tuple[float, float]:
    """The same risk for any law `draw(count) -> (count, n)`: (mean, batch-means standard error)."""
    per = max(1, samples // batches)
    means = []
    for _ in range(batches):
        x = draw(per)
        means.append(np.mean((np.maximum(x @ w, 0) - np.maximum(x @ w_star, 0)) ** 2))
    return float(np.mean(means)), float(np.std(means, ddof=1) / math.sqrt(batches))


# ---------------------------------------------------------------------------------------------- tightness


def exact_contraction(n: int, b: int, eta: float) -> float:
    """The exact one-step factor of E‖Δ‖² (realizable, N(0, I_n)): the spectral radius of theory.transition's
    block on (E p², E‖q‖²)."""
    a = theory.transition(theory.Setting(n=n, b=b, eta=eta), 1.0)
    return float(np.max(np.abs(np.linalg.eigvals(a[1:3, 1:3]))))


def _contracts(n: int, b: int, eta: float) -> bool:
    a = theory.transition(theory.Setting(n=n, b=b, eta=eta), 1.0)
    return bool(np.max(np.abs(np.linalg.eigvals(a[:3, :3]))) < 1)


def largest_contracting_step(n: int, b: int, start: float = 1e-8) -> float:
    """The largest η at which the exact recursion (theory.transition's 3x3 block) still contracts (bisection)."""
    lo, hi = start, start
    while _contracts(n, b, hi):
        lo, hi = hi, hi * 2
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if _contracts(n, b, mid) else (lo, mid)
    return lo


@dataclass(frozen=True)
class Tightness:
    """Remark 1(e)'s α against the exact contraction (derived; module doc)."""

    n: int
    b: int
    eta_theorem: float
    alpha: float
    exact: float  # exact one-step factor at the theorem's η
    rate_ratio: float  # log(exact)/log(α): how many times faster E‖Δ‖² really contracts at that η
    eta_max_exact: float  # largest contracting step
    step_ratio: float  # eta_max_exact / eta_theorem
    eta_best_exact: float  # the step of fastest exact contraction
    best_ratio: float  # log(exact at eta_best)/log(α): the theorem's T over the exact one at the best step


def tightness(n: int, b: int, delta0: float = DELTA0) -> Tightness:
    consts = definition1.gaussian(n, 1.0)
    case = case1(consts, b, delta0)
    exact = exact_contraction(n, b, case.eta)
    eta_max = largest_contracting_step(n, b)
    lo, hi = 0.0, eta_max  # golden section on the exact factor (unimodal in η)
    ratio = (math.sqrt(5) - 1) / 2
    for _ in range(100):
        x1, x2 = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
        lo, hi = (lo, x2) if exact_contraction(n, b, x1) <= exact_contraction(n, b, x2) else (x1, hi)
    best = 0.5 * (lo + hi)
    log_alpha = math.log(case.alpha)
    return Tightness(
        n,
        b,
        case.eta,
        case.alpha,
        exact,
        math.log(exact) / log_alpha,
        eta_max,
        eta_max / case.eta,
        best,
        math.log(exact_contraction(n, b, best)) / log_alpha,
    )


# ---------------------------------------------------------------------------------------------- simulation


@dataclass
class Simulated:
    """`simulate`'s output: ‖Δ_t‖² at the checkpoints (K, R) and the final (p, ‖q‖) per run."""

    checkpoints: np.ndarray
    sq: np.ndarray
    p: np.ndarray
    q: np.ndarray


def simulate(
    rng: np.random.Generator,
    n: int,
    b: int,
    eta: float,
    rho: float,
    p0: float,
    q0: float,
    checkpoints,
    runs: int,
    *,
    beta: float = 0.0,
    theta: float = 0.0,
    attack: str = "none",
    filter_level: float | None = None,
    beta_threshold: float = -math.inf,
) -> Simulated:
    """Algorithm 2 on x ~ N(0, I_n), R = `runs` runs at once from Δ_0 = p0 u + q0 e (u = w*/‖w*‖, e ⊥ u), under
    the attack (`alternating`: −θ at 1-based odd positions of the mini-batch, +θ at even ones; `random_sign`;
    `none`) with probability β(x) = β 1{w*ᵀx > beta_threshold}, filter 1{y > filter_level} (default θ: the
    paper's; planted faults set another). Needs n >= 2.

    Exact in law for (p_t, ‖q_t‖) = (⟨Δ_t, u⟩, ‖Δ_t − p_t u‖), hence for ‖Δ_t‖² and the risk: write
    x_i = z_i u + h_i e_t + r_i with e_t = q_t/‖q_t‖; given the past, z_i, h_i ~ N(0, 1) and r_i ~ N(0, P)
    (P the projection off span{u, e_t}, rank n − 2) are independent, the label, the attack, the filter and the
    residual D_i = 1{y_i > level}(y_i − ⟨w_t, x_i⟩) (update_rule.residuals) are functions of (z_i, h_i) and the
    attack's coins, ⟨w_t, x_i⟩ = (ρ + p_t) z_i + ‖q_t‖ h_i, and Δ_{t+1} = Δ_t + (η/b) Σ D_i x_i gives
        p_{t+1} = p_t + (η/b) Σ D_i z_i,   ‖q_{t+1}‖² = (‖q_t‖ + (η/b) Σ D_i h_i)² + (η/b)² (Σ D_i²) χ²_{n−2},
    the last because Σ D_i r_i is N(0, (Σ D_i²) P) given the coefficients. Draws per step, from `rng` in this
    order: (z, h) as one (2, R, b) standard_normal, the attack's R b uniforms (and R b signs for random_sign),
    R chi-squares (n > 2). Cost: 2 R b normals and ~15 array operations a step."""
    if n < 2:
        raise ValueError("simulate needs n >= 2")
    checkpoints = np.asarray(sorted({int(c) for c in checkpoints}), dtype=np.int64)
    level = theta if filter_level is None else float(filter_level)
    attacked = attack != "none" and beta > 0 and theta > 0
    xi = np.where(np.arange(b) % 2 == 0, -theta, theta)
    pq = np.stack([np.full(runs, float(p0)), np.full(runs, float(q0))])  # (p_t, ||q_t||) of every run
    sq = np.empty((checkpoints.size, runs))
    g = eta / b
    k = 0
    if checkpoints.size and checkpoints[0] == 0:
        sq[0], k = pq[0] ** 2 + pq[1] ** 2, 1
    last = int(checkpoints[-1]) if checkpoints.size else 0
    for t in range(1, last + 1):
        zh = rng.standard_normal((2, runs, b))  # z_i, h_i
        s = rho * zh[0]
        y = np.maximum(s, 0.0)
        if attacked:
            hit = rng.random((runs, b)) < beta
            if math.isfinite(beta_threshold):
                hit &= s > beta_threshold
            magnitude = theta * (2.0 * rng.integers(0, 2, (runs, b)) - 1.0) if attack == "random_sign" else xi
            y = y + hit * magnitude
        pred = s + np.einsum("kr,krb->rb", pq, zh)  # <w_t, x_i> = (rho + p) z_i + ||q|| h_i
        d = residuals("alg2", pred, y, level)
        pq += g * np.einsum("rb,krb->kr", d, zh)
        if n > 2:
            pq[1] = np.sqrt(pq[1] ** 2 + g * g * np.einsum("rb,rb->r", d, d) * rng.chisquare(n - 2, runs))
        else:
            pq[1] = np.abs(pq[1])
        if k < checkpoints.size and t == checkpoints[k]:
            sq[k], k = pq[0] ** 2 + pq[1] ** 2, k + 1
    p, q = pq
    return Simulated(checkpoints, sq, p, q)


# ---------------------------------------------------------------------------------------------- studies


@dataclass
class StudyCell:
    """One (case, n, b) of a study at the theorem's own step: the bound, the exact moments and the simulation
    at the checkpoints (updates), and the final iterates."""

    case: str  # "I" | "II"
    n: int
    b: int
    runs: int
    rho: float
    initial_sq: float
    eta: float  # the theorem's step
    eta_simulated: float  # = eta unless a fault is planted
    filter_level: float  # the simulation's filter (θ* unless a fault is planted)
    epsilon: float
    delta: float
    target_sq: float  # ε²δ
    T: float  # the paper's T (iterates; updates = T − 1)
    updates: int
    checkpoints: np.ndarray
    bound: np.ndarray
    exact: np.ndarray  # NaN where theory cannot model the simulation (a planted filter)
    sim_mean: np.ndarray
    sim_se: np.ndarray
    final_sq: np.ndarray
    risk: np.ndarray
    beta: float = 0.0
    theta: float = 0.0
    regime: str = "inside"
    extra: dict = field(default_factory=dict)

    @property
    def cell(self) -> str:
        tail = f"/beta={self.beta:g}/theta={self.theta:g}" if self.case == "II" else ""
        return f"case={self.case}/n={self.n}/b={self.b}{tail}"

    @property
    def statement(self) -> str:
        return STATEMENT_I if self.case == "I" else STATEMENT_II


def study_start(seed: int, n: int) -> tuple[float, float, float]:
    """(ρ, p0, ‖q0‖) of the study's start: w*, w_1 ~ N(0, I_n) independent, shared by its runs (streams.start)."""
    from relu_lib.paper_a.streams import start

    w_star, w_start = start(seed, n, None, 1.0, 1.0)
    return theory.split_offset(w_star, w_start)


def _checkpoints(updates: int, fractions=CHECK_FRACTIONS) -> np.ndarray:
    return np.unique([max(1, round(f * updates)) for f in fractions]).astype(np.int64)


def _finish(cell_args: dict, sim: Simulated, exact_second: np.ndarray | None) -> StudyCell:
    cps = sim.checkpoints
    runs = sim.sq.shape[1]
    exact = exact_second[cps] if exact_second is not None else np.full(cps.size, np.nan)
    risk = relu_risk_plane(cell_args["rho"], sim.p, sim.q)
    return StudyCell(
        checkpoints=cps,
        exact=exact,
        sim_mean=sim.sq.mean(axis=1),
        sim_se=sim.sq.std(axis=1, ddof=1) / math.sqrt(runs),
        final_sq=sim.sq[-1],
        risk=risk,
        runs=runs,
        **cell_args,
    )


def run_case1(
    n: int,
    b: int,
    runs: int,
    seed: int,
    epsilon: float,
    delta: float,
    *,
    case: CaseI | None = None,
    eta_factor: float = 1.0,
    fractions=CHECK_FRACTIONS,
) -> StudyCell:
    """Case I at the theorem's step (δ0 = 1): realizable N(0, I_n), one start shared by `runs` runs.
    `case` replaces the theorem's constants (a planted wrong constant); `eta_factor` multiplies the step the
    exact moments and the simulation run at (a planted wrong step), the bound keeping the theorem's."""
    from relu_lib.seeding import generator

    rho, p0, q0 = study_start(seed, n)
    case = case or case1(definition1.gaussian(n, rho), b)
    initial_sq = p0 * p0 + q0 * q0
    updates = case.updates(initial_sq, epsilon, delta)
    cps = _checkpoints(updates, fractions)
    eta_sim = case.eta * eta_factor
    exact = theory.exact_moments(theory.Setting(n=n, b=b, eta=eta_sim), rho, p0, q0, int(cps[-1]))
    rng = generator(seed, "theorem31", "I", n, b, runs)
    sim = simulate(rng, n, b, eta_sim, rho, p0, q0, cps, runs)
    regime = "inside" if case.admissible else "Remark 1(e)'s condition c1 > b1²δ0/(1 + δ0)² fails"
    args = {
        "case": "I",
        "n": n,
        "b": b,
        "rho": rho,
        "initial_sq": initial_sq,
        "eta": case.eta,
        "eta_simulated": eta_sim,
        "filter_level": 0.0,
        "epsilon": epsilon,
        "delta": delta,
        "target_sq": epsilon**2 * delta,
        "T": case.T(initial_sq, epsilon, delta),
        "updates": updates,
        "bound": case.bound(initial_sq, cps),
        "regime": regime,
        "extra": {"alpha": case.alpha, "delta0": case.delta0, "lambda1": case.lambda1},
    }
    return _finish(args, sim, exact[:, 1] + exact[:, 2])


def run_case2(
    n: int,
    b: int,
    runs: int,
    seed: int,
    epsilon: float,
    delta: float,
    *,
    beta: float,
    theta: float,
    K: float | None = None,
    target_multiple: float = CASE2_TARGET_MULTIPLE,
    eta_factor: float = 1.0,
    filter_factor: float = 1.0,
    fractions=CHECK_FRACTIONS,
) -> StudyCell:
    """Case II at the theorem's step: N(0, I_n), the paper's alternating attack (β, θ*), one shared start,
    ε²δ = max(ε²δ, target_multiple × floor) (eq. (2)'s floor is not attainable: module doc item 5), ε read back
    at δ, γ minimising the explicit T, η = b′1/(γc′1), the bound (B.7) unrolled. Planted faults: `eta_factor`
    (the simulated step), `filter_factor` (the simulated filter at θ* × factor; the exact moments then do not
    apply: theory filters at θ*)."""
    from relu_lib.seeding import generator

    rho, p0, q0 = study_start(seed, n)
    consts = definition1.gaussian(n, rho, theta, beta)
    case = case2(consts, b, K)
    initial_sq = p0 * p0 + q0 * q0
    target = max(epsilon**2 * delta, target_multiple * case.floor_sq)
    eps = math.sqrt(target / delta)
    gamma = case.best_gamma(initial_sq, target)
    eta = case.eta(gamma)
    T = case.T_explicit(eta, initial_sq, target)
    regime = "inside"
    if not case.admissible:
        regime = "Case II's hypotheses fail (β1 > 0, λ1(θ*) > 0, 2λ1(θ*) > 1/K)"
    elif target >= initial_sq:
        regime = f"ε²δ = {target:.3g} is not below ‖w_1 − w*‖² = {initial_sq:.3g} (Lemma C.2 needs it)"
    elif not math.isfinite(T):
        regime = "the stated γ leaves (B.7)'s fixed point above ε²δ (c′2's 1/β1, module doc item 3)"
    updates = max(1, math.ceil(T - 1 - 1e-9)) if math.isfinite(T) else 1
    cps = _checkpoints(updates, fractions)
    eta_sim = eta * eta_factor
    level = theta * filter_factor
    setting = theory.Setting(n=n, b=b, eta=eta_sim, beta=beta, theta=theta, attack="alternating")
    exact = None
    if filter_factor == 1.0:
        moments = theory.exact_moments(setting, rho, p0, q0, int(cps[-1]))
        exact = moments[:, 1] + moments[:, 2]
    rng = generator(seed, "theorem31", "II", n, b, beta, theta, runs)
    sim = simulate(
        rng, n, b, eta_sim, rho, p0, q0, cps, runs, beta=beta, theta=theta, attack="alternating", filter_level=level
    )
    extra = {
        "gamma": gamma,
        "gamma_threshold": case.gamma_threshold(target),
        "K": case.K,
        "floor_sq": case.floor_sq,
        "floor_eps_sqrt_delta": case.floor_eps_sqrt_delta,
        "T_order_argument": case.T_order(initial_sq, target, gamma) if math.isfinite(gamma) else math.inf,
        "fixed_point_b7": case.fixed_point(eta),
        "exact_stationary": theory.stationary_second_moment(setting, rho) if exact is not None else math.nan,
        "lambda1_theta": case.lambda1,
    }
    args = {
        "case": "II",
        "n": n,
        "b": b,
        "rho": rho,
        "initial_sq": initial_sq,
        "eta": eta,
        "eta_simulated": eta_sim,
        "filter_level": level,
        "epsilon": eps,
        "delta": delta,
        "target_sq": target,
        "T": T,
        "updates": updates,
        "bound": case.bound(eta, initial_sq, cps),
        "beta": beta,
        "theta": theta,
        "regime": regime,
        "extra": extra,
    }
    return _finish(args, sim, exact)


# ---------------------------------------------------------------------------------------------- rows


def probability_row(successes: int, trials: int, bound: float, z: float, **fields) -> CheckRow:
    """A row for P[event] >= bound from `successes` of `trials` independent runs: the exact binomial test
    (verdicts.frequency_row), with the Clopper–Pearson interval at the one-sided tail P(N(0,1) > z) in its reason."""
    tail = 0.5 * math.erfc(z / math.sqrt(2))
    lo, hi = clopper_pearson(successes, trials, tail)
    reason = f"{successes}/{trials} runs; Clopper–Pearson [{lo:.4f}, {hi:.4f}] at z = {z:g} (one-sided {tail:.2g})"
    fields.setdefault("reason", reason)
    extra = {"cp_lower": lo, "cp_upper": hi, **fields.pop("extra", {})}
    return frequency_row(successes, trials, bound, z, extra=extra, **fields)


def _fields(
    check: str,
    cell: StudyCell | None = None,
    *,
    experiment: str = EXPERIMENT,
    cell_id: str = "",
    statement: str = "",
    regime: str = "inside",
    **extra,
) -> dict:
    out = {
        "check": check,
        "paper": "A",
        "experiment": experiment,
        "source": "paper",
        "run": "alg2",
        "cell": cell.cell if cell else cell_id,
        "statement": statement or (cell.statement if cell else ""),
        "regime": cell.regime if cell else regime,
    }
    out.update(extra)
    return out


def inside_rows(cell: StudyCell, z: float) -> list[CheckRow]:
    """The rows of one study cell: E‖Δ_t‖² <= bound at the checkpoints (exact, simulated), the probability at
    the theorem's T, and (Case I) Remark 1(b)'s risk bound on the simulated w_T."""
    rows = []
    what = "α^t ||Δ_1||²" if cell.case == "I" else "(B.7) unrolled"
    note = (
        f"η = {cell.eta:.3g} (the theorem's)"
        + (f"; simulated at {cell.eta_simulated:.3g}" if cell.eta_simulated != cell.eta else "")
        + (f"; filter at {cell.filter_level:g}" if cell.filter_level != cell.theta else "")
    )
    for k, t in enumerate(cell.checkpoints):
        quantity = f"E||Δ_t||² ≤ {what}"
        if np.isfinite(cell.exact[k]):
            rows.append(
                row(
                    "upper",
                    float(cell.exact[k]),
                    0.0,
                    float(cell.bound[k]),
                    z=z,
                    **_fields(
                        CHECK_BOUND_EXACT,
                        cell,
                        step=float(t),
                        quantity=quantity,
                        reason=f"theory.exact_moments; {note}",
                    ),
                )
            )
        else:
            rows.append(
                not_applicable(
                    f"theory.exact_moments models the filter at θ* only; {note}",
                    **_fields(
                        CHECK_BOUND_EXACT, cell, step=float(t), quantity=quantity, predicted=float(cell.bound[k])
                    ),
                )
            )
        rows.append(
            row(
                "upper",
                float(cell.sim_mean[k]),
                float(cell.sim_se[k]),
                float(cell.bound[k]),
                z=z,
                dof=cell.runs - 1,
                replicates=cell.runs,
                **_fields(
                    CHECK_BOUND_SIM,
                    cell,
                    step=float(t),
                    quantity=f"mean over runs of ||Δ_t||² ≤ {what}",
                    reason=f"{cell.runs} runs (exact-in-law sampler); {note}",
                ),
            )
        )
    eps2 = cell.epsilon**2
    quantity = f"P[||w_T − w*||² ≤ ε²], ε = {cell.epsilon:.3g}, δ = {cell.delta:g}, T − 1 = {cell.updates} updates"
    if math.isfinite(cell.T):
        rows.append(
            probability_row(
                int(np.sum(cell.final_sq <= eps2)),
                cell.runs,
                1 - cell.delta,
                z,
                **_fields(
                    CHECK_PROB, cell, step=float(cell.updates), quantity=quantity, extra={"T": cell.T, "eta": cell.eta}
                ),
            )
        )
    else:
        rows.append(not_applicable(cell.regime, **_fields(CHECK_PROB, cell, quantity=quantity)))
    if cell.case == "I":
        good = cell.final_sq <= eps2
        allowed = eps2 * cell.n  # ε² E‖x‖², E‖x‖² = n for N(0, I_n)
        worst = float(cell.risk[good].max()) if good.any() else math.nan
        per_iterate = float(np.max(cell.risk / (cell.final_sq * cell.n))) if np.all(cell.final_sq > 0) else math.nan
        fields = _fields(
            CHECK_R1B,
            cell,
            statement=STATEMENT_R1B,
            step=float(cell.updates),
            quantity="max over runs with ||w_T − w*||² ≤ ε² of E_x[(ReLU(w_Tᵀx) − ReLU(w*ᵀx))²] ≤ ε²E||x||²",
            extra={"max_risk_over_norm_bound": per_iterate},
        )
        if good.any():
            rows.append(
                row(
                    "upper",
                    worst,
                    0.0,
                    allowed,
                    z=z,
                    replicates=int(good.sum()),
                    reason=f"exact risk (Gaussian closed form) of {int(good.sum())} iterates; "
                    f"max risk/(||Δ_T||²E||x||²) = {per_iterate:.3g}",
                    **fields,
                )
            )
        else:
            rows.append(not_applicable("no run reached ||w_T − w*||² ≤ ε²", predicted=allowed, **fields))
    return rows


def t_decreases_rows(
    n: int, b_values, seed: int, epsilon: float, delta: float, *, beta: float = 0.0, theta: float = 0.0
) -> list[CheckRow]:
    """Remark 1(e): T is a decreasing function of b (Case I; and Case II's explicit T where β, θ* > 0), pure
    computation at the study's start. observed = T at the largest b / T at the smallest; the reason gives the
    limit b → ∞ of Case I, a4/a2²-bounded: T(1)/T(∞) = c1(1)/c1(∞) = a4/a2²."""
    rho, p0, q0 = study_start(seed, n)
    x1 = p0 * p0 + q0 * q0
    b_values = sorted(int(b) for b in b_values)
    consts = definition1.gaussian(n, rho)
    ts = np.array([case1(consts, b).T(x1, epsilon, delta) for b in b_values])
    decreasing = bool(np.all(np.diff(ts) < 0))
    limit = consts.a4 / consts.a2**2
    fields = _fields(
        CHECK_T_DECREASES,
        cell_id=f"case=I/n={n}",
        statement=STATEMENT_R1E,
        quantity=f"T(b) over b = {b_values}: T(b_max)/T(b_min)",
        source="paper",
        extra={"T": ts.tolist(), "b": b_values},
    )
    rows = [
        CheckRow(
            predicted=1.0,
            observed=float(ts[-1] / ts[0]),
            observed_se=0.0,
            verdict="holds" if decreasing else "violated",
            ratio=float(ts[0] / ts[-1]),
            reason=f"T = {', '.join(f'{t:.4g}' for t in ts)}; T(1)/T(∞) = a4/a2² = {limit:.3g} at most "
            "(the theorem's gain from batching saturates)",
            **fields,
        )
    ]
    if beta > 0 and theta > 0:
        c2 = definition1.gaussian(n, rho, theta, beta)
        base = case2(c2, b_values[0])
        target = max(epsilon**2 * delta, CASE2_TARGET_MULTIPLE * base.floor_sq)
        t2 = base.T_decreasing_axis(c2, b_values, x1, target)
        t2_b7 = base.T_decreasing_axis(c2, b_values, x1, target, stated=False)
        dec2 = bool(np.all(np.diff(t2) < 0))
        fields = _fields(
            CHECK_T_DECREASES,
            cell_id=f"case=II/n={n}/beta={beta:g}/theta={theta:g}",
            statement=STATEMENT_R1E,
            quantity=f"explicit T(b) (B.7, best γ) over b = {b_values}",
            extra={"T": t2.tolist(), "T_b7_constants": t2_b7.tolist(), "b": b_values},
        )
        rows.append(
            CheckRow(
                predicted=1.0,
                observed=float(t2[-1] / t2[0]),
                observed_se=0.0,
                verdict="holds" if dec2 else "violated",
                ratio=float(t2[0] / t2[-1]),
                reason=f"T = {', '.join(f'{t:.4g}' for t in t2)} at ε²δ = {target:.3g} with the printed "
                f"c′1, c′2; with (B.7)'s: {', '.join(f'{t:.4g}' for t in t2_b7)}",
                **fields,
            )
        )
    return rows


def remark1a_rows(
    n: int, rho: float, theta: float, betas, b: int, eta: float | None = None, *, experiment: str = EXPERIMENT
) -> list[CheckRow]:
    """Remark 1(a) over a β sweep (N(0, I_n), the alternating attack): per β the floor ε√δ of eq. (2) (K = 1/λ1(θ*))
    against the exact stationary sqrt(E‖Δ_∞‖²) of Algorithm 2 at step η (default: 1e-3 × Case II's largest
    step, inside the theorem), and one row: the floor is increasing in β and 0 at β = 0."""
    betas = sorted(float(x) for x in betas)
    one = definition1.gaussian(n, rho, theta, 1.0)
    floors = floors_over_beta(one, betas)
    eta = 1e-3 * case2(one, b).largest_eta if eta is None else eta
    inside = eta <= case2(one, b).largest_eta
    regime = "inside" if inside else f"η = {eta:g} is above the theorem's largest step"
    cell_id = f"n={n}/b={b}/theta={theta:g}"
    rows = []
    for beta, floor in zip(betas, floors, strict=True):
        setting = theory.Setting(n=n, b=b, eta=eta, beta=beta, theta=theta, attack="alternating")
        stationary = math.sqrt(theory.stationary_second_moment(setting, rho))
        fields = _fields(
            CHECK_R1A,
            experiment=experiment,
            cell_id=f"{cell_id}/beta={beta:g}",
            statement=STATEMENT_R1A,
            regime=regime,
            quantity="exact stationary sqrt(E||Δ_∞||²) ≤ floor ε√δ (eq. 2, K = 1/λ1(θ*))",
        )
        if beta == 0:
            rows.append(
                CheckRow(
                    predicted=0.0,
                    observed=stationary,
                    observed_se=0.0,
                    verdict="holds" if stationary == 0 else "violated",
                    **fields,
                    reason=f"β = 0: the floor is 0; the exact limit is {stationary:.3g} (η = {eta:.3g})",
                )
            )
        else:
            reason = f"theory.stationary_second_moment at η = {eta:.3g}"
            rows.append(row("upper", stationary, 0.0, float(floor), reason=reason, **fields))
    positive = floors[np.array(betas) > 0]
    monotone = bool(np.all(np.diff(floors) > 0)) and (betas[0] > 0 or floors[0] == 0)
    fields = _fields(
        CHECK_R1A,
        experiment=experiment,
        cell_id=cell_id,
        statement=STATEMENT_R1A,
        regime="inside",
        quantity="floor ε√δ increasing in β, 0 at β = 0: floor(β_min>0)/floor(β_max)",
        extra={"beta": betas, "floor": floors.tolist()},
    )
    rows.append(
        CheckRow(
            predicted=0.0,
            observed=float(positive[0] / positive[-1]) if positive.size else math.nan,
            observed_se=0.0,
            verdict="holds" if monotone else "violated",
            reason="floors " + ", ".join(f"{f:.3g}" for f in floors) + " (linear in β for a constant β)",
            **fields,
        )
    )
    return rows


def tightness_rows(n: int, b: int) -> list[CheckRow]:
    """Derived: Remark 1(e)'s α against the exact one-step contraction at the theorem's η (exact <= α)."""
    t = tightness(n, b)
    fields = _fields(
        CHECK_TIGHT,
        cell_id=f"case=I/n={n}/b={b}",
        statement=STATEMENT_R1E,
        source="derived",
        quantity="exact one-step factor of E||Δ||² at the theorem's η ≤ α (ratio: log(exact)/log(α))",
        extra=dataclasses.asdict(t),
    )
    reason = (
        f"log-rate ratio {t.rate_ratio:.3g}; exact contracts up to η = {t.eta_max_exact:.3g} "
        f"({t.step_ratio:.3g}× the theorem's {t.eta_theorem:.3g}); at its best step the exact T is "
        f"{t.best_ratio:.3g}× shorter"
    )
    return [row("upper", t.exact, 0.0, t.alpha, reason=reason, ratio=math.log(t.exact) / math.log(t.alpha), **fields)]


def theorem_study_rows(
    n_values=(5, 10, 20),
    b_values=(1, 4, 16),
    runs: int = 400,
    seed: int = 0,
    epsilon: float = 0.01,
    delta: float = 0.1,
    z: float = 3.0,
    *,
    case2_beta: float = 0.5,
    case2_theta: float = 0.25,
    betas=(0.0, 0.01, 0.05, 0.1, 0.2, 0.5, 0.9),
    case2_runs: int | None = None,
) -> list[CheckRow]:
    """Every row of the study at the theorem's own step, in one call: per (n, b) Case I (realizable) and Case II
    (the alternating attack at β = case2_beta, θ* = case2_theta, on case2_runs = runs // 2 runs unless given: its
    T is 1.5–3× Case I's; ε²δ = 2 × floor where ε²δ is below it), the tightness row; per n "T decreases in b"
    and the Remark 1(a) β sweep (at b = max(b_values)). Cost at the defaults: 1.2e5 updates (3.7e4 of Case I on
    400 runs, 8.4e4 of Case II on 200), about 17 s on one core of the development machine, where NumPy draws a
    normal in 18 ns (the simulation is 95 % of it: two normals per sample and step); faster elsewhere."""
    rows = []
    case2_runs = max(2, runs // 2) if case2_runs is None else case2_runs
    for n in n_values:
        for b in b_values:
            rows += inside_rows(run_case1(n, b, runs, seed, epsilon, delta), z)
            rows += inside_rows(
                run_case2(n, b, case2_runs, seed, epsilon, delta, beta=case2_beta, theta=case2_theta), z
            )
            rows += tightness_rows(n, b)
        rows += t_decreases_rows(n, b_values, seed, epsilon, delta, beta=case2_beta, theta=case2_theta)
        rho, _, _ = study_start(seed, n)
        rows += remark1a_rows(n, rho, case2_theta, betas, max(b_values))
    return rows


PAPER_BETAS = (0.0, 0.005, 0.05, 0.1, 0.2, 0.5, 0.9)  # Figure 2's attack probabilities


def statement_rows(spec: dict) -> list[CheckRow]:
    """The theorems study's cell for Theorem 3.1 (relu_lib.paper_a.statements.trainer): `theorem_study_rows` with the
    cell's runs, seed, ε, δ and z, Remark 1(a) at the paper's settings (N(0, I_500), ‖w*‖² = 500, b = 16, θ* = 2,
    Figure 2's β, the experiments' η = 0.01: outside the theorem's step, said in the rows' regime) and the
    tightness row there."""
    rows = theorem_study_rows(
        runs=int(spec["runs"]),
        seed=int(spec["master_seed"]),
        epsilon=float(spec["epsilon"]),
        delta=float(spec["delta"]),
        z=float(spec["z"]),
    )
    rows += remark1a_rows(500, math.sqrt(500), 2.0, PAPER_BETAS, 16, eta=0.01)
    rows += tightness_rows(500, 16)
    return rows


def tightness_curves(n_values=(5, 10, 20, 50, 100, 200, 500), b_values=(1, 4, 16, 64, 256)):
    """`tightness` over a grid of n and b (N(0, I_n), realizable), one row each (a pandas DataFrame)."""
    import pandas as pd

    return pd.DataFrame([dataclasses.asdict(tightness(n, b)) for b in b_values for n in n_values])


def plot_tightness(ax, curves) -> None:
    """How far the theorem's step is from the exact one: per b, against n, the largest contracting step over the
    theorem's (solid) and the theorem's T over the exact T at the exact recursion's best step (dashed)."""
    for k, (b, group) in enumerate(curves.groupby("b")):
        colour = f"C{k}"
        ax.loglog(group["n"], group["step_ratio"], "-o", color=colour, ms=3, label=f"b = {b}: η_max / η (theorem)")
        ax.loglog(
            group["n"], group["best_ratio"], "--", color=colour, label=f"b = {b}: T (theorem) / T (exact, best η)"
        )
    paper = curves[(curves["n"] == 500) & (curves["b"] == 16)]
    if not paper.empty:
        ax.plot(paper["n"], paper["step_ratio"], "k*", ms=10, label="the paper's n = 500, b = 16")
    ax.set_xlabel("n (inputs N(0, I_n), realizable)")
    ax.set_ylabel("factor (derived: exact recursion vs Remark 1(e))")
    ax.legend(fontsize=7, ncol=2)


# ---------------------------------------------------------------------------------------------- the paper's cells


def outside_rows(
    spec, final_error_mean: float, final_error_se: float, runs: int, initial_sq: float, epsilon: float, delta: float
) -> list[CheckRow]:
    """Theorem 3.1 at a cell of the paper's figures (CellSpec; N(0, σ²I_n), the paper's η = 0.01): `not_applicable`
    rows (the step is far above the theorem's) that still carry the bound, the observation and their ratio.

    ‖w*‖ is taken as w_star_scale √n (w* ~ N(0, scale² I_n): E‖w*‖² = n scale²); `initial_sq` is the cells'
    mean ‖w_1 − w*‖², `final_error_mean` (± `final_error_se`, from `runs` runs) the mean ‖w_t − w*‖ at its last
    iteration. Case I (no attack, θ* = 0; with θ* > 0 and β = 0 the proof's Case I argument with λ1(θ*)): T
    against the iterations run, and the ε guaranteed after them at the theorem's step against the observed error.
    Case II: the floor ε = sqrt(ε²δ/δ) of eq. (2) at δ against the observed error."""
    fields = {
        "paper": "A",
        "experiment": spec.experiment,
        "cell": spec.cell_id(),
        "run": "alg2",
        "source": "paper",
        "replicates": runs,
    }

    def against_final(check, statement, reason, bound, quantity, extra):
        """A not-applicable row that still carries the bound, the cell's final mean error and their ratio."""
        return not_applicable(
            reason,
            check=check,
            statement=statement,
            regime=reason,
            predicted=bound,
            observed=final_error_mean,
            observed_se=final_error_se,
            step=float(spec.iterations),
            ratio=bound / final_error_mean if final_error_mean > 0 else math.nan,
            quantity=quantity,
            extra=extra,
            **fields,
        )

    if spec.law["family"] != "normal":
        return [
            not_applicable(
                "Definition 1's constants of a non-Gaussian law need Monte Carlo "
                "(definition1.monte_carlo); not computed per cell",
                check=CHECK_FLOOR,
                statement=STATEMENT_II if spec.attacked else STATEMENT_I,
                regime="constants not computed",
                **fields,
            )
        ]
    sigma, n = float(spec.law["sigma"]), spec.n
    rho = spec.w_star_scale * math.sqrt(n)
    consts = definition1.gaussian(n, rho, spec.theta, spec.beta if spec.attacked else 0.0, spec.beta_threshold, sigma)
    rows = []
    if not spec.attacked:
        at_theta = spec.theta > 0
        case = case1(consts, spec.b, at_theta=at_theta)
        ratio = spec.eta / case.eta
        reason = (
            f"η = {spec.eta:g} is {ratio:.0f}× the theorem's step {case.eta:.2g} (Remark 1(e), δ0 = {case.delta0:g})"
        )
        if at_theta:
            reason += f"; θ* = {spec.theta:g} > 0 without attack: Case I's argument with λ1(θ*) = {case.lambda1:.3g}"
        T = case.T(initial_sq, epsilon, delta)
        statement = STATEMENT_I
        rows.append(
            not_applicable(
                reason,
                check=CHECK_T,
                statement=statement,
                regime=reason,
                predicted=T,
                observed=float(spec.iterations),
                ratio=T / spec.iterations,
                step=float(spec.iterations),
                quantity=f"T for P[||w_T − w*||² ≤ ε²] ≥ 1 − δ, ε = {epsilon:g}, δ = {delta:g}, "
                "against the iterations run",
                extra={"eta_theorem": case.eta, "alpha": case.alpha},
                **fields,
            )
        )
        rows.append(
            against_final(
                CHECK_EPS,
                statement,
                reason,
                case.epsilon_after(initial_sq, spec.iterations, delta),
                f"ε guaranteed w.p. 1 − δ after the run's iterations at the theorem's step, δ = {delta:g}, "
                "against the mean ||w_t − w*||",
                {"eta_theorem": case.eta, "alpha": case.alpha},
            )
        )
        return rows
    case = case2(consts, spec.b)
    largest = case.largest_eta
    reason = (
        f"η = {spec.eta:g} is {spec.eta / largest:.0f}× the theorem's largest step {largest:.2g} "
        f"(b′1/c′1, K = 1/λ1(θ*), any ε, δ)"
    )
    if case.floor_sq >= initial_sq:
        reason += f"; the floor ε²δ = {case.floor_sq:.3g} is not below ||w_1 − w*||² = {initial_sq:.3g}"
    rows.append(
        against_final(
            CHECK_FLOOR,
            STATEMENT_II,
            reason,
            case.floor_epsilon(delta),
            f"floor ε at δ = {delta:g} (eq. 2, K = 1/λ1(θ*)) against the mean ||w_t − w*||",
            {
                "floor_eps_sqrt_delta": case.floor_eps_sqrt_delta,
                "lambda1_theta": case.lambda1,
                "beta1": case.beta1,
                "largest_eta": largest,
            },
        )
    )
    return rows
