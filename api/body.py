"""The request body's guard: who sends a body is known before any of it is read, and no more than
``MAX_BODY_BYTES`` of it is ever read.

FastAPI reads and parses the body before it resolves a route's dependencies (the token among them),
so without this guard an anonymous client could make the server read a large chunked body, or get
a 422 that tells it about the API's fields. The guard, an ASGI middleware in front of the app:

1. answers 413 for a declared ``Content-Length`` above the limit (or one that is not a number);
2. authenticates the bearer token of any request that carries a body (401 before reading a byte;
   the principal is kept for the route, which does not look the token up again);
3. reads the body as it streams, counting bytes, and answers 413 as soon as the count passes the
   limit, chunked bodies included; the app then gets the body it read, in one piece.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth import Unauthenticated, authenticate
from matcher.errors import StoreUnavailable

# The largest request body accepted: a claimant or vacancy record with its longest texts (20,000
# characters each) is far below it.
MAX_BODY_BYTES = 256 * 1024
PRINCIPAL_KEY = "principal"  # in the request's state (``request.state.principal``)


def _too_large() -> JSONResponse:
    return JSONResponse(status_code=413, content={"detail": f"request body above {MAX_BODY_BYTES} bytes"})


def _has_body(headers: Headers) -> bool:
    return headers.get("content-length", "0") != "0" or "transfer-encoding" in headers


class BodyGuard:
    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        length = headers.get("content-length", "")
        if length and (not length.isdigit() or int(length) > self.max_bytes):
            await _too_large()(scope, receive, send)
            return
        if not _has_body(headers):
            await self.app(scope, receive, send)
            return
        refused = await self._authenticate(scope, headers)
        if refused is not None:
            await refused(scope, receive, send)
            return
        body = await self._read(receive)
        if body is None:
            await _too_large()(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)

    async def _authenticate(self, scope: Scope, headers: Headers) -> JSONResponse | None:
        """None when the caller's token is good (the principal is then in the request's state),
        else the answer to give."""
        rt = scope["app"].state.runtime
        try:
            p = await run_in_threadpool(
                authenticate, rt.store, headers.get("authorization"), rt.settings.api.health_roles
            )
        except Unauthenticated as exc:
            return JSONResponse(
                status_code=401, content={"detail": str(exc)}, headers={"WWW-Authenticate": "Bearer"}
            )
        except StoreUnavailable as exc:
            return JSONResponse(status_code=503, content={"detail": f"store unavailable: {exc}"})
        scope.setdefault("state", {})[PRINCIPAL_KEY] = p
        return None

    async def _read(self, receive: Receive) -> bytes | None:
        """The whole body, or None as soon as it passes the limit (the rest is never read)."""
        parts: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return b"".join(parts)
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                return None
            parts.append(chunk)
            if not message.get("more_body", False):
                return b"".join(parts)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives the body read, then whatever the client sends next (a disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            message: dict[str, Any] = dict(await receive())
            return message
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
