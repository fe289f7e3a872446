"""Claimant profile texts: some are in other languages."""

from __future__ import annotations


def test_some_profiles_are_not_german(big7) -> None:  # type: ignore[no-untyped-def]
    texts = [c.profile_text for c in big7.claimants]
    english = sum(t.startswith("Looking for") for t in texts) / len(texts)
    markers = ("iş arıyorum", "Szukam pracy", "Shukayu robotu", "Abhath 'an")
    other = sum(any(m in t for m in markers) for t in texts) / len(texts)
    assert 0.02 < english < 0.07
    assert 0.01 < other < 0.04
    assert 0.5 < sum(bool(c.desired_kldb) for c in big7.claimants) / len(texts) < 0.7
