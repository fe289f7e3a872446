"""Suggestions as records: ``suggestions`` (one row per item shown) and the append-only
``suggestion_actions``, which replace ``feedback``.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01

Back-fills ``suggestions`` from the lookup audit entries ("suggestions", "candidates") that logged
their items (id f"{audit id}-{rank}", the id the API handed out; only the score was logged, so
similarity, p_match and p_sustain stay NULL), and moves every ``feedback`` row into
``suggestion_actions`` (its id is ``fb-{suggestion id}-{action}``). A feedback row whose suggestion
is not in the log gets a stub suggestion built from the feedback (score 0, no index version), so that
no recorded action is lost. The downgrade rebuilds ``feedback`` from the actions (the last action of
each kind per suggestion, as the old upsert kept it).

Frozen like 0001: later changes get their own revision.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger(__name__)

ID = sa.String(64)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BIGINT_PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
LOOKUP_ACTIONS = ("suggestions", "candidates")
FEEDBACK_ID = re.compile(r"fb-(?P<lookup>\d+)-(?P<rank>\d+)-(?P<action>[a-z]+)")

# Frozen views of the tables this revision reads and writes (not the application's Table objects,
# which follow the newest schema).
_audit = sa.table(
    "audit_log",
    sa.column("id", BIGINT_PK),
    sa.column("at", sa.DateTime(timezone=True)),
    sa.column("action", sa.String(64)),
    sa.column("claimant_id", ID),
    sa.column("model_version", sa.String(128)),
    sa.column("index_version", sa.String(128)),
    sa.column("payload", JSON),
)
_claimants = sa.table("claimants", sa.column("id", ID), sa.column("jobcenter", ID))
_ACTION_COLS = (
    "claimant_id", "vacancy_id", "action", "username", "at", "model_version", "reason_code", "confirmed_by",
)  # fmt: skip
_feedback = sa.table(
    "feedback",
    sa.column("id", ID),
    *(sa.column(c, sa.DateTime(timezone=True) if c == "at" else sa.String(128)) for c in _ACTION_COLS),
)
_SUGGESTION_COLS = (
    "id", "lookup_id", "kind", "claimant_id", "vacancy_id", "jobcenter", "rank", "similarity", "p_match",
    "p_sustain", "score", "model_version", "index_version", "embedder_id", "shown_at",
)  # fmt: skip


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def upgrade() -> None:
    suggestions = op.create_table(
        "suggestions",
        sa.Column("id", ID, nullable=False),
        sa.Column("lookup_id", BIGINT_PK, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("claimant_id", ID, nullable=False),
        sa.Column("vacancy_id", ID, nullable=False),
        sa.Column("jobcenter", ID, nullable=False),
        sa.Column("rank", sa.SmallInteger(), nullable=False),
        sa.Column("similarity", sa.Float(), nullable=True),
        sa.Column("p_match", sa.Float(), nullable=True),
        sa.Column("p_sustain", sa.Float(), nullable=True),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("model_version", sa.String(128), nullable=False),
        sa.Column("index_version", sa.String(128), nullable=False),
        sa.Column("embedder_id", sa.String(256), nullable=True),
        sa.Column("shown_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_suggestions"),
    )
    op.create_index("ix_suggestions_claimant_id", "suggestions", ["claimant_id"])
    op.create_index("ix_suggestions_vacancy_id", "suggestions", ["vacancy_id"])
    actions = op.create_table(
        "suggestion_actions",
        sa.Column("id", BIGINT_PK, autoincrement=True, nullable=False),
        sa.Column("suggestion_id", ID, nullable=False),
        sa.Column("claimant_id", ID, nullable=False),
        sa.Column("vacancy_id", ID, nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("username", sa.String(128), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("model_version", sa.String(128), nullable=False),
        sa.Column("reason_code", sa.String(64), nullable=True),
        sa.Column("confirmed_by", sa.String(128), nullable=True),
        sa.ForeignKeyConstraint(
            ["suggestion_id"], ["suggestions.id"], name="fk_suggestion_actions_suggestion_id_suggestions"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_suggestion_actions"),
    )
    op.create_index("ix_suggestion_actions_suggestion_id", "suggestion_actions", ["suggestion_id"])
    op.create_index("ix_suggestion_actions_claimant_id", "suggestion_actions", ["claimant_id"])

    conn = op.get_bind()
    shown = _shown_from_audit(conn)
    moved = _actions_from_feedback(conn, shown)
    if shown:
        conn.execute(sa.insert(suggestions), list(shown.values()))
    if moved:
        conn.execute(sa.insert(actions), moved)
    op.drop_index("ix_feedback_claimant_id", table_name="feedback")
    op.drop_table("feedback")


def _shown_from_audit(conn: Any) -> dict[str, dict[str, Any]]:
    """Suggestion rows by id, from the items of the logged lookups."""
    jobcenter = dict(conn.execute(sa.select(_claimants.c.id, _claimants.c.jobcenter)).all())
    stmt = sa.select(_audit).where(_audit.c.action.in_(LOOKUP_ACTIONS)).order_by(_audit.c.id)
    out: dict[str, dict[str, Any]] = {}
    for r in conn.execute(stmt):
        payload = r.payload if isinstance(r.payload, dict) else {}
        for item in payload.get("items") or []:
            if not isinstance(item, dict) or not {"rank", "claimant_id", "vacancy_id"} <= set(item):
                continue  # redacted or never a list
            sid = f"{r.id}-{int(item['rank'])}"
            out.setdefault(
                sid,
                {
                    "id": sid,
                    "lookup_id": r.id,
                    "kind": r.action,
                    "claimant_id": item["claimant_id"],
                    "vacancy_id": item["vacancy_id"],
                    "jobcenter": jobcenter.get(item["claimant_id"]) or payload.get("jobcenter") or "",
                    "rank": int(item["rank"]),
                    "similarity": None,
                    "p_match": None,
                    "p_sustain": None,
                    "score": float(item.get("score") or 0.0),
                    "model_version": r.model_version or "",
                    "index_version": r.index_version or "",
                    "embedder_id": payload.get("embedder_id"),
                    "shown_at": _utc(r.at),
                },
            )
    return out


def _actions_from_feedback(conn: Any, shown: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The feedback rows as actions, oldest first; stubs for suggestions missing from ``shown``."""
    jobcenter = dict(conn.execute(sa.select(_claimants.c.id, _claimants.c.jobcenter)).all())
    kinds = dict(conn.execute(sa.select(_audit.c.id, _audit.c.action)).all())
    out = []
    for r in conn.execute(sa.select(_feedback).order_by(_feedback.c.at, _feedback.c.id)):
        m = FEEDBACK_ID.fullmatch(r.id)
        if m is None:
            log.warning("feedback %s names no suggestion; not moved", r.id)
            continue
        sid = f"{m['lookup']}-{m['rank']}"
        if sid not in shown:
            kind = kinds.get(int(m["lookup"]))
            shown[sid] = {
                "id": sid, "lookup_id": int(m["lookup"]),
                "kind": kind if kind in LOOKUP_ACTIONS else "suggestions",
                "claimant_id": r.claimant_id, "vacancy_id": r.vacancy_id,
                "jobcenter": jobcenter.get(r.claimant_id) or "", "rank": int(m["rank"]),
                "similarity": None, "p_match": None, "p_sustain": None, "score": 0.0,
                "model_version": r.model_version, "index_version": "", "embedder_id": None,
                "shown_at": _utc(r.at),
            }  # fmt: skip
        out.append({"suggestion_id": sid, **{c: getattr(r, c) for c in _ACTION_COLS}})
    return out


