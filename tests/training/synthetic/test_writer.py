"""Writing a region: the same seed gives the same bytes; the files round-trip through the codec."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from matcher.codec import claimant_from_row, outcome_from_row, proposal_from_row, vacancy_from_row
from training.synthetic import generate_region, write_region


def test_same_seed_gives_identical_bytes(small, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, first = small
    write_region(generate_region(7, 400, 300, placements=1500), tmp_path)
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in tmp_path.iterdir())
    assert {"claimants.csv", "vacancies.csv", "outcomes.csv", "proposals.csv", "truth.json"} <= set(names)
    assert not [n for n in names if n.endswith(".tmp")]
    for name in names:
        assert (first / name).read_bytes() == (tmp_path / name).read_bytes(), name


def test_files_round_trip_through_the_codec(small) -> None:  # type: ignore[no-untyped-def]
    region, out = small
    raw = (out / "claimants.csv").read_bytes()
    assert b"\r\n" not in raw
    with (out / "claimants.csv").open(encoding="utf-8", newline="") as f:
        parsed = [claimant_from_row(r) for r in csv.DictReader(f)]
    by_id = {c.id: (c, p) for c, p in zip(region.claimants, region.protected, strict=True)}
    assert len(parsed) == len(region.claimants)
    for c, p in parsed:
        assert (c, p) == by_id[c.id]
    with (out / "vacancies.csv").open(encoding="utf-8", newline="") as f:
        vacancies = {v.id: v for v in (vacancy_from_row(r) for r in csv.DictReader(f))}
    assert vacancies == {v.id: v for v in region.vacancies}
    with (out / "outcomes.csv").open(encoding="utf-8", newline="") as f:
        outcomes = [outcome_from_row(r) for r in csv.DictReader(f)]
    assert len(outcomes) == 1500
    assert outcomes[0].claimant_snapshot["id"] == outcomes[0].claimant_id
    assert outcomes[0].vacancy_snapshot["id"] == outcomes[0].vacancy_id
    with (out / "proposals.csv").open(encoding="utf-8", newline="") as f:
        proposals = [proposal_from_row(r) for r in csv.DictReader(f)]
    assert proposals == sorted(region.proposals, key=lambda p: p.id)
    doc = json.loads((out / "truth.json").read_text(encoding="utf-8"))
    assert doc["seed"] == 7 and doc["generator_version"] and "share_employed_12m" in doc["realised"]
