"""Paper B (Soltanolkotabi): projected gradient descent from zero on Gaussian inputs.

Stages, in data-flow order: grid (config -> cells), projections, pgd (the algorithm), theory
(n0 and the first-step maths), trainer (one cell, every trial), cost, summary, c_table, checks,
figures.
"""
