"""API tokens: only a hash of the secret is stored."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from matcher.records import ApiToken
from matcher.store.base import StoreBase
from matcher.store.changes import log_change
from matcher.store.mappers import token_from, utc
from matcher.store.tables import api_tokens

TOKEN_CHANGE = "token"  # the change log's kind for a token revoked (ref: the token id)
TOKEN_ORIGIN = "store"  # not a server process's: every process applies it, the revoking one too


class TokensMixin(StoreBase):
    def add_token(self, token: ApiToken) -> None:
        row = {
            "id": token.id,
            "name": token.name,
            "role": token.role,
            "jobcenter": token.jobcenter,
            "token_hash": token.token_hash,
            "created": utc(token.created),
            "revoked": utc(token.revoked) if token.revoked else None,
        }
        with self._write() as conn:
            conn.execute(sa.insert(api_tokens).values(row))

    def token_by_hash(self, token_hash: str) -> ApiToken | None:
        """The token with this hash, revoked or not (the caller decides), or None."""
        with self._connect() as conn:
            r = conn.execute(sa.select(api_tokens).where(api_tokens.c.token_hash == token_hash)).first()
        return None if r is None else token_from(r)

    def list_tokens(self) -> list[ApiToken]:
        with self._connect() as conn:
            rows = conn.execute(sa.select(api_tokens).order_by(api_tokens.c.created, api_tokens.c.id))
            return [token_from(r) for r in rows]

    def known_user(self, name: str, jobcenter: str, roles: tuple[str, ...]) -> bool:
        """Whether ``name`` holds an unrevoked token of ``jobcenter`` in one of ``roles``."""
        t = api_tokens.c
        stmt = sa.select(t.id).where(
            t.name == name, t.jobcenter == jobcenter, t.role.in_(roles), t.revoked.is_(None)
        )
        with self._connect() as conn:
            return conn.execute(stmt.limit(1)).first() is not None

    def revoke_token(self, token_id: str, at: datetime | None = None) -> bool:
        """Mark a token revoked; False if there is no such (unrevoked) token.

        The revocation is logged in the serving change log in the same transaction: the server
        processes cache principals per token and drop them when the log names a token
        (``api.auth.PrincipalCache``), so the next request with the token is refused."""
        with self._write() as conn:
            n = conn.execute(
                sa.update(api_tokens)
                .where(api_tokens.c.id == token_id, api_tokens.c.revoked.is_(None))
                .values(revoked=utc(at or datetime.now(UTC)))
            ).rowcount
            if n:
                log_change(conn, TOKEN_ORIGIN, TOKEN_CHANGE, token_id)
        return bool(n)
