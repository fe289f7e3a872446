"""API tokens and what each role may do.

A token is a random secret (``secrets.token_urlsafe(32)``: 256 bits) shown once when it is made;
only its SHA-256 is stored. A plain, unsalted fast hash is enough here because the secret is
random and long: there is no dictionary to try and 2^256 guesses cannot be made, so a slow,
salted password hash (bcrypt, argon2) would only add latency to every request. The hash is
looked up directly, so verifying a token is one indexed query.

Roles (``Role``) and their rights (``RIGHTS``):

- ``case_manager``: claimants of their own Jobcenter (read, create, update), their suggestions,
  a vacancy's candidates among them, ad-hoc matching, feedback; reads vacancies and models.
- ``team_lead``: as the case manager, and may erase a claimant, record outcomes and answer a
  claimant's Art. 15 request (Auskunft: everything held about them, health data included).
- ``admin``: all Jobcenters; vacancies and claimants (create, update, erase; reads claimants
  without health data), outcomes; no suggestions (admin does not place anyone).
- ``batch``: machine imports: vacancies, claimant records (write only) and outcomes.

Case managers and team leads are bound to their token's Jobcenter: a claimant of another
Jobcenter answers exactly as a missing one does (404). Which roles read health data is a setting
(``api.health_roles``; default case_manager and team_lead).
"""

from __future__ import annotations

import enum
import hashlib
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime

from matcher.domain import check_id
from matcher.errors import PassgenauError, ValidationError
from matcher.store import ApiToken, Store


class Role(enum.StrEnum):
    CASE_MANAGER = "case_manager"
    TEAM_LEAD = "team_lead"
    ADMIN = "admin"
    BATCH = "batch"


class Right(enum.StrEnum):
    READ_CLAIMANTS = "read_claimants"
    WRITE_CLAIMANTS = "write_claimants"
    ERASE_CLAIMANTS = "erase_claimants"
    MATCH = "match"  # suggestions, candidates, ad-hoc profiles
    FEEDBACK = "feedback"
    READ_VACANCIES = "read_vacancies"
    WRITE_VACANCIES = "write_vacancies"
    OUTCOMES = "outcomes"
    READ_MODELS = "read_models"
    SUBJECT_ACCESS = "subject_access"  # GDPR Art. 15 Auskunft about a claimant


_CM = {
    Right.READ_CLAIMANTS,
    Right.WRITE_CLAIMANTS,
    Right.MATCH,
    Right.FEEDBACK,
    Right.READ_VACANCIES,
    Right.READ_MODELS,
}
RIGHTS: dict[Role, frozenset[Right]] = {
    Role.CASE_MANAGER: frozenset(_CM),
    Role.TEAM_LEAD: frozenset(_CM | {Right.ERASE_CLAIMANTS, Right.OUTCOMES, Right.SUBJECT_ACCESS}),
    Role.ADMIN: frozenset(
        {
            Right.READ_CLAIMANTS,
            Right.WRITE_CLAIMANTS,
            Right.ERASE_CLAIMANTS,
            Right.READ_VACANCIES,
            Right.WRITE_VACANCIES,
            Right.OUTCOMES,
            Right.READ_MODELS,
        }
    ),
    Role.BATCH: frozenset(
        {
            Right.WRITE_CLAIMANTS,
            Right.READ_VACANCIES,
            Right.WRITE_VACANCIES,
            Right.OUTCOMES,
            Right.READ_MODELS,
        }
    ),
}
# Roles bound to their token's Jobcenter.
SCOPED_ROLES = frozenset({Role.CASE_MANAGER, Role.TEAM_LEAD})


class Unauthenticated(PassgenauError):
    """No token, an unknown one or a revoked one (HTTP 401)."""


class Forbidden(PassgenauError):
    """The role lacks the right (HTTP 403)."""


