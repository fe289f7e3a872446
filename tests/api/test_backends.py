"""The app over each database backend (SQLite file, PostgreSQL): start-up from the settings'
``database_url`` alone (the app opens the store itself), a lookup with its audit row, a vacancy
change reaching the index, feedback, and an erasure."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from api.app import create_app
from tests.api.conftest import JC_A, make_tokens, seed_store, trigram_encoder
from tests.api.test_vacancies import NEW


def test_app_on_each_backend(db_url: str, tmp_path: Path) -> None:
    settings, store, claimants, _ = seed_store(tmp_path, database_url=db_url)
    tokens, _ = make_tokens(store)
    store.close()
    h = {"Authorization": f"Bearer {tokens['lead']}"}
    with TestClient(create_app(settings, encoder=trigram_encoder(tmp_path))) as client:
        cid = sorted(c.id for c in claimants if c.jobcenter == JC_A)[0]
        r = client.get(f"/claimants/{cid}/suggestions?k=5", headers=h)
        assert r.status_code == 200 and len(r.json()["suggestions"]) >= 1
        sid = r.json()["suggestions"][0]["suggestion_id"]
        admin = {"Authorization": f"Bearer {tokens['admin']}"}
        assert client.post("/vacancies", json=NEW, headers=admin).status_code == 201
        assert client.get(f"/vacancies/{NEW['id']}/candidates?k=3", headers=h).status_code == 200
        r = client.post(
            f"/suggestions/{sid}/feedback",
            json={"action": "proposed", "confirmed_by": "Herr Kaya"},
            headers=h,
        )
        assert r.status_code == 201
        r = client.delete(f"/claimants/{cid}", headers=h)
        assert r.status_code == 200 and r.json()["rows_deleted"]["suggestion_actions"] == 1
        assert client.get(f"/claimants/{cid}", headers=h).status_code == 404
        rt = client.app.state.runtime  # type: ignore[attr-defined]
        actions = [e.action for e in rt.store.list_audit()]
        assert actions == ["suggestions", "vacancy.create", "candidates", "feedback", "claimant.erase"]
        assert client.get("/health").json()["status"] == "ok"
