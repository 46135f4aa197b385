"""Paper A's heavy-tail study (the authors' note arXiv 2204.12554; figures A6 and A6_conjecture, docs/tails.md):
Algorithm 2 and S.G.D. at fractions of their own stability edges. Predictions (derived here): transfer (Algorithm 2's
Kesten index from the transfer operator of its affine recursion), theory (S.G.D.'s far-field map), prediction (both,
in one place), conjecture (the derived table); the experiment: grid, trainer (the projected sampler and the model),
model (the two-coordinate recursions), cost; estimation and verdicts: estimators, growth, summary, checks; figures."""