def downgrade() -> None:
    feedback = op.create_table(
        "feedback",
        sa.Column("id", ID, nullable=False),
        sa.Column("claimant_id", ID, nullable=False),
        sa.Column("vacancy_id", ID, nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("username", sa.String(128), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("model_version", sa.String(128), nullable=False),
        sa.Column("reason_code", sa.String(64), nullable=True),
        sa.Column("confirmed_by", sa.String(128), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_feedback"),
    )
    op.create_index("ix_feedback_claimant_id", "feedback", ["claimant_id"])
    conn = op.get_bind()
    actions = sa.table(
        "suggestion_actions",
        sa.column("id", BIGINT_PK),
        sa.column("suggestion_id", ID),
        *(sa.column(c, sa.DateTime(timezone=True) if c == "at" else sa.String(128)) for c in _ACTION_COLS),
    )
    rows: dict[str, dict[str, Any]] = {}
    for r in conn.execute(sa.select(actions).order_by(actions.c.id)):
        fid = f"fb-{r.suggestion_id}-{r.action}"
        rows[fid] = {"id": fid, **{c: getattr(r, c) for c in _ACTION_COLS}}  # the last one wins
    if rows:
        conn.execute(sa.insert(feedback), list(rows.values()))
    op.drop_table("suggestion_actions")
    op.drop_table("suggestions")
