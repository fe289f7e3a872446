"""GDPR Art. 15 Auskunft: everything held about one claimant, for their own Jobcenter only."""

from __future__ import annotations

import json
from datetime import date

import pytest

from matcher.domain import (
    AgeBand,
    FeedbackAction,
    NationalityGroup,
    Outcome,
    PhysicalLoad,
    Proposal,
    ProtectedAttributes,
    Sex,
)
from matcher.errors import UnknownClaimant
from matcher.printable.auskunft import render_auskunft
from matcher.records import NightlyRow, NightlyRun
from matcher.usecases.auskunft import Auskunft
from matcher.usecases.lookups import Lookups
from matcher.usecases.proposals import ActionRequest, Proposals
from tests.factories import make_claimant, make_vacancy
from tests.matcher.usecases.fakes import Caller, FakeLive, FakeService
from tests.matcher.usecases.subject_fakes import T0, SubjectStore

CM = Caller("cm-goe", "case_manager", "JC-GOE")
LEAD = Caller("lead-goe", "team_lead", "JC-GOE")
LEAD_OHA = Caller("lead-oha", "team_lead", "JC-OHA")


def _env() -> SubjectStore:
    store = SubjectStore()
    k1 = make_claimant(id="K1", health_max_load=PhysicalLoad.LOW, profile_text="Lager <b>und</b> Versand")
    k2 = make_claimant(id="K2", jobcenter="JC-OHA")
    store.upsert_claimants([(k1, None), (k2, None)])
    store.protected["K1"] = ProtectedAttributes(
        "K1", Sex.FEMALE, NationalityGroup.EU, AgeBand.AGE_50_PLUS, True
    )
    v1, v2 = make_vacancy(id="V1", title="Lagerhelfer (m/w/d)"), make_vacancy(id="V2", title="Fahrer C1")
    store.upsert_vacancies([v1, v2])
    lookups = Lookups(store, store, FakeLive(FakeService([v1, v2])))
    lookups.suggestions(CM, "K1", 2)  # audit 1, suggestions 1-1, 1-2
    lookups.suggestions(Caller("cm-oha", "case_manager", "JC-OHA"), "K2", 2)  # audit 2
    Proposals(store, store, store, store).act(
        CM, "1-1", ActionRequest(FeedbackAction.PROPOSED, confirmed_by="Frau Schulz")
    )
    Proposals(store, store, store, store).act(
        CM, "1-2", ActionRequest(FeedbackAction.REJECTED, reason_code="commute")
    )
    store.upsert_outcomes([
        Outcome("O1", "K1", "V-OLD", date(2024, 3, 1), date(2024, 5, 1), False, True,
                claimant_snapshot={"jobcenter": "JC-GOE"}, vacancy_snapshot={"title": "Kommissionierer"}),
        Outcome("O2", "K2", "V1", date(2024, 3, 1), None, True, False),
    ])  # fmt: skip
    store.proposals += [
        Proposal("P1", "K1", "V-OLD", date(2024, 2, 1), True),
        Proposal("P2", "K2", "V2", date(2024, 2, 1)),
    ]
    store.runs.append(NightlyRun("2026-11-02", T0, T0, "done"))
    store.nightly += [
        NightlyRow("2026-11-02", "K1", 1, "V2", "JC-GOE", "fm-001", 0.41234, {"title": "Fahrer C1", "employer": "Logistik Nord GmbH"}),
        NightlyRow("2026-11-02", "K2", 1, "V1", "JC-OHA", "fm-009", 0.3, {"title": "Lagerhelfer (m/w/d)"}),
    ]  # fmt: skip
    return store


