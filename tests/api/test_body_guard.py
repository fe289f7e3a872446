"""The request body (issue 16, defect 3): the token is checked before any byte of a body is read,
bytes are counted as they stream (413 as soon as the limit is passed, chunked or not), and a 422
is small and never repeats what was sent."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

from api.body import MAX_BODY_BYTES
from tests.api.conftest import ApiEnv
from tests.api.test_claimants import NEW

CHUNK = 64 * 1024
JSON = {"Content-Type": "application/json"}


def _asgi_post(api: ApiEnv, path: str, headers: dict[str, str], chunks: int) -> tuple[int, int]:
    """POST a chunked body of ``chunks`` x 64 KiB straight to the ASGI app; (status, chunks read)."""
    read = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal read
        if read >= chunks:
            return {"type": "http.disconnect"}
        read += 1
        return {"type": "http.request", "body": b" " * CHUNK, "more_body": read < chunks}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    raw = [
        (k.lower().encode(), v.encode())
        for k, v in {**headers, **JSON, "Transfer-Encoding": "chunked"}.items()
    ]
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "", "headers": raw,
        "client": ("127.0.0.1", 1), "server": ("testserver", 80), "state": {},
    }  # fmt: skip
    asyncio.run(api.client.app(scope, receive, send))  # type: ignore[arg-type]
    return sent[0]["status"], read


def test_a_chunked_body_is_cut_off_at_the_limit(api_ro: ApiEnv) -> None:
    # 40 MB announced by nothing but the stream: 413 after the first chunk past 256 KiB.
    status, read = _asgi_post(api_ro, "/claimants", api_ro.headers("cm"), chunks=640)
    assert (status, read) == (413, MAX_BODY_BYTES // CHUNK + 1)


def test_without_a_token_no_byte_of_the_body_is_read(api_ro: ApiEnv) -> None:
    for headers in ({}, {"Authorization": "Bearer pg_not-a-token"}, api_ro.headers("revoked")):
        assert _asgi_post(api_ro, "/claimants", headers, chunks=640) == (401, 0)


def test_chunked_bodies_through_http(api_ro: ApiEnv) -> None:
    def stream(n: int) -> Iterator[bytes]:
        yield from (b" " * CHUNK for _ in range(n))

    h = {**api_ro.headers("cm"), **JSON}
    r = api_ro.client.post("/claimants", content=stream(20), headers=h)
    assert r.status_code == 413 and "content-length" not in r.request.headers
    # Under the limit a chunked body is read and parsed like any other.
    body = json.dumps(NEW).encode()
    r = api_ro.client.post("/claimants", content=iter([body[:100], body[100:]]), headers=h)
    assert r.status_code == 201, r.text


def test_invalid_json_without_a_token_is_401(api_ro: ApiEnv) -> None:
    r = api_ro.client.post("/claimants", content=b"{not json", headers=JSON)
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    r = api_ro.client.post("/claimants", content=b"{not json", headers={**api_ro.headers("cm"), **JSON})
    assert r.status_code == 422


def test_a_422_is_small_and_echoes_no_value(api_ro: ApiEnv) -> None:
    # Just under the limit: thousands of unknown keys, each with a value that must not come back.
    extra = {f"k{i:05d}": "GEHEIM-WERT" for i in range(9_000)}
    body = json.dumps({**NEW, "team": "GEHEIM-TEAM" * 20, **extra}).encode()
    assert len(body) < MAX_BODY_BYTES
    r = api_ro.client.post("/claimants", content=body, headers={**api_ro.headers("cm"), **JSON})
    assert r.status_code == 422
    assert len(r.content) < 8 * 1024
    assert b"GEHEIM" not in r.content
    detail = r.json()["detail"]
    assert len(detail) == 21 and detail[-1]["type"] == "too_many_errors"
    # 9,000 unknown keys and the too long team: 9,001 errors, 20 of them named.
    assert detail[-1]["msg"] == "and 8981 more errors"
    assert {"loc": ["body", "team"], "msg": "String should have at most 100 characters",
            "type": "string_too_long"} in detail  # fmt: skip
