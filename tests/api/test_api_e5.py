"""The API end to end with the real German embedding model (multilingual-e5-small, built offline
into the data dir on first use; set PASSGENAU_TEST_MODEL_CACHE to reuse a build): the app loads
everything itself from the settings, and a lookup, an ad-hoc match, a new vacancy and the replay
of a logged list go through the real vectors."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from matcher.bootstrap import Services
from matcher.settings import Settings
from matcher.usecases.replay import replay
from tests.api.conftest import JC_A, make_tokens, seed_store
from tests.api.test_vacancies import NEW

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def e5_app(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Settings, TestClient, dict[str, str], list[str]]]:
    data_dir = tmp_path_factory.mktemp("api-e5")
    cache = os.environ.get("PASSGENAU_TEST_MODEL_CACHE")
    if cache and (Path(cache) / "models").is_dir():
        (data_dir / "models").mkdir()
        for entry in (Path(cache) / "models").iterdir():
            if entry.name != "scorer":
                (data_dir / "models" / entry.name).symlink_to(entry)
    settings, store, claimants, _ = seed_store(data_dir, claimants=30, vacancies=50, embedder_id="e5")
    tokens, _ = make_tokens(store)
    store.close()
    ids = sorted(c.id for c in claimants if c.jobcenter == JC_A)
    with TestClient(create_app(settings)) as client:
        yield settings, client, tokens, ids


def test_lookups_with_e5(e5_app: tuple[Settings, TestClient, dict[str, str], list[str]]) -> None:
    settings, client, tokens, ids = e5_app
    h = {"Authorization": f"Bearer {tokens['cm']}"}
    full = None
    for cid in ids:
        body = client.get(f"/claimants/{cid}/suggestions?k=5", headers=h).json()
        if len(body["suggestions"]) == 5:
            full = body
            break
    assert full is not None
    assert full["embedder_id"].startswith("multilingual-e5-small@")
    assert all(0.5 < s["similarity"] <= 1.0 and s["reasons"] for s in full["suggestions"])
    profile = {"id": "adhoc", "team": "T", "case_manager": "fm-1", "postcode": "37083", "skill_level": 2,
               "german_level": "C1", "available_hours": 38, "shifts_ok": True,
               "desired_occupations": ["Verkäuferin im Einzelhandel"], "profile_text": "Verkauf, Kasse, Beratung"}  # fmt: skip
    admin = {"Authorization": f"Bearer {tokens['admin']}"}

    def adhoc() -> dict[str, dict[str, float]]:
        r = client.post("/match", json={"profile": profile, "k": 100}, headers=h)
        assert r.status_code == 200
        return {s["vacancy_id"]: s for s in r.json()["suggestions"]}

    assert NEW["id"] not in adhoc()
    assert client.post("/vacancies", json=NEW, headers=admin).status_code == 201
    # Findable at once, and among the closest texts to a sales profile (e5's cosines are compressed:
    # 0.81-0.89 over this region's eligible vacancies).
    after = adhoc()
    assert after[NEW["id"]]["similarity"] > 0.87
    assert sorted(s["similarity"] for s in after.values())[-3] <= after[NEW["id"]]["similarity"]
    rt = client.app.state.runtime  # type: ignore[attr-defined]
    result = replay(
        Services(settings, store=rt.store, encoder=Services(settings).encoder()), full["audit_id"]
    )
    assert result.identical and len(result.replayed) == 5
