"""The key figures follow what the case managers do through the API: lists shown by
GET /claimants/{id}/suggestions and proposals confirmed by POST /suggestions/{id}/feedback (the
lookups and proposals use cases, stamped with today's date) are counted in today's month."""

from __future__ import annotations

import statistics
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient

from tests.api.test_kennzahlen_api import kz_app


def test_lists_shown_and_proposals_confirmed_today_count_in_todays_month(
    api_region_dir: Path, tmp_path: Path
) -> None:
    _, stored, app, tokens = kz_app(api_region_dir, tmp_path / "data")
    cm = {"Authorization": f"Bearer {tokens['cm']}"}
    admin = {"Authorization": f"Bearer {tokens['admin']}"}
    today = date.today()
    month = today.strftime("%Y-%m")
    ids = sorted(c.id for c in stored.region.claimants if c.jobcenter == "JC-GOE")[:6]
    activated = {c.id: c.activated for c in stored.store.list_claimants(active_only=False) if c.id in ids}
    try:
        with TestClient(app) as client:
            shown = 0
            for cid in ids:
                r = client.get(f"/claimants/{cid}/suggestions", params={"k": 3}, headers=cm)
                assert r.status_code == 200, r.text
                items = r.json()["suggestions"]
                shown += len(items)
                fb = client.post(f"/suggestions/{items[0]['suggestion_id']}/feedback", headers=cm,
                                 json={"action": "proposed", "confirmed_by": "test-cm"})  # fmt: skip
                assert fb.status_code == 201, fb.text
            params = {
                "from": today.replace(day=1).isoformat(),
                "to": today.isoformat(),
                "jobcenter": "JC-GOE",
            }
            body = client.get("/kennzahlen", params=params, headers=admin).json()
    finally:
        stored.store.close()
    jc = next(u for u in body["units"] if u["level"] == "jobcenter")
    (row,) = [m for m in jc["months"] if m["month"] == month]
    assert row["proposals"] == 6 and row["hires"] == "< 5" and row["first_proposals"] == 6
    # From each claimant's activation to today's proposal (they had none before).
    assert None not in activated.values()
    assert row["days_to_first_proposal"] == statistics.median((today - d).days for d in activated.values())
    (lists,) = [m for m in jc["shown_lists"]["months"] if m["month"] == month]
    assert lists["lists"] == 6 and lists["suggestions"] == shown
    # Not resolved yet: the hire window and the 12 months are ahead.
    assert jc["forecast"]["pending"] == 6
