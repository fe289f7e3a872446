from __future__ import annotations

from matcher.occupation import match_depth, vacancy_digits


def test_match_depth_is_longest_common_prefix_with_any_code() -> None:
    vd = vacancy_digits(["51311", "51312", "51322", "51422", "52122", "82101", None])
    assert match_depth(["51311"], vd).tolist() == [5, 4, 3, 2, 1, 0, 0]
    assert match_depth(["51311", "82102"], vd).tolist() == [5, 4, 3, 2, 1, 4, 0]
    assert match_depth([], vd).tolist() == [0] * 7