def test_the_report_holds_everything_about_the_claimant_and_nothing_of_others() -> None:
    store = _env()
    r = Auskunft(store).report(LEAD, "K1")
    assert (r.claimant_id, r.jobcenter, r.generated_by) == ("K1", "JC-GOE", "lead-goe")
    assert r.record["desired_occupations"] == ["Lagerhelfer", "Kommissionierer"]
    assert r.record["profile_text"] == "Lager <b>und</b> Versand"
    assert "health_max_load" not in r.record and "household" not in r.record
    assert r.household == {
        "adults": 1,
        "children_0_5": 0,
        "children_6_13": 0,
        "children_14_17": 0,
        "rent": 450.0,
    }
    assert (r.health["health_max_load"], r.health["shown"]) == (1, True) and "Filter" in r.health["purpose"]
    assert r.protected is not None
    assert {k: r.protected[k] for k in ("sex", "nationality_group", "age_band", "severe_disability")} == {
        "sex": "f", "nationality_group": "eu", "age_band": "50+", "severe_disability": True,
    }  # fmt: skip
    assert "nie Merkmale des Modells" in r.protected["purpose"]
    # Every list shown: the one lookup of K1, with its versions, vacancies, ranks and titles.
    assert [(x.lookup_id, x.kind, x.model_version, x.index_version, x.embedder_id) for x in r.lists] == [
        (1, "suggestions", "model-1", "idx-1", "fake-emb")
    ]
    assert [(i["rank"], i["vacancy_id"], i["title"], i["suggestion_id"]) for i in r.lists[0].items] == [
        (1, "V1", "Lagerhelfer (m/w/d)", "1-1"), (2, "V2", "Fahrer C1", "1-2"),
    ]  # fmt: skip
    # Every action and who took it.
    assert [(a["action"], a["user"], a["confirmed_by"], a["reason_code"], a["vacancy_id"], a["title"])
            for a in r.actions] == [
        ("proposed", "cm-goe", "Frau Schulz", None, "V1", "Lagerhelfer (m/w/d)"),
        ("rejected", "cm-goe", None, "commute", "V2", "Fahrer C1"),
    ]  # fmt: skip
    # A vacancy no longer stored is named as it was at placement.
    assert [(o["id"], o["title"], o["employed_12m"]) for o in r.outcomes] == [
        ("O1", "Kommissionierer", False)
    ]
    assert [(p["id"], p["hired"]) for p in r.proposals] == [("P1", True)]
    assert [(n["run_id"], n["rank"], n["vacancy_id"], n["title"], n["score"]) for n in r.nightly] == [
        ("2026-11-02", 1, "V2", "Fahrer C1", 0.4123)
    ]
    # The audit entries about K1, the Auskunft's own entry last (written before gathering).
    assert [(e["who"], e["action"]) for e in r.audit] == [
        ("cm-goe", "suggestions"), ("cm-goe", "feedback"), ("cm-goe", "feedback"),
        ("lead-goe", "claimant.auskunft"),
    ]  # fmt: skip
    assert r.audit[-1]["id"] == r.audit_id == len(store.audit)
    assert store.audit[-1] == {"who": "lead-goe", "action": "claimant.auskunft", "claimant_id": "K1",
                               "model_version": None, "index_version": None,
                               "payload": {"role": "team_lead"}}  # fmt: skip
    as_json = json.loads(json.dumps(r.to_json()))
    assert as_json["lists"][0]["shown_at"] == r.lists[0].shown_at.isoformat()
    assert as_json["actions"][0]["confirmed_by"] == "Frau Schulz"
    assert "K2" not in json.dumps(as_json)


def test_health_data_only_for_a_role_that_reads_it() -> None:
    """With ``api.health_roles`` not naming the team lead, the Auskunft says the restriction is held
    back instead of showing it (or claiming there is none)."""
    r = Auskunft(_env()).report(Caller("lead-goe", "team_lead", "JC-GOE", sees_health=False), "K1")
    assert (r.health["health_max_load"], r.health["shown"]) == (None, False)
    page = render_auskunft(r)
    assert "in dieser Auskunft nicht enthalten" in page and "leichte Arbeit" not in page
    assert "keine Einschränkung gespeichert" not in page


def test_another_jobcenters_claimant_answers_like_a_missing_one_and_is_audited() -> None:
    store = _env()
    uc = Auskunft(store)
    with pytest.raises(UnknownClaimant) as other:
        uc.report(LEAD_OHA, "K1")
    with pytest.raises(UnknownClaimant) as missing:
        uc.report(LEAD_OHA, "K404")
    assert str(other.value) == str(missing.value) == "no such claimant"
    assert [e["action"] for e in store.audit[-1:]] == ["access.denied"]
    assert store.audit[-1]["who"] == "lead-oha" and store.audit[-1]["claimant_id"] == "K1"
    assert not any(e["action"] == "claimant.auskunft" for e in store.audit)


def test_the_printable_page_is_german_escaped_and_complete() -> None:
    page = render_auskunft(Auskunft(_env()).report(LEAD, "K1"))
    assert page.startswith("<!DOCTYPE html>") and '<html lang="de">' in page and "@media print" in page
    for text in (
        "Auskunft über Ihre gespeicherten Daten",
        "Art. 15",
        "Lager &lt;b&gt;und&lt;/b&gt; Versand",  # the claimant's own words, escaped
        "leichte Arbeit",
        "weiblich",
        "50 und älter",
        "nie Merkmale des Modells",
        "Lagerhelfer (m/w/d)",
        "Modellversion model-1",
        "Stellenindex idx-1",
        "vorgeschlagen (Vermittlungsvorschlag)",
        "Frau Schulz",
        "Kommissionierer",
        "2026-11-02",
        "Diese Auskunft wurde erstellt",
        "Beschwerde (Art. 77 DSGVO)",
        "Art. 22 DSGVO",
    ):
        assert text in page, text
    assert "<b>und</b>" not in page and "<script" not in page
