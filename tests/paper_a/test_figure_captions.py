"""The small print under paper A's figures says what is drawn: the exact curve only where there is one."""

import pandas as pd

from relu_lib.paper_a.figures import _footnote

SUMMARY = pd.DataFrame({"runs": [64], "sampler": ["projected"], "n": [500]})


def test_algorithm_2_figures_name_the_exact_curve():
    assert "black: exact sqrt(E||Δ_t||²)" in _footnote(SUMMARY, algorithm="alg2")


def test_sgd_figures_claim_no_exact_curve():
    text = _footnote(SUMMARY, algorithm="sgd")
    assert "black" not in text and "no exact theory for S.G.D." in text
