"""``match_depth_each`` (a vacancy against many claimants' codes at once, reverse matching) is
``match_depth`` claimant by claimant."""

from __future__ import annotations

import random

import numpy as np

from matcher.occupation import match_depth, match_depth_each, vacancy_digits


def test_match_depth_each_is_match_depth_per_claimant() -> None:
    rnd = random.Random(4)
    codes = ["".join(rnd.choice("1234") for _ in range(5)) for _ in range(40)]
    claimants = [rnd.sample(codes, rnd.randint(0, 4)) for _ in range(300)]
    for vacancy in [codes[0], codes[7], "12341", None]:
        digits = vacancy_digits([vacancy])
        each = match_depth_each(claimants, digits)
        one = np.array([match_depth(c, digits)[0] for c in claimants], dtype=np.int8)
        assert each.dtype == np.int8 and np.array_equal(each, one)
        assert (each.max() == 5) == (vacancy in claimants[0] or any(vacancy in c for c in claimants))
    assert match_depth_each([], vacancy_digits(["12345"])).shape == (0,)
