"""Paper A's follow-up: the heavy-tail index of the late iterates (figure A6), with the same stage names as
paper A: theory (the Kesten prediction), estimators (Hill and a cross-check), and the experiment's stages."""
