"""The store against SQLite and PostgreSQL: migrations, round trips, upserts, erasure, errors."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from matcher.domain import (
    CEFR,
    AgeBand,
    Claimant,
    Contract,
    Employer,
    FeedbackAction,
    Household,
    NationalityGroup,
    Outcome,
    PhysicalLoad,
    Proposal,
    ProtectedAttributes,
    Sex,
    Shifts,
    SizeBand,
    SkillLevel,
    Vacancy,
    WageUnit,
    to_dict,
)
from matcher.errors import Conflict, StoreUnavailable, UnknownClaimant, UnknownVacancy
from matcher.store import (
    HEAD_REVISION,
    ApiToken,
    NightlyRow,
    NightlyRun,
    ShownSuggestion,
    Store,
    SuggestionAction,
    current_revision,
    downgrade,
    mappers,
    metadata,
    migrate,
    tables,
)

TABLES = {
    "employers",
    "vacancies",
    "claimants",
    "claimant_protected",
    "claimant_health",
    "outcomes",
    "proposals",
    "suggestions",
    "suggestion_actions",
    "audit_log",
    "api_tokens",
    "nightly_runs",
    "nightly_lists",
    "wish_corrections",
    "serving_changes",
}


def make_claimant(i: int = 0, **changes: Any) -> Claimant:
    c = Claimant(
        id=f"K{i:05d}",
        jobcenter="JC-GOE",
        team="Team 2 U25",
        case_manager=f"FM{i % 3}",
        postcode="37073",
        municipality="Göttingen",
        lat=51.5327,
        lon=9.9356,
        licences=frozenset({"B", "C1"}),
        has_car=True,
        max_commute_minutes=45,
        desired_occupations=("Lagerist", "Fahrer Kurierdienst"),
        desired_kldb=("51312", "52122"),
        profile_text="Staplerschein, 3 Jahre Lager, zuverlässig; sucht Frühschicht.",
        skill_level=SkillLevel.SKILLED,
        german_level=CEFR.B2,
        available_hours=30.5,
        shifts_ok=False,
        health_max_load=PhysicalLoad.MEDIUM,
        months_unemployed=14,
        short_spells=2,
        experience=(("51312", 36), ("52122", 6)),
        household=Household(adults=1, children_0_5=1, children_6_13=2, rent=612.5),
        active=True,
    )
    return dataclasses.replace(c, **changes) if changes else c


def make_protected(claimant_id: str, **changes: Any) -> ProtectedAttributes:
    p = ProtectedAttributes(
        claimant_id=claimant_id,
        sex=Sex.FEMALE,
        nationality_group=NationalityGroup.EU,
        age_band=AgeBand.AGE_25_34,
        severe_disability=True,
    )
    return dataclasses.replace(p, **changes) if changes else p


def make_employer(i: int = 0, **changes: Any) -> Employer:
    e = Employer(
        id=f"E{i:04d}",
        name=f"Logistik Südniedersachsen {i} GmbH",
        size_band=SizeBand.MEDIUM,
        sector="H",
        collective_agreement=True,
        temp_agency=False,
        offers_training=True,
    )
    return dataclasses.replace(e, **changes) if changes else e


def make_vacancy(i: int = 0, employer: Employer | None = None, **changes: Any) -> Vacancy:
    v = Vacancy(
        id=f"V{i:05d}",
        employer=employer or make_employer(i % 4),
        title="Fachkraft für Lagerlogistik (m/w/d)",
        description="Wareneingang, Kommissionierung, Staplerfahren. Tarifvertrag, Einarbeitung.",
        kldb="51312",
        postcode="37079",
        municipality="Göttingen",
        lat=51.5561,
        lon=9.8940,
        hours_per_week=38.5,
        shifts=Shifts.TWO_SHIFT,
        contract=Contract.FIXED_TERM,
        contract_months=12,
        wage=2950.0,
        wage_unit=WageUnit.MONTH,
        skill_level=SkillLevel.SKILLED,
        licences=frozenset({"B"}),
        german_level=CEFR.B1,
        physical_load=PhysicalLoad.HIGH,
        openings=2,
        posted=date(2026, 1, 10),
        expires=date(2026, 3, 31),
        filled=False,
        source="test",
    )
    return dataclasses.replace(v, **changes) if changes else v


def make_outcome(i: int = 0, **changes: Any) -> Outcome:
    o = Outcome(
        id=f"O{i:05d}",
        claimant_id=f"K{i:05d}",
        vacancy_id=f"HIST-{i}",
        start=date(2024, 2, 1) + timedelta(days=i),
        end=date(2024, 7, 15) + timedelta(days=i),
        employed_12m=False,
        benefits_12m=True,
        claimant_snapshot=to_dict(make_claimant(i)),
        vacancy_snapshot={"title": "Helfer Produktion", "wage": 13.5, "tags": ["Zeitarbeit", "Schicht"]},
    )
    return dataclasses.replace(o, **changes) if changes else o


# --------------------------------------------------------------------------------------------------
# Schema


def test_migrations_reach_head_with_the_expected_tables(db_url: str) -> None:
    migrate(db_url)
    assert current_revision(db_url) == HEAD_REVISION
    engine = sa.create_engine(db_url)
    try:
        inspector = sa.inspect(engine)
        assert set(inspector.get_table_names()) == TABLES | {"alembic_version"}
        assert {i["name"] for i in inspector.get_indexes("claimants")} == {
            "ix_claimants_jobcenter_case_manager"
        }
        assert "ix_outcomes_start" in {i["name"] for i in inspector.get_indexes("outcomes")}
        assert "ix_audit_log_claimant_id" in {i["name"] for i in inspector.get_indexes("audit_log")}
        assert [fk["referred_table"] for fk in inspector.get_foreign_keys("vacancies")] == ["employers"]
        assert inspector.get_foreign_keys("outcomes") == []  # history: no FK to vacancies or claimants
        with engine.connect() as conn:
            # The Table objects the repository queries agree with what the migrations built.
            assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    finally:
        engine.dispose()


def test_downgrade_to_base_and_upgrade_again(db_url: str) -> None:
    with Store.open(db_url) as store:
        store.upsert_vacancies([make_vacancy()])
    downgrade(db_url)
    assert current_revision(db_url) is None
    with Store.open(db_url) as store:
        assert current_revision(db_url) == HEAD_REVISION
        assert set(store.counts()) == TABLES
        assert sum(store.counts().values()) == 0


def test_sqlite_runs_with_wal_and_foreign_keys(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path / 'sub' / 'passgenau.db'}"
    with Store.open(url) as store, store._engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert (tmp_path / "sub" / "passgenau.db").exists()


# --------------------------------------------------------------------------------------------------
# Round trips


def test_claimant_round_trip_with_protected_and_health(store: Store) -> None:
    a = make_claimant(1)
    b = make_claimant(
        2,
        lat=None,
        lon=None,
        licences=frozenset(),
        has_car=False,
        max_commute_minutes=None,
        desired_kldb=(),
        experience=(),
        health_max_load=None,
        jobcenter="JC-OHA",
        active=False,
    )
    counts = store.upsert_claimants([(a, make_protected(a.id)), (b, None)])
    assert (counts.inserted, counts.updated) == (2, 0)

    assert store.get_claimant(a.id) == a
    assert store.get_claimant(b.id) == b
    assert store.get_claimant(a.id, with_health=False) == dataclasses.replace(a, health_max_load=None)
    assert store.list_claimants() == [a]
    assert store.list_claimants(active_only=False) == [a, b]
    assert store.list_claimants(active_only=False, jobcenter="JC-OHA") == [b]
    assert store.get_protected([a.id, b.id, "nobody"]) == {a.id: make_protected(a.id)}
    assert store.get_protected() == {a.id: make_protected(a.id)}
    with pytest.raises(UnknownClaimant):
        store.get_claimant("K99999")


def test_vacancy_round_trip_with_employer_and_open_filter(store: Store) -> None:
    employer = make_employer(7)
    permanent = make_vacancy(
        1,
        employer,
        contract=Contract.PERMANENT,
        contract_months=None,
        kldb=None,
        expires=None,
        wage=14.25,
        wage_unit=WageUnit.HOUR,
        licences=frozenset(),
        lat=None,
        lon=None,
    )
    expired = make_vacancy(2, employer, expires=date(2026, 2, 1))
    filled = make_vacancy(3, make_employer(8, temp_agency=True, size_band=SizeBand.LARGE), filled=True)
    store.upsert_vacancies([permanent, expired, filled])

    assert store.get_vacancy(permanent.id) == permanent
    assert store.list_vacancies() == [permanent, expired, filled]
    assert store.list_vacancies(open_on=date(2026, 2, 1)) == [permanent, expired]
    assert store.list_vacancies(open_on=date(2026, 2, 2)) == [permanent]
    assert store.counts()["employers"] == 2
    with pytest.raises(UnknownVacancy):
        store.get_vacancy("V99999")


def test_outcome_round_trip_keeps_snapshots(store: Store) -> None:
    first = make_outcome(1)
    running = make_outcome(2, end=None, employed_12m=True, benefits_12m=False, vacancy_snapshot={})
    store.upsert_outcomes([running, first])
    back = store.list_outcomes()
    assert back == [first, running]  # ordered by start
    assert [o.claimant_snapshot for o in back] == [first.claimant_snapshot, running.claimant_snapshot]
    assert [o.vacancy_snapshot for o in back] == [first.vacancy_snapshot, {}]


def test_proposal_round_trip(store: Store) -> None:
    items = [
        Proposal(id="P1", claimant_id="K00001", vacancy_id="V00001", proposed=date(2025, 5, 2), hired=True),
        Proposal(id="P2", claimant_id="K00001", vacancy_id="V00009", proposed=date(2025, 6, 2)),
        Proposal(id="P3", claimant_id="K00002", vacancy_id="V00001", proposed=date(2025, 4, 2)),
    ]
    store.upsert_proposals(items)
    assert store.list_proposals() == [items[2], items[0], items[1]]
    assert store.list_proposals("K00001") == items[:2]


def shown(claimant_id: str, vacancy_id: str, rank: int, **changes: Any) -> ShownSuggestion:
    s = ShownSuggestion(
        id="",
        lookup_id=0,
        kind="suggestions",
        claimant_id=claimant_id,
        vacancy_id=vacancy_id,
        jobcenter="JC-GOE",
        rank=rank,
        similarity=0.71,
        p_match=0.4,
        p_sustain=0.6,
        score=0.24,
        model_version="2026-01-01-abc123",
        index_version="i7",
        embedder_id="e5-small",
        shown_at=datetime(2026, 1, 12, 9, 0, tzinfo=UTC),
    )
    return dataclasses.replace(s, **changes) if changes else s


def add_lookup(
    store: Store, claimant_id: str | None, *items: ShownSuggestion, action: str = "suggestions"
) -> list[ShownSuggestion]:
    _, stored = store.add_lookup(
        who="fm.mueller",
        action=action,
        claimant_id=claimant_id,
        model_version="2026-01-01-abc123",
        index_version="i7",
        payload={"k": len(items)},
        shown=items,
    )
    return stored


def test_feedback_round_trip_in_utc(store: Store) -> None:
    s1, s2 = add_lookup(store, "K00001", shown("K00001", "V00001", 1), shown("K00001", "V00002", 2))
    add_lookup(store, "K00002", shown("K00002", "V00001", 1))
    berlin = timezone(timedelta(hours=1))
    proposed = SuggestionAction(
        id=None,
        suggestion_id=s1.id,
        claimant_id="K00001",
        vacancy_id="V00001",
        action=FeedbackAction.PROPOSED,
        user="fm.mueller",
        at=datetime(2026, 1, 12, 9, 30, 15, 250000, tzinfo=berlin),
        model_version="2026-01-01-abc123",
        confirmed_by="fm.mueller",
    )
    rejected = SuggestionAction(
        id=None,
        suggestion_id=s2.id,
        claimant_id="K00001",
        vacancy_id="V00002",
        action=FeedbackAction.REJECTED,
        user="fm.mueller",
        at=datetime(2026, 1, 12, 10, 0, tzinfo=UTC),
        model_version="2026-01-01-abc123",
        reason_code="commute",
    )
    first = store.add_action(rejected)
    second = store.add_action(proposed)
    assert first.id is not None and second.id is not None and second.id > first.id
    back = store.list_actions("K00001")
    # Append order (ids), not the time of the action.
    assert back == [dataclasses.replace(rejected, id=first.id), dataclasses.replace(proposed, id=second.id)]
    assert back[1].at == proposed.at and back[1].at.utcoffset() == timedelta(0)
    assert back[0].at.tzinfo is not None
    assert store.list_actions("K00002") == []
    assert store.list_actions(suggestion_id=s1.id) == [back[1]]


def test_audit_round_trip(store: Store) -> None:
    at = datetime(2026, 1, 12, 8, 0, 1, tzinfo=UTC)
    payload = {"shown": ["V00003", "V00001"], "k": 20, "filters": {"commute": 3}}
    first = store.add_audit(
        who="fm.mueller",
        action="suggestions",
        claimant_id="K00001",
        model_version="m1",
        index_version="i7",
        payload=payload,
        at=at,
    )
    second = store.add_audit(who="batch", action="nightly")
    assert second != first
    (entry,) = store.list_audit("K00001")
    assert (entry.id, entry.at, entry.who, entry.action) == (first, at, "fm.mueller", "suggestions")
    assert (entry.claimant_id, entry.model_version, entry.index_version) == ("K00001", "m1", "i7")
    assert entry.payload == payload
    everything = store.list_audit()
    assert [e.action for e in everything] == ["suggestions", "nightly"]
    assert everything[1].payload == {} and everything[1].claimant_id is None
    assert everything[1].at.tzinfo is not None


def test_audit_ids_are_random_not_a_counter(store: Store) -> None:
    """Issue 16, defect 10: one global counter let a caller see how many entries (lookups, reads) the
    other Jobcenters made between two of its own. Ids are now random below 2^53 (exact in JSON and
    JavaScript), and entries still list oldest first."""
    ids = [store.add_audit(who="u", action=f"a{i}") for i in range(40)]
    assert len(set(ids)) == 40 and all(0 < i < 2**53 for i in ids)
    assert ids != sorted(ids)  # 40 increasing draws: probability 1/40!
    assert min(abs(b - a) for a, b in itertools.pairwise(ids)) > 1
    assert [e.action for e in store.list_audit()] == [f"a{i}" for i in range(40)]
    assert [e.id for e in store.list_audit()] == ids
    assert store.get_audit(ids[7]).action == "a7"  # type: ignore[union-attr]


# --------------------------------------------------------------------------------------------------
# Upserts, erasure, counts, transactions


def test_upsert_updates_instead_of_duplicating(store: Store) -> None:
    a, b = make_claimant(1), make_claimant(2)
    store.upsert_claimants([(a, make_protected(a.id)), (b, make_protected(b.id))])
    a2 = dataclasses.replace(a, available_hours=20.0, health_max_load=None, licences=frozenset({"B"}))
    c = make_claimant(3)
    counts = store.upsert_claimants([(a2, None), (c, None), (b, make_protected(b.id, sex=Sex.DIVERSE))])
    assert (counts.inserted, counts.updated) == (1, 2)
    assert store.get_claimant(a.id) == a2
    protected = store.get_protected([a.id, b.id, c.id])
    assert protected[a.id] == make_protected(a.id)  # None leaves stored attributes alone
    assert protected[b.id].sex is Sex.DIVERSE
    assert c.id not in protected

    v = make_vacancy(1)
    store.upsert_vacancies([v])
    renamed = dataclasses.replace(v.employer, name="Neuer Name GmbH", collective_agreement=False)
    v2 = dataclasses.replace(v, employer=renamed, wage=3100.0, filled=True)
    counts = store.upsert_vacancies([v2])
    assert (counts.inserted, counts.updated) == (0, 1)
    # A vacancy write does not rewrite its known employer (issue 16, defect 8); an employer write does.
    assert store.get_vacancy(v.id) == dataclasses.replace(v2, employer=v.employer)
    counts = store.upsert_employers([renamed])
    assert (counts.inserted, counts.updated) == (0, 1)
    assert store.get_vacancy(v.id) == v2 and store.get_employer(v.employer.id) == renamed

    o = make_outcome(1)
    store.upsert_outcomes([o])
    store.upsert_outcomes([dataclasses.replace(o, benefits_12m=False)])
    assert store.list_outcomes() == [dataclasses.replace(o, benefits_12m=False)]

    counts = store.upsert_proposals(
        [
            Proposal(id="P1", claimant_id="K1", vacancy_id="V1", proposed=date(2025, 1, 1)),
            Proposal(id="P1", claimant_id="K1", vacancy_id="V1", proposed=date(2025, 1, 1), hired=True),
        ]
    )
    assert (counts.inserted, counts.updated) == (1, 0)  # the last of a duplicated id wins
    assert store.list_proposals()[0].hired is True

    assert store.counts() == {
        "employers": 1,
        "vacancies": 1,
        "claimants": 3,
        "claimant_health": 3,
        "claimant_protected": 2,
        "outcomes": 1,
        "proposals": 1,
        "suggestions": 0,
        "suggestion_actions": 0,
        "audit_log": 0,
        "api_tokens": 0,
        "nightly_runs": 0,
        "nightly_lists": 0,
        "wish_corrections": 0,
        "serving_changes": 0,
    }


def test_delete_claimant_erases_every_row_naming_them(store: Store) -> None:
    a, b = make_claimant(1), make_claimant(2)
    store.upsert_claimants([(a, make_protected(a.id)), (b, make_protected(b.id))])
    store.upsert_outcomes([make_outcome(1), make_outcome(2)])
    store.upsert_proposals([Proposal(id="P1", claimant_id=a.id, vacancy_id="V1", proposed=date(2025, 1, 1))])
    # A vacancy's candidates list names both; only the erased claimant's item goes.
    sa1, _ = add_lookup(
        store, None, shown(a.id, "V1", 1, kind="candidates"), shown(b.id, "V1", 2, kind="candidates"),
        action="candidates",
    )  # fmt: skip
    store.add_action(
        SuggestionAction(
            id=None,
            suggestion_id=sa1.id,
            claimant_id=a.id,
            vacancy_id="V1",
            action=FeedbackAction.APPLIED,
            user="fm",
            at=datetime(2026, 1, 1, tzinfo=UTC),
            model_version="m1",
        )
    )
    store.add_audit(who="fm", action="suggestions", claimant_id=a.id)
    run = NightlyRun("R1", datetime(2026, 1, 2, tzinfo=UTC), None, "done")
    store.save_nightly_run(
        run, [NightlyRow("R1", c.id, 1, "V1", c.jobcenter, c.case_manager, 0.5) for c in (a, b)]
    )
    for c in (a, b):
        store.set_wish_correction(
            c.id, c.desired_occupations[0], "52122", "fm", datetime(2026, 1, 2, tzinfo=UTC)
        )

    deleted = store.delete_claimant(a.id)
    assert deleted == {
        "claimant_health": 1,
        "claimant_protected": 1,
        "outcomes": 1,
        "proposals": 1,
        "suggestion_actions": 1,
        "suggestions": 1,
        "nightly_lists": 1,
        "wish_corrections": 1,
        "claimants": 1,
    }
    assert store.wish_corrections([a.id, b.id]) == {b.id: {b.desired_occupations[0]: "52122"}}
    assert [r.claimant_id for r in store.list_nightly("R1")] == [b.id]
    assert [s.claimant_id for s in store.list_suggestions()] == [b.id] and store.list_actions() == []
    with pytest.raises(UnknownClaimant):
        store.get_claimant(a.id)
    assert store.get_protected([a.id]) == {}
    counts = store.counts()
    assert (counts["claimants"], counts["claimant_health"], counts["claimant_protected"]) == (1, 1, 1)
    assert [o.claimant_id for o in store.list_outcomes()] == [b.id]
    # The audit log keeps that a lookup happened, by whom and when, but no longer about whom.
    assert store.list_audit(a.id) == []
    (kept,) = [e for e in store.list_audit() if e.action == "suggestions"]
    assert (kept.who, kept.claimant_id, kept.payload) == ("fm", None, {"redacted": "erasure"})
    assert store.get_claimant(b.id) == b
    with pytest.raises(UnknownClaimant):
        store.delete_claimant(a.id)


def test_erasure_drops_the_claimant_from_other_entries_lists(store: Store) -> None:
    a, b = make_claimant(1), make_claimant(2)
    store.upsert_claimants([(a, None), (b, None)])
    items = [{"rank": 1, "claimant_id": b.id, "score": 0.5}, {"rank": 2, "claimant_id": a.id, "score": 0.4}]
    store.add_audit(who="ag", action="candidates", payload={"subject_id": "V1", "items": items})
    store.add_audit(who="fm", action="suggestions", claimant_id=b.id, payload={"items": []})
    store.delete_claimant(a.id)
    cands, other = store.list_audit()
    assert cands.payload == {"subject_id": "V1", "items": [items[0]], "redacted_items": 1}
    assert (other.claimant_id, other.payload) == (b.id, {"items": []})  # nobody else's entry changes


def test_tokens_are_found_by_hash_and_revoked_once(store: Store) -> None:
    at = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    store.add_token(ApiToken("t1", "fm.meier", "case_manager", "JC-GOE", "h" * 64, at))
    store.add_token(ApiToken("t2", "admin", "admin", "JC-GOE", "a" * 64, at + timedelta(minutes=1)))
    assert store.token_by_hash("h" * 64) == ApiToken("t1", "fm.meier", "case_manager", "JC-GOE", "h" * 64, at)
    assert store.token_by_hash("x" * 64) is None
    assert [t.id for t in store.list_tokens()] == ["t1", "t2"]
    assert store.revoke_token("t1", at=at + timedelta(days=1)) is True
    assert store.revoke_token("t1") is False  # already revoked
    assert store.revoke_token("nope") is False
    assert store.token_by_hash("h" * 64).revoked == at + timedelta(days=1)  # type: ignore[union-attr]
    with pytest.raises(sa.exc.IntegrityError):  # the same secret twice is a bug, not a second user
        store.add_token(ApiToken("t3", "other", "batch", "JC-GOE", "a" * 64, at))


def test_nightly_run_replaces_its_lists_atomically(store: Store) -> None:
    started = datetime(2026, 3, 1, 1, 0, tzinfo=UTC)
    run = NightlyRun("R1", started, None, "running", {"claimants": 2})
    store.save_nightly_run(run)
    assert store.get_nightly_run("R1") == run
    rows = [
        NightlyRow("R1", f"K{i}", r, f"V{r}", "JC", "fm1", 1.0 / r, {"why": "x"})
        for i in (2, 1)
        for r in (1, 2)
    ]
    done = dataclasses.replace(run, finished=started + timedelta(hours=1), status="done")
    store.save_nightly_run(done, rows)
    store.save_nightly_run(done, rows)  # idempotent: the same run written twice gives the same lists
    listed = store.list_nightly("R1")
    assert [(r.claimant_id, r.rank) for r in listed] == [("K1", 1), ("K1", 2), ("K2", 1), ("K2", 2)]
    assert listed[0].payload == {"why": "x"}
    assert store.list_nightly("R1", claimant_id="K2", case_manager="fm1")[1].vacancy_id == "V2"
    assert [r.id for r in store.list_nightly_runs()] == ["R1"]
    assert store.get_nightly_run("R1").status == "done"  # type: ignore[union-attr]
    assert store.get_nightly_run("R2") is None


def test_transaction_is_all_or_nothing(store: Store) -> None:
    before = store.counts()
    with pytest.raises(RuntimeError), store.transaction():
        store.upsert_vacancies([make_vacancy(1)])
        store.upsert_claimants([(make_claimant(1), None)])
        with store.transaction():  # nested blocks join the outer one
            store.upsert_outcomes([make_outcome(1)])
        assert store.counts()["vacancies"] == 1  # visible inside the transaction
        raise RuntimeError("boom")
    assert store.counts() == before

    with store.transaction():
        store.upsert_vacancies([make_vacancy(1)])
        store.upsert_claimants([(make_claimant(1), None)])
    assert store.counts()["vacancies"] == 1 and store.counts()["claimants"] == 1


def test_many_rows_upsert_and_load(store: Store) -> None:
    items = [make_vacancy(i, make_employer(i % 50)) for i in range(6000)]  # > one chunk
    counts = store.upsert_vacancies(items)
    assert (counts.inserted, counts.updated) == (6000, 0)
    counts = store.upsert_vacancies(items[::2])
    assert (counts.inserted, counts.updated) == (0, 3000)
    assert store.list_vacancies() == items
    assert len(store.get_protected([f"K{i}" for i in range(12000)])) == 0


# --------------------------------------------------------------------------------------------------
# Unreachable databases


def test_unreachable_postgresql_is_store_unavailable() -> None:
    url = "postgresql+psycopg://postgres:secret@127.0.0.1:1/test"
    with pytest.raises(StoreUnavailable) as err:
        Store.open(url)
    message = str(err.value)
    assert "127.0.0.1:1" in message and "unavailable" in message
    assert "secret" not in message


def test_unopenable_sqlite_file_is_store_unavailable(tmp_path: Any) -> None:
    (tmp_path / "dir").mkdir()
    with pytest.raises(StoreUnavailable, match="unavailable"):
        Store.open(f"sqlite:///{tmp_path / 'dir'}")  # a directory is not a database file


def test_unsupported_database_is_refused() -> None:
    with pytest.raises(StoreUnavailable, match="unsupported"):
        Store.open("mysql://u@localhost/db")


def test_search_puts_current_cases_first(store: Store) -> None:
    closed = dataclasses.replace(make_claimant(1), active=False)
    current = make_claimant(2)
    store.upsert_claimants([(closed, None), (current, None)])
    total, found = store.search_claimants(current.jobcenter, "", limit=10)
    assert total == 2 and [r["id"] for r in found] == [current.id, closed.id]
    assert store.search_claimants(current.jobcenter, "", limit=1) == (2, found[:1])
    assert store.search_claimants(current.jobcenter, "", limit=1, offset=1) == (2, found[1:])


def test_vacancies_read_share_their_repeated_values(store: Store) -> None:
    """Equal titles, places, codes, dates and licence sets are one object each across the vacancies
    read (a server holds every vacancy); the records equal those written."""
    e = make_employer(7)
    vs = [make_vacancy(i, e, title="Lagerhelfer (m/w/d)", licences=frozenset()) for i in (1, 2, 3)]
    vs.append(make_vacancy(4, e, title="Koch", licences=frozenset({"B"})))
    store.upsert_vacancies(vs)
    read = store.list_vacancies()
    assert read == vs
    a, b, c, d = read
    for name in ("title", "municipality", "postcode", "kldb", "licences", "posted", "source"):
        assert getattr(a, name) is getattr(b, name) is getattr(c, name), name
    assert d.licences == frozenset({"B"}) and d.title == "Koch"


def test_insert_vacancy_is_one_atomic_create(store: Store) -> None:
    v = make_vacancy(7)
    store.insert_vacancy(v)
    with pytest.raises(Conflict, match="already in use"):
        store.insert_vacancy(dataclasses.replace(v, title="Zweiter Versuch"))
    assert store.get_vacancy(v.id).title == v.title
    assert store.get_employer(v.employer.id) == v.employer


def test_a_claimant_row_from_before_0004_has_no_activation_day_and_a_new_one_round_trips(db_url: str) -> None:
    migrate(db_url, "0003")
    engine = sa.create_engine(db_url)
    try:
        with engine.begin() as conn:
            # A row as the 0003 schema held it (every column but ``activated``).
            row = mappers.claimant_row(make_claimant(1))
            del row["activated"]
            conn.execute(tables.claimants.insert(), [row])
    finally:
        engine.dispose()
    with Store.open(db_url) as store:  # migrates to head
        assert current_revision(db_url) == HEAD_REVISION
        (old,) = store.list_claimants(active_only=False)
        assert old.id == "K00001" and old.activated is None
        store.upsert_claimants([(make_claimant(2, activated=date(2024, 2, 29)), None)])
        got = {c.id: c.activated for c in store.list_claimants(active_only=False)}
        assert got == {"K00001": None, "K00002": date(2024, 2, 29)}
    downgrade(db_url, "0003")
    engine = sa.create_engine(db_url)
    try:
        assert "activated" not in {c["name"] for c in sa.inspect(engine).get_columns("claimants")}
    finally:
        engine.dispose()
