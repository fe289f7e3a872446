"""Suggestions shown and the actions on them, against SQLite and PostgreSQL: ids, one transaction with
the audit entry, append-only actions, and migration 0003 from the feedback table."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from matcher.domain import FeedbackAction
from matcher.errors import UnknownSuggestion, ValidationError
from matcher.records import ShownSuggestion
from matcher.store import HEAD_REVISION, Store, SuggestionAction, current_revision, downgrade, migrate
from matcher.store.mappers import claimant_row
from tests.matcher.test_store import make_claimant, shown

AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def action(suggestion_id: str, kind: FeedbackAction, **changes: object) -> SuggestionAction:
    fields: dict[str, object] = {
        "id": None,
        "suggestion_id": suggestion_id,
        "claimant_id": "K00001",
        "vacancy_id": "V00001",
        "action": kind,
        "user": "fm.mueller",
        "at": AT,
        "model_version": "m1",
        "confirmed_by": "Frau Schulz" if kind is FeedbackAction.PROPOSED else None,
    }
    return SuggestionAction(**{**fields, **changes})  # type: ignore[arg-type]


def test_lookup_assigns_ids_and_lists_in_the_order_shown(store: Store) -> None:
    later = datetime(2026, 3, 3, tzinfo=UTC)
    audit_id, stored = store.add_lookup(
        who="fm", action="suggestions", claimant_id="K00001", model_version="m1", index_version="i1",
        payload={"k": 2}, shown=[shown("K00001", "V00002", 2), shown("K00001", "V00001", 1)],
    )  # fmt: skip
    assert [(s.id, s.lookup_id, s.rank) for s in stored] == [
        (f"{audit_id}-2", audit_id, 2),
        (f"{audit_id}-1", audit_id, 1),
    ]
    assert store.get_audit(audit_id) is not None and store.get_audit(audit_id).payload == {"k": 2}  # type: ignore[union-attr]
    cand_id, (cand,) = store.add_lookup(
        who="ag", action="candidates", claimant_id=None, model_version="m1", index_version="i1", payload={},
        shown=[shown("K00002", "V00001", 1, kind="candidates", similarity=None, p_match=None, p_sustain=None,
                     embedder_id=None, shown_at=later)],
    )  # fmt: skip
    assert store.get_suggestion(cand.id) == cand and store.get_suggestion("999-1") is None
    assert [s.id for s in store.list_suggestions()] == [f"{audit_id}-1", f"{audit_id}-2", f"{cand_id}-1"]
    assert store.list_suggestions(claimant_id="K00001") == sorted(stored, key=lambda s: s.rank)
    assert store.list_suggestions(vacancy_id="V00001") == [stored[1], cand]
    assert store.list_suggestions("K00002", "V00002") == []
    assert stored[0].shown_at.utcoffset() is not None and stored[0].score == pytest.approx(0.24)


def test_lookup_and_its_suggestions_commit_together(store: Store) -> None:
    with pytest.raises(Exception):  # noqa: B017 - the database's own integrity error
        store.add_lookup(
            who="fm", action="suggestions", claimant_id="K00001", model_version="m1", index_version="i1",
            payload={}, shown=[shown("K00001", "V00001", 1), shown("K00001", "V00002", 1)],  # same rank
        )  # fmt: skip
    assert store.list_audit() == [] and store.list_suggestions() == []


def test_actions_are_appended_never_replaced(store: Store) -> None:
    _, (s,) = store.add_lookup(
        who="fm", action="suggestions", claimant_id="K00001", model_version="m1", index_version="i1",
        payload={}, shown=[shown("K00001", "V00001", 1)],
    )  # fmt: skip
    first = store.add_action(action(s.id, FeedbackAction.PROPOSED))
    second = store.add_action(action(s.id, FeedbackAction.PROPOSED, confirmed_by="Herr Kaya", id=77))
    hired = store.add_action(action(s.id, FeedbackAction.HIRED))
    assert [a.id for a in (first, second, hired)] == sorted({first.id, second.id, hired.id})  # type: ignore[type-var]
    assert store.list_actions(suggestion_id=s.id) == [first, second, hired]
    assert [a.confirmed_by for a in store.list_actions("K00001")] == ["Frau Schulz", "Herr Kaya", None]
    with pytest.raises(UnknownSuggestion):
        store.add_action(action("999-1", FeedbackAction.APPLIED))
    assert len(store.list_actions()) == 3


def _lookup(
    store: Store, *items: ShownSuggestion, action: str = "suggestions"
) -> tuple[int, list[ShownSuggestion]]:
    return store.add_lookup(
        who="fm", action=action, claimant_id=None, model_version="m1", index_version="i1", payload={},
        shown=list(items),
    )  # fmt: skip


def test_a_reload_hands_out_the_same_id_for_the_same_entry(store: Store) -> None:
    first_id, (a, b) = _lookup(store, shown("K00001", "V00001", 1), shown("K00001", "V00002", 2))
    later = datetime(2026, 1, 13, tzinfo=UTC)
    # The reload ranks differently and adds a vacancy: the two known entries keep their ids and the
    # scores they were first shown with; only the new one gets a row.
    second_id, again = _lookup(
        store,
        shown("K00001", "V00002", 1, score=0.3, shown_at=later),
        shown("K00001", "V00003", 2, shown_at=later),
        shown("K00001", "V00001", 3, shown_at=later),
    )
    assert second_id != first_id
    assert (
        [s.id for s in again]
        == [b.id, f"{second_id}-2", a.id]
        == [f"{first_id}-2", f"{second_id}-2", f"{first_id}-1"]
    )
    assert again[0] == b and again[2] == a
    assert [s.id for s in store.list_suggestions(claimant_id="K00001")] == [a.id, b.id, f"{second_id}-2"]


def test_an_entry_is_one_kind_of_list_and_one_model_version(store: Store) -> None:
    _, (s,) = _lookup(store, shown("K00001", "V00001", 1))
    _, (cand,) = _lookup(store, shown("K00001", "V00001", 1, kind="candidates"), action="candidates")
    _, (new_model,) = _lookup(store, shown("K00001", "V00001", 1, model_version="m2"))
    _, (other,) = _lookup(store, shown("K00002", "V00001", 1))
    assert len({s.id, cand.id, new_model.id, other.id}) == 4
    _, (again,) = _lookup(store, shown("K00001", "V00001", 4, model_version="m2"))
    assert again == new_model


def test_actions_of_a_vacancy_and_of_a_jobcenter(store: Store) -> None:
    _, (s1, s2) = _lookup(store, shown("K00001", "V00001", 1), shown("K00001", "V00002", 2))
    _, (s3,) = _lookup(store, shown("K00009", "V00001", 1, jobcenter="JC-OHA"))
    a1 = store.add_action(action(s1.id, FeedbackAction.PROPOSED))
    a2 = store.add_action(action(s2.id, FeedbackAction.APPLIED, vacancy_id="V00002"))
    a3 = store.add_action(action(s3.id, FeedbackAction.APPLIED, claimant_id="K00009"))
    assert store.list_actions(vacancy_id="V00001") == [a1, a3]
    assert store.list_actions(vacancy_id="V00001", jobcenter="JC-GOE") == [a1]
    assert store.list_actions(jobcenter="JC-OHA") == [a3]
    assert store.list_actions("K00001", vacancy_id="V00002") == [a2]


def test_action_rules_are_the_feedback_rules() -> None:
    with pytest.raises(ValidationError, match="confirmed_by"):
        action("1-1", FeedbackAction.PROPOSED, confirmed_by=None)
    with pytest.raises(ValidationError, match="reason_code"):
        action("1-1", FeedbackAction.REJECTED)
    assert action("1-1", FeedbackAction.REJECTED, reason_code="commute").reason_code == "commute"


def test_migration_0003_moves_feedback_into_records(db_url: str) -> None:
    migrate(db_url, "0002")
    claimant = make_claimant(1)
    items = [
        {"rank": 1, "claimant_id": claimant.id, "vacancy_id": "V00001", "score": 0.31},
        {"rank": 2, "claimant_id": claimant.id, "vacancy_id": "V00002", "score": 0.22},
    ]
    with Store.open(db_url, upgrade=False) as old:
        # The claimant row as schema 0002 has it: today's mapper writes columns added since (0004).
        engine = sa.create_engine(db_url)
        try:
            with engine.begin() as conn:
                table = sa.Table("claimants", sa.MetaData(), autoload_with=conn)
                row = {k: v for k, v in claimant_row(claimant).items() if k in table.c}
                conn.execute(sa.insert(table), [row])
        finally:
            engine.dispose()
        lookup = old.add_audit(
            who="fm", action="suggestions", claimant_id=claimant.id, model_version="m1", index_version="i1",
            payload={"embedder_id": "e5", "items": items}, at=AT,
        )  # fmt: skip
        cands = old.add_audit(
            who="ag", action="candidates", model_version="m1", index_version="i1", at=AT,
            payload={"jobcenter": "JC-OHA", "items": [{"rank": 1, "claimant_id": "K-GONE", "vacancy_id": "V00003", "score": 0.5}]},
        )  # fmt: skip
        old.add_audit(
            who="fm", action="match.adhoc", payload={"items": [{"rank": 1, "vacancy_id": "V9", "score": 1}]}
        )
        engine = sa.create_engine(db_url)
        try:
            with engine.begin() as conn:
                feedback = sa.Table("feedback", sa.MetaData(), autoload_with=conn)
                common = {"claimant_id": claimant.id, "username": "test-cm", "model_version": "m1"}
                conn.execute(sa.insert(feedback), [
                    {**common, "id": f"fb-{lookup}-2-rejected", "vacancy_id": "V00002", "action": "rejected",
                     "at": datetime(2026, 3, 2, 12, tzinfo=UTC), "reason_code": "commute", "confirmed_by": None},
                    {**common, "id": f"fb-{lookup}-1-proposed", "vacancy_id": "V00001", "action": "proposed",
                     "at": datetime(2026, 3, 2, 11, tzinfo=UTC), "reason_code": None, "confirmed_by": "Frau Schulz"},
                ])  # fmt: skip
        finally:
            engine.dispose()

    with Store.open(db_url) as store:  # upgrades through 0003 to the head
        assert current_revision(db_url) == HEAD_REVISION
        got = {s.id: s for s in store.list_suggestions()}
        assert set(got) == {f"{lookup}-1", f"{lookup}-2", f"{cands}-1"}
        s1 = got[f"{lookup}-1"]
        assert (s1.lookup_id, s1.kind, s1.claimant_id, s1.vacancy_id, s1.jobcenter, s1.rank) == (
            lookup, "suggestions", claimant.id, "V00001", "JC-GOE", 1,
        )  # fmt: skip
        assert (s1.score, s1.similarity, s1.p_match, s1.p_sustain) == (0.31, None, None, None)
        assert (s1.model_version, s1.index_version, s1.embedder_id, s1.shown_at) == ("m1", "i1", "e5", AT)
        c1 = got[f"{cands}-1"]
        assert (c1.kind, c1.jobcenter, c1.embedder_id) == ("candidates", "JC-OHA", None)
        moved = store.list_actions()
        assert [(a.suggestion_id, a.action, a.vacancy_id, a.user, a.reason_code, a.confirmed_by) for a in moved] == [
            (f"{lookup}-1", FeedbackAction.PROPOSED, "V00001", "test-cm", None, "Frau Schulz"),
            (f"{lookup}-2", FeedbackAction.REJECTED, "V00002", "test-cm", "commute", None),
        ]  # fmt: skip
        assert moved[0].at == datetime(2026, 3, 2, 11, tzinfo=UTC) and moved[0].model_version == "m1"
        assert "feedback" not in sa.inspect(store._engine).get_table_names()
        # A later action is a new row next to the moved ones.
        store.add_action(action(f"{lookup}-1", FeedbackAction.HIRED, claimant_id=claimant.id))
        assert len(store.list_actions(claimant.id)) == 3

    downgrade(db_url, "0002")
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            feedback = sa.Table("feedback", sa.MetaData(), autoload_with=conn)
            rows = conn.execute(sa.select(feedback.c.id, feedback.c.action).order_by(feedback.c.id)).all()
            assert [tuple(r) for r in rows] == [
                (f"fb-{lookup}-1-hired", "hired"),
                (f"fb-{lookup}-1-proposed", "proposed"),
                (f"fb-{lookup}-2-rejected", "rejected"),
            ]
            assert "suggestions" not in sa.inspect(conn).get_table_names()
    finally:
        engine.dispose()
