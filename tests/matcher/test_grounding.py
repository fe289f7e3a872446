"""Stored groundings (``matcher.grounding``): computed once per claimant and wish list, read back
without asking the grounder, grounded again when the wishes change, removed on erasure, and kept
apart per grounder key."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from matcher.catalog import ClaimantCatalog
from matcher.geo import load_directory
from matcher.grounding import GroundedCodes, forget_everywhere, wishes_key
from tests.factories import make_claimant


class CountingGrounder:
    """Grounds "Verkäufer…" to 62102 and "Lager…" to 51312; counts the texts it was asked."""

    def __init__(self, key: str = "g1") -> None:
        self.key = key
        self.asked: list[str] = []

    def codes_for(self, titles: Sequence[str]) -> list[str]:
        self.asked.extend(titles)
        out = set()
        for t in titles:
            if t.lower().startswith("verk"):
                out.add("62102")
            if t.lower().startswith("lager"):
                out.add("51312")
        return sorted(out)


def _claimants() -> list:
    return [
        make_claimant(id="K1", desired_occupations=("Verkäuferin",), desired_kldb=(), experience=()),
        make_claimant(id="K2", desired_occupations=("Lagerhelfer", "Verkauf"), desired_kldb=("25212",)),
        make_claimant(id="K3", desired_occupations=(), desired_kldb=(), experience=()),
    ]


def test_grounded_once_then_read_back_without_the_grounder(tmp_path: Path) -> None:
    cs = _claimants()
    first = CountingGrounder()
    codes = GroundedCodes(tmp_path, first).codes_of(cs)
    expected_k2 = tuple(sorted({"25212", "51312", "62102", *(k for k, _ in cs[1].experience)}))
    assert codes == [("62102",), expected_k2, tuple(sorted({k for k, _ in cs[2].experience}))]
    assert first.asked == ["Verkäuferin", "Lagerhelfer", "Verkauf"]  # K3 has no wish to ground
    stored = json.loads((tmp_path / "g1.json").read_text(encoding="utf-8"))
    assert stored["claimants"]["K1"] == {"wishes": wishes_key(cs[0]), "codes": ["62102"]}

    # A new process (a fresh instance) reads them: the grounder is not asked again.
    again = CountingGrounder()
    assert GroundedCodes(tmp_path, again).codes_of(cs) == codes
    assert again.asked == []
    assert GroundedCodes(tmp_path, again).refresh(cs) == 0


def test_changed_wishes_are_grounded_again_and_another_grounder_keeps_its_own_file(tmp_path: Path) -> None:
    cs = _claimants()
    GroundedCodes(tmp_path, CountingGrounder()).codes_of(cs)
    changed = dataclasses.replace(cs[0], desired_occupations=("Lagerarbeiterin",))
    g = CountingGrounder()
    assert GroundedCodes(tmp_path, g).codes_of([changed]) == [("51312",)]
    assert g.asked == ["Lagerarbeiterin"]  # the stored 62102 was for other wishes: not used

    other = CountingGrounder(key="g2")
    GroundedCodes(tmp_path, other).codes_of(cs[:1])
    assert other.asked == ["Verkäuferin"]  # another model or title list: its own answers
    assert sorted(p.name for p in tmp_path.glob("*.json")) == ["g1.json", "g2.json"]


def test_erasure_removes_the_claimant_from_every_grounders_file(tmp_path: Path) -> None:
    cs = _claimants()
    GroundedCodes(tmp_path, CountingGrounder("g1")).codes_of(cs)
    GroundedCodes(tmp_path, CountingGrounder("g2")).codes_of(cs[:2])
    assert forget_everywhere(tmp_path, ["K1", "K-none"]) == 2
    for name in ("g1.json", "g2.json"):
        text = (tmp_path / name).read_text(encoding="utf-8")
        assert '"K1"' not in text and '"K2"' in text
    assert forget_everywhere(tmp_path / "missing", ["K2"]) == 0
    assert GroundedCodes(tmp_path, CountingGrounder("g1")).forget(["K2", "K3"]) == 2


def test_a_damaged_file_is_grounded_again(tmp_path: Path) -> None:
    (tmp_path / "g1.json").write_text("{not json", encoding="utf-8")
    g = CountingGrounder()
    assert GroundedCodes(tmp_path, g).codes_of(_claimants()[:1]) == [("62102",)]
    assert g.asked == ["Verkäuferin"]
    assert json.loads((tmp_path / "g1.json").read_text(encoding="utf-8"))["format"] == 1


def test_the_catalog_keeps_codes_aligned_when_taken_apart() -> None:
    cs = _claimants()
    geo = load_directory()
    vectors = np.eye(3, 4, dtype=np.float32)
    cat = ClaimantCatalog.build(cs, vectors, geo, codes=[("1",), ("2",), ("3",)])
    part = cat.take([2, 0], geo)
    assert [c.id for c in part.claimants] == ["K3", "K1"] and part.codes == (("3",), ("1",))
    assert np.array_equal(part.vectors, vectors[[2, 0]])
    assert cat.take([], geo).vectors.shape == (0, 4)
