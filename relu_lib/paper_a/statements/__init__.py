"""Paper A's stated results checked one by one (the theorems study): Theorem 3.1 and Remark 1, the worked examples
of Remark 1(f), §3.2's near-optimality and §2's GLM-Tron theorems."""
