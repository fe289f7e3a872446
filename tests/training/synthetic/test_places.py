"""The places of the synthetic region are real postcodes."""

from __future__ import annotations

from pathlib import Path

import pytest

from training.synthetic.places import HOME_PLACES, PLACES

GEONAMES = Path(__file__).resolve().parents[4] / "shared" / "data" / "geo" / "geonames_postal_DE.txt"


@pytest.mark.skipif(not GEONAMES.exists(), reason="GeoNames file not available")
def test_every_postcode_is_real(small) -> None:  # type: ignore[no-untyped-def]
    region, _ = small
    known: dict[str, list[tuple[float, float]]] = {}
    with GEONAMES.open(encoding="utf-8") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            known.setdefault(cols[1], []).append((float(cols[9]), float(cols[10])))
    for p in PLACES:
        assert p.postcode in known, p
        assert min(abs(p.lat - a) + abs(p.lon - b) for a, b in known[p.postcode]) < 0.02, p
    used = {c.postcode for c in region.claimants} | {v.postcode for v in region.vacancies}
    assert used <= set(known)
    assert {c.postcode for c in region.claimants} <= {p.postcode for p in HOME_PLACES}
