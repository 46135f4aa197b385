"""Paper A (Karmakar & Mukherjee): Tron and SGD on a ReLU gate with streaming, possibly poisoned labels.

Stages, in data-flow order: grid (config -> cells), laws and adversaries (the inputs and the
attack), update_rule (the readable reference step), trainer (one cell, every seed), theory,
cost, summary, checks (verdict rows and theory curves), figures.
"""