@dataclass(frozen=True)
class Principal:
    token_id: str
    name: str
    role: Role
    jobcenter: str
    sees_health: bool

    @property
    def role_name(self) -> str:
        return self.role.value

    @property
    def scope(self) -> str | None:
        """The Jobcenter this principal is bound to, or None for all of them."""
        return self.jobcenter if self.role in SCOPED_ROLES else None

    def require(self, right: Right) -> None:
        if right not in RIGHTS[self.role]:
            raise Forbidden(f"role {self.role.value} may not {right.value.replace('_', ' ')}")

    @property
    def reads_claimants(self) -> bool:
        return Right.READ_CLAIMANTS in RIGHTS[self.role]

    def may_see(self, jobcenter: str) -> bool:
        return self.scope is None or self.scope == jobcenter


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def parse_role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise ValidationError("role", f"{value!r} is not one of {', '.join(r.value for r in Role)}") from None


def create_token(store: Store, name: str, role: str, jobcenter: str) -> tuple[ApiToken, str]:
    """A new token for ``name``; returns the stored record and the secret (shown once, never stored)."""
    name = name.strip()
    if not name or len(name) > 128:
        raise ValidationError("name", "must be 1-128 characters")
    r = parse_role(role)
    check_id(jobcenter, "jobcenter")
    secret = "pg_" + secrets.token_urlsafe(32)
    token = ApiToken(
        id="tok-" + secrets.token_hex(6),
        name=name,
        role=r.value,
        jobcenter=jobcenter,
        token_hash=hash_token(secret),
        created=datetime.now(UTC),
    )
    store.add_token(token)
    return token, secret


def _secret(authorization: str | None) -> str:
    if not authorization:
        raise Unauthenticated("missing bearer token")
    scheme, _, secret = authorization.partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret or len(secret) > 256:
        raise Unauthenticated("expected 'Authorization: Bearer <token>'")
    return secret


def hash_token_of(authorization: str | None) -> str:
    """The hash of the header's token ("" for a missing or malformed header: ``authenticate``
    then says what is wrong)."""
    try:
        return hash_token(_secret(authorization))
    except Unauthenticated:
        return ""


class PrincipalCache:
    """The principals of valid tokens by token hash, so that a request with a known token reads no
    token row (~0.4 ms of a lookup: bench/README.md, issue 15).

    A token changes only by its revocation, which the store logs in the serving change log
    (``Store.revoke_token``); the server process reads that log before every request and, when it
    names a token, clears this cache (``api.runtime``), so a revoked token is refused from the first
    request after the revocation. Unknown and revoked tokens are not cached: each such request
    reads the store. A principal read while the cache was being cleared is not put back
    (``generation``): it may have been read before the revocation."""

    MAX_ENTRIES = 10_000  # tokens in use at once are a few hundred; past this, start afresh

    def __init__(self) -> None:
        self._by_hash: dict[str, Principal] = {}
        self._generation = 0
        self._lock = threading.Lock()

    def get(self, token_hash: str) -> Principal | None:
        return self._by_hash.get(token_hash)

    @property
    def generation(self) -> int:
        """Read before the token row; ``put`` keeps a principal only if no clear came between."""
        return self._generation

    def put(self, token_hash: str, p: Principal, generation: int) -> None:
        with self._lock:
            if generation != self._generation:
                return
            if len(self._by_hash) >= self.MAX_ENTRIES:
                self._by_hash.clear()
            self._by_hash[token_hash] = p

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._by_hash.clear()


def authenticate(
    store: Store,
    authorization: str | None,
    health_roles: tuple[str, ...],
    cache: PrincipalCache | None = None,
) -> Principal:
    """The principal behind an ``Authorization: Bearer <token>`` header, or Unauthenticated.
    ``cache``: principals of tokens read before (the caller has applied the change log first)."""
    token_hash = hash_token(_secret(authorization))
    if cache is not None:
        known = cache.get(token_hash)
        if known is not None:
            return known
        generation = cache.generation
    token = store.token_by_hash(token_hash)
    if token is None:
        raise Unauthenticated("unknown token")
    if token.revoked is not None:
        raise Unauthenticated("token revoked")
    try:
        role = Role(token.role)
    except ValueError:
        raise Unauthenticated("token has an unknown role") from None
    p = Principal(token.id, token.name, role, token.jobcenter, role.value in health_roles)
    if cache is not None:
        cache.put(token_hash, p, generation)
    return p
