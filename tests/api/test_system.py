"""/health, /metrics, /models and the store going away: 503 with a reason, and back by itself."""

from __future__ import annotations

import sqlalchemy as sa

from matcher.index import current_version
from models.bundle import current_path
from tests.api.conftest import JC_A, ApiEnv


def test_health_models_and_metrics(api_ro: ApiEnv) -> None:
    rt = api_ro.client.app.state.runtime  # type: ignore[attr-defined]
    health = api_ro.client.get("/health")
    assert health.status_code == 200
    assert health.json() == {
        "status": "ok", "store": True, "reason": None, "index_version": rt.service.index.version,
        "model_version": rt.service.scorer.model_version, "vacancies": 60,
    }  # fmt: skip
    models = api_ro.client.get("/models", headers=api_ro.headers("batch")).json()
    current = current_path(api_ro.settings.layout.scorer_bundles)
    assert current is not None
    assert models["scorer_current"] == current.name == models["model_version"]
    assert models["scorer_bundles"] == [current.name]
    assert models["index_version"] == current_version(api_ro.settings.layout.vacancy_index)
    assert (models["embedder_id"], models["index_kind"], models["vacancies"]) == ("trigram-64", "exact", 60)
    # Issue 16, defect 10: only the caller's Jobcenter's claimants are counted.
    for who, jc in (("batch", JC_A), ("cm", JC_A), ("cm_oha", "JC-OHA")):
        counted = api_ro.client.get("/models", headers=api_ro.headers(who)).json()["claimants_indexed"]
        assert counted == sum(1 for c in api_ro.claimants if c.jobcenter == jc and c.active) > 0, who
    assert sum(1 for c in api_ro.claimants if c.active) == 40
    cid = api_ro.ids(JC_A)[0]
    api_ro.client.get(f"/claimants/{cid}/suggestions?k=3", headers=api_ro.headers("cm"))
    api_ro.client.get("/claimants/K-nope", headers=api_ro.headers("cm"))
    text = api_ro.client.get("/metrics").text
    assert (
        'passgenau_http_requests_total{method="GET",route="/claimants/{claimant_id}/suggestions",status="200"}'
        in text
    )
    assert 'route="/claimants/{claimant_id}",status="404"' in text
    assert "passgenau_http_request_seconds_bucket" in text
    # No pseudonym (or other path value) ever becomes a label.
    assert cid not in text and "K-nope" not in text


def test_store_unavailable_is_503_with_a_reason_and_heals(api: ApiEnv) -> None:
    store = api.store
    good = store._engine
    cid = api.ids(JC_A)[0]
    store._engine = sa.create_engine("sqlite:////nonexistent-dir/passgenau.db")
    try:
        r = api.client.get("/health")
        assert r.status_code == 503 and r.json()["status"] == "unavailable" and r.json()["store"] is False
        assert "unavailable" in r.json()["reason"]
        for path in (f"/claimants/{cid}/suggestions", f"/claimants/{cid}", "/me"):
            r = api.client.get(path, headers=api.headers("cm"))
            assert r.status_code == 503, path
            detail = r.json()["detail"]
            assert detail.startswith("store unavailable: database sqlite:") and "unable to open" in detail
    finally:
        store._engine = good
    assert api.client.get("/health").status_code == 200
    assert api.client.get(f"/claimants/{cid}/suggestions", headers=api.headers("cm")).status_code == 200


def test_openapi_documents_every_endpoint(api_ro: ApiEnv) -> None:
    doc = api_ro.client.get("/openapi.json").json()
    paths = {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops}
    assert paths >= {
        ("GET", "/me"), ("GET", "/claimants"), ("POST", "/claimants"), ("GET", "/claimants/{claimant_id}"),
        ("PUT", "/claimants/{claimant_id}"), ("DELETE", "/claimants/{claimant_id}"),
        ("GET", "/claimants/{claimant_id}/suggestions"), ("POST", "/match"), ("GET", "/vacancies/{vacancy_id}"),
        ("POST", "/vacancies"), ("PUT", "/vacancies/{vacancy_id}"), ("DELETE", "/vacancies/{vacancy_id}"),
        ("GET", "/vacancies/{vacancy_id}/candidates"), ("POST", "/suggestions/{suggestion_id}/feedback"),
        ("POST", "/outcomes"), ("GET", "/models"), ("GET", "/health"),
    }  # fmt: skip
    assert doc["components"]["securitySchemes"]["HTTPBearer"]["type"] == "http"


def test_oversized_and_odd_requests_get_4xx(api_ro: ApiEnv) -> None:
    h = api_ro.headers("cm")
    r = api_ro.client.post(
        "/claimants", content=b"{" + b" " * 300_000 + b"}", headers={**h, "Content-Type": "application/json"}
    )
    assert r.status_code == 413
    odd = [
        ("GET", "/claimants/%00"), ("GET", "/claimants/ä"), ("GET", "/claimants/" + "k" * 65 + "/suggestions"),
        ("GET", "/claimants/K-000003/suggestions?k=1e3"), ("POST", "/suggestions/1-1/feedback"),
        ("GET", "/vacancies/..%2F..%2Fetc"), ("PUT", "/vacancies/V-000001"), ("POST", "/match"),
    ]  # fmt: skip
    for method, path in odd:
        r = api_ro.client.request(
            method, path, headers={**h, "Content-Type": "application/json"}, content=b"[]"
        )
        assert 400 <= r.status_code < 500, (method, path, r.status_code, r.text)


def test_a_body_that_is_not_utf8_is_a_422_at_body(api_ro: ApiEnv) -> None:
    h = {**api_ro.headers("cm"), "Content-Type": "application/json"}
    r = api_ro.client.post("/claimants", content=b"\xff\xfe{", headers=h)
    assert (r.status_code, r.json()["detail"][0]["loc"]) == (422, ["body"])
    # Other HTTP errors keep FastAPI's answer (an unknown path, a wrong method).
    assert api_ro.client.get("/nirgends", headers=h).status_code == 404
    assert api_ro.client.patch("/me", headers=h).status_code == 405
