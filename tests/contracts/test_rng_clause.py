"""flip_labels' "uses the rng" clause: a right answer never fails it by chance, an answer that ignores the rng does.

With one other rng state the clause failed a right answer on 6 labels with 2 to change once in 15 (the two
states picked the same rows by chance): an honest learner lost 2 points on 6 % of such calls. It now asks
that *any* of eight other states gives another result.
"""

import numpy as np

from nnlib.contracts import lesson06
from nnlib.security.poisoning import flip_labels

SMALL = np.zeros(6, dtype=np.int64)  # 2 of 6 labels change: 15 possible results


def test_a_right_answer_never_fails_by_chance():
    for seed in range(1000):
        got = flip_labels(SMALL.copy(), 0.25, 2, np.random.default_rng(seed))
        args = (SMALL, 0.25, 2, np.random.default_rng(10_000 + seed))
        assert lesson06._uses_the_rng(args, {}, got, None, flip_labels) is None, seed


def test_an_answer_that_ignores_the_rng_fails():
    def fixed(y, rate, k, rng):
        return flip_labels(y, rate, k, np.random.default_rng(0))

    got = fixed(SMALL.copy(), 0.25, 2, None)
    problem = lesson06._uses_the_rng((SMALL, 0.25, 2, np.random.default_rng(1)), {}, got, None, fixed)
    assert problem and "same result for 9 different rng states" in problem
