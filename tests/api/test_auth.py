"""Tokens and roles: 401 for a missing, unknown, malformed or revoked token; 403 for a role
without the right, on every endpoint that needs one."""

from __future__ import annotations

import pytest

from api.auth import RIGHTS, Right, Role, hash_token
from tests.api.conftest import JC_A, ApiEnv

CID = "K-000003"  # a JC-GOE claimant of the seeded region
VID = "V-000001"

# (method, path, right) of every endpoint that needs a token.
ENDPOINTS = [
    ("GET", "/claimants", Right.READ_CLAIMANTS),
    ("POST", "/claimants", Right.WRITE_CLAIMANTS),
    ("GET", f"/claimants/{CID}", Right.READ_CLAIMANTS),
    ("PUT", f"/claimants/{CID}", Right.WRITE_CLAIMANTS),
    ("DELETE", f"/claimants/{CID}", Right.ERASE_CLAIMANTS),
    ("GET", f"/claimants/{CID}/suggestions", Right.MATCH),
    ("POST", "/match", Right.MATCH),
    ("GET", f"/vacancies/{VID}", Right.READ_VACANCIES),
    ("POST", "/vacancies", Right.WRITE_VACANCIES),
    ("PUT", f"/vacancies/{VID}", Right.WRITE_VACANCIES),
    ("DELETE", f"/vacancies/{VID}", Right.WRITE_VACANCIES),
    ("GET", f"/vacancies/{VID}/candidates", Right.MATCH),
    ("POST", "/suggestions/1-1/feedback", Right.FEEDBACK),
    ("POST", "/outcomes", Right.OUTCOMES),
    ("GET", "/models", Right.READ_MODELS),
    ("GET", f"/claimants/{CID}/auskunft", Right.SUBJECT_ACCESS),
    ("GET", "/suggestions/1-1/notice", Right.FEEDBACK),
    ("GET", f"/claimants/{CID}/notices", Right.FEEDBACK),
]
ROLE_OF = {"cm": Role.CASE_MANAGER, "lead": Role.TEAM_LEAD, "admin": Role.ADMIN, "batch": Role.BATCH}


@pytest.mark.parametrize("method,path,right", [*ENDPOINTS, ("GET", "/me", None)])
def test_every_endpoint_needs_a_valid_token(
    api_ro: ApiEnv, method: str, path: str, right: Right | None
) -> None:
    bad = [
        {},
        {"Authorization": "Bearer "},
        {"Authorization": "Bearer pg_not-a-token"},
        {"Authorization": f"Basic {api_ro.tokens['cm']}"},
        {"Authorization": "Bearer " + "x" * 300},
        api_ro.headers("revoked"),
    ]
    for headers in bad:
        r = api_ro.client.request(method, path, headers=headers, json={})
        assert r.status_code == 401, (headers, r.text)
        assert r.headers["www-authenticate"] == "Bearer"
        assert isinstance(r.json()["detail"], str)


@pytest.mark.parametrize("method,path,right", ENDPOINTS)
def test_roles_without_the_right_get_403(api_ro: ApiEnv, method: str, path: str, right: Right) -> None:
    for who, role in ROLE_OF.items():
        if right in RIGHTS[role]:
            continue
        r = api_ro.client.request(method, path, headers=api_ro.headers(who), json={})
        assert r.status_code == 403, (who, r.text)
        assert role.value in r.json()["detail"]


def test_me_names_the_token(api_ro: ApiEnv) -> None:
    for who, role in ROLE_OF.items():
        r = api_ro.client.get("/me", headers=api_ro.headers(who))
        assert r.json() == {"name": f"test-{who}", "role": role.value, "jobcenter": JC_A}


def test_only_a_hash_of_the_secret_is_stored(api_ro: ApiEnv) -> None:
    stored = {t.id: t.token_hash for t in api_ro.store.list_tokens()}
    for who, secret in api_ro.tokens.items():
        h = stored[api_ro.token_ids[who]]
        assert h == hash_token(secret) and secret not in h and len(h) == 64


def test_health_and_metrics_need_no_token(api_ro: ApiEnv) -> None:
    assert api_ro.client.get("/health").status_code == 200
    assert api_ro.client.get("/metrics").status_code == 200


def test_a_known_token_is_not_read_again(api: ApiEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    """The principal of a token seen before comes from the cache: no token row is read."""
    reads: list[str] = []
    real = api.store.token_by_hash
    monkeypatch.setattr(api.store, "token_by_hash", lambda h: reads.append(h) or real(h))
    assert api.client.get("/me", headers=api.headers("cm")).status_code == 200
    assert len(reads) == 1
    assert api.client.get(f"/claimants/{CID}/suggestions?k=3", headers=api.headers("cm")).status_code == 200
    assert api.client.get("/me", headers=api.headers("cm")).status_code == 200
    assert len(reads) == 1


def test_a_cached_token_revoked_is_refused_from_the_next_request(api: ApiEnv) -> None:
    """Revoked through the app's store (as `passgenau users revoke` does in its own process): the
    next request with the token answers 401, though its principal was cached, on every route."""
    ok = api.client.get(f"/claimants/{CID}/suggestions?k=3", headers=api.headers("cm"))
    assert ok.status_code == 200
    assert api.client.get("/me", headers=api.headers("lead")).status_code == 200
    assert api.store.revoke_token(api.token_ids["cm"])
    for path in (f"/claimants/{CID}/suggestions?k=3", "/me", f"/claimants/{CID}"):
        r = api.client.get(path, headers=api.headers("cm"))
        assert (r.status_code, r.json()) == (401, {"detail": "token revoked"}), path
    # Another token's cached principal is read again, and still good.
    assert api.client.get("/me", headers=api.headers("lead")).status_code == 200


def test_a_token_revoked_by_another_process_is_refused_at_once(api: ApiEnv) -> None:
    """The revocation written through another connection to the database (another process's
    store) reaches the server through the change log."""
    from matcher.store import Store

    assert api.client.get("/me", headers=api.headers("cm")).status_code == 200
    with Store.open(api.settings.resolved_database_url) as other:
        assert other.revoke_token(api.token_ids["cm"])
    assert api.client.get("/me", headers=api.headers("cm")).status_code == 401
    body = api.client.post("/match", headers=api.headers("cm"), json={})
    assert body.status_code == 401


def test_a_lookup_reads_the_change_log_once(api: ApiEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    """The principal's dependency applies the change log and marks the request; the lookup's use
    case then reads the service without reading the log again (the next request reads it anew)."""
    path = f"/claimants/{CID}/suggestions?k=3"
    assert api.client.get(path, headers=api.headers("cm")).status_code == 200
    reads: list[int] = []
    real = api.store.last_change
    monkeypatch.setattr(api.store, "last_change", lambda: reads.append(1) or real())
    for n in (1, 2):
        assert api.client.get(path, headers=api.headers("cm")).status_code == 200
        assert len(reads) == n
