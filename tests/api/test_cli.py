"""`passgenau users add/list/revoke`: the secret is printed once, only its hash stored; a revoked
token answers 401 at once."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from api.auth import hash_token
from matcher.cli import app as cli
from tests.api.conftest import ApiEnv


def _run(api: ApiEnv, *args: str) -> tuple[int, str]:
    res = CliRunner().invoke(cli, ["--data-dir", str(api.settings.data_dir), *args])
    return res.exit_code, res.output


def test_users_add_list_revoke(api: ApiEnv) -> None:
    code, out = _run(api, "users", "add", "Frau Schulz", "--role", "team_lead", "--jobcenter", "JC-OHA")
    assert code == 0, out
    token_id = re.search(r"token (tok-[0-9a-f]+) for Frau Schulz \(team_lead, JC-OHA\)", out).group(1)  # type: ignore[union-attr]
    secret = re.search(r"secret \(shown once, keep it safe\): (\S+)", out).group(1)  # type: ignore[union-attr]
    stored = {t.id: t for t in api.store.list_tokens()}[token_id]
    assert stored.token_hash == hash_token(secret) and secret not in repr(stored)
    h = {"Authorization": f"Bearer {secret}"}
    assert api.client.get("/me", headers=h).json() == {
        "name": "Frau Schulz",
        "role": "team_lead",
        "jobcenter": "JC-OHA",
    }

    code, out = _run(api, "users", "list")
    assert code == 0
    line = next(li for li in out.splitlines() if li.startswith(token_id))
    assert line.split("\t")[1:4] == ["Frau Schulz", "team_lead", "JC-OHA"] and line.endswith("active")
    assert secret not in out and stored.token_hash not in out
    revoked_line = next(li for li in out.splitlines() if li.startswith(api.token_ids["revoked"]))
    assert "revoked" in revoked_line

    code, out = _run(api, "users", "revoke", token_id)
    assert code == 0 and f"token {token_id} revoked" in out
    r = api.client.get("/me", headers=h)
    assert (r.status_code, r.json()) == (401, {"detail": "token revoked"})
    code, out = _run(api, "users", "revoke", token_id)
    assert code == 2 and "no active token" in out


def test_users_add_refuses_bad_input(api: ApiEnv) -> None:
    n = len(api.store.list_tokens())
    for args, field in (
        (["users", "add", "X", "--role", "boss", "--jobcenter", "JC-GOE"], "role"),
        (["users", "add", "X", "--role", "admin", "--jobcenter", "JC GOE"], "jobcenter"),
        (["users", "add", " ", "--role", "admin", "--jobcenter", "JC-GOE"], "name"),
    ):
        code, out = _run(api, *args)
        assert code == 2 and f"error: {field}:" in out, out
    assert len(api.store.list_tokens()) == n


def test_serve_runs_the_app_on_the_given_address(api: ApiEnv, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import uvicorn

    from api import runtime as api_runtime

    calls: list[tuple[object, dict[str, object]]] = []
    blas: list[bool] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append((app, kw)))
    # Process-wide: not for the test process, which other tests share.
    monkeypatch.setattr(api_runtime, "single_thread_blas", lambda: blas.append(True))
    code, out = _run(api, "serve", "--port", "8123", "--workers", "1")
    assert code == 0, out
    assert blas == [True]
    ((app, kw),) = calls
    assert (kw["host"], kw["port"], kw["access_log"]) == ("127.0.0.1", 8123, False)
    assert {"/claimants/{claimant_id}/suggestions", "/health"} <= set(app.openapi()["paths"])  # type: ignore[attr-defined]
    code, out = _run(api, "serve", "--port", "0")
    assert code == 2 and "port" in out.lower()


def test_serve_starts_the_configured_number_of_workers(api: ApiEnv, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from api import runtime as api_runtime
    from api import workers

    calls: list[dict[str, object]] = []
    monkeypatch.setattr(workers, "serve", lambda make_app, **kw: calls.append(kw) or 0)
    monkeypatch.setattr(api_runtime, "single_thread_blas", lambda: None)
    code, out = _run(api, "serve", "--port", "8124")
    assert code == 0, out
    code, out = _run(api, "serve", "--port", "8124", "--workers", "3")
    assert code == 0, out
    # The default is api.workers: 2, one per core of the 2-core target machine.
    assert [(c["port"], c["workers"]) for c in calls] == [(8124, 2), (8124, 3)]
    code, out = _run(api, "serve", "--workers", "0")
    assert code == 2 and "workers" in out.lower()
