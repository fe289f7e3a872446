"""The claimant notice of a confirmed proposal: software suggested, a named person decided, the
reasons in plain words, how to object; only for the claimant's own Jobcenter."""

from __future__ import annotations

import pytest

from matcher.domain import Contract, Employer, FeedbackAction, Household, SizeBand
from matcher.errors import UnknownClaimant, UnknownSuggestion
from matcher.explain import CommuteFacts, Driver, Explanation, Reason
from matcher.household import HouseholdEffect
from matcher.printable.notice import notice_text, render_notices
from matcher.usecases.lookups import Lookups
from matcher.usecases.notices import Notices
from matcher.usecases.proposals import ActionRequest, Proposals
from tests.factories import make_claimant, make_vacancy
from tests.matcher.usecases.fakes import Caller, FakeLive, FakeService
from tests.matcher.usecases.subject_fakes import SubjectStore

CM = Caller("cm-goe", "case_manager", "JC-GOE")
CM_OHA = Caller("cm-oha", "case_manager", "JC-OHA")

TEMP = Employer("E9", "Zeitwerk Personal GmbH", SizeBand.LARGE, "N", temp_agency=True)


def _effect(*, ends: bool, reduction: float) -> HouseholdEffect:
    return HouseholdEffect(
        2200.0, 1013.0, 0.0, 1600.0, 1300.0, -287.0 if ends else 200.0, ends, reduction, ""
    )


def _explanation(vacancy_id: str) -> Explanation:
    if vacancy_id == "V1":
        reasons = (
            Reason("commute", 0, "Fahrzeit 28 von 75 Min. (ÖPNV)"),
            Reason("occupation", 1, "Beruf passt genau (KldB 51311)"),
            Reason("hours", 0, "39 von 39 Std./Woche"),
            Reason("wage", 1, "Lohn beendet die Hilfebedürftigkeit"),
            Reason("collective_agreement", 1, "Tarifbindung stützt die Dauer"),
            Reason("experience", 1, "3 Jahre Erfahrung im Beruf"),
        )
        up = (Driver("experience_years", "Berufserfahrung im Beruf der Stelle", 3.0, "Jahre", 0.41),
              Driver("collective_agreement", "Tarifbindung", 1.0, "ja/nein", 0.2))  # fmt: skip
        return Explanation(reasons, up, (), _effect(ends=True, reduction=563.0),
                           CommuteFacts(28.4, 75.0, "public"), (), "model-1")  # fmt: skip
    reasons = (
        Reason("commute", 0, "Fahrzeit 51 von 75 Min. (ÖPNV)"),
        Reason("occupation", -1, "Beruf weicht ab (KldB 52122)"),
        Reason("temp_agency", -1, "Zeitarbeit senkt die Chance auf Dauer"),
        Reason("fixed_term", -1, "befristet auf 6 Monate senkt die Chance auf Dauer"),
        Reason("childcare", -1, "Arbeitszeit schwer mit der Kinderbetreuung vereinbar"),
    )
    return Explanation(reasons, (), (), _effect(ends=False, reduction=212.4),
                       CommuteFacts(51.0, 75.0, "public"), (), "model-2")  # fmt: skip


def _env() -> tuple[SubjectStore, Notices, list[tuple[str, str]]]:
    store = SubjectStore()
    store.upsert_claimants(
        [(make_claimant(id="K1", household=Household(adults=1, children_0_5=1, rent=450.0)), None)]
    )
    v1 = make_vacancy(id="V1", title="Lagerhelfer (m/w/d)")
    v2 = make_vacancy(id="V2", title="Berufskraftfahrer C1", kldb="52122", employer=TEMP,
                      contract=Contract.FIXED_TERM, contract_months=6, municipality="Osterode am Harz")  # fmt: skip
    store.upsert_vacancies([v1, v2])
    Lookups(store, store, FakeLive(FakeService([v1, v2]))).suggestions(CM, "K1", 2)
    proposals = Proposals(store, store, store, store)
    proposals.act(CM, "1-1", ActionRequest(FeedbackAction.PROPOSED, confirmed_by="Frau Schulz"))
    proposals.act(CM, "1-2", ActionRequest(FeedbackAction.PROPOSED, confirmed_by="cm-goe"))
    asked: list[tuple[str, str]] = []

    def explain(c, vacancy_id):  # type: ignore[no-untyped-def]
        asked.append((c.id, vacancy_id))
        return _explanation(vacancy_id)

    return store, Notices(store, explain), asked


def test_the_notice_names_software_person_vacancy_reasons_and_objection() -> None:
    store, uc, asked = _env()
    n = uc.for_suggestion(CM, "1-1")
    assert (n.claimant_id, n.vacancy_id, n.title, n.confirmed_by, n.recorded_by, n.action_id) == (
        "K1", "V1", "Lagerhelfer (m/w/d)", "Frau Schulz", "cm-goe", 1,
    )  # fmt: skip
    assert asked == [("K1", "V1")]
    assert n.reasons == (
        "Der Arbeitsort in Göttingen ist für Sie in etwa 28 Minuten mit Bus und Bahn erreichbar; "
        "zumutbar sind bis zu 75 Minuten.",
        "Die Stelle hat 39 Wochenstunden; Sie können bis zu 39 Stunden in der Woche arbeiten.",
        "Die Stelle passt zu Ihrem Berufswunsch oder zu Ihrer Berufserfahrung.",
        "Der Arbeitgeber ist an einen Tarifvertrag gebunden.",
        "Sie haben Erfahrung in diesem Beruf (etwa 3 Jahre).",
        "Mit dem Lohn wären Sie voraussichtlich nicht mehr auf Bürgergeld angewiesen.",
    )
    assert n.cautions == ()
    assert n.drivers == ("Berufserfahrung im Beruf der Stelle", "Tarifbindung")
    text = notice_text(n)
    for part in (
        "„Lagerhelfer (m/w/d)“ bei Logistik Nord GmbH in Göttingen",
        "eine Software mitgewirkt: passgenau",
        "Entschieden hat ein Mensch: Frau Schulz hat den Vorschlag am",
        "Die Stelle passt zu Ihrem Berufswunsch",
        "- Mit dem Lohn wären Sie voraussichtlich nicht mehr auf Bürgergeld angewiesen.",
        "von einer Person ohne die Software noch einmal geprüft",
        "Widerspruch einlegen, innerhalb eines Monats",
        "Datenschutzbeauftragte des Jobcenters",
        "Art. 77 DSGVO",
        "Jobcenter JC-GOE (Team Team-1)",
        "Vorschlag Nr. 1-1, Modellversion model-1",
    ):
        assert part in text, part
    assert "Was Sie auch wissen sollten" not in text and "Gründe berechnet mit" not in text
    # The notice is audited: who made it, for which proposal.
    assert store.audit[-1] == {"who": "cm-goe", "action": "notice.read", "claimant_id": "K1",
                               "model_version": None, "index_version": None,
                               "payload": {"role": "case_manager", "suggestion_id": "1-1", "action_id": 1}}  # fmt: skip


def test_what_speaks_against_the_job_is_said_plainly() -> None:
    _, uc, _ = _env()
    n = uc.for_suggestion(CM, "1-2")
    assert n.confirmed_by == "cm-goe"
    assert n.cautions == (
        "Der Beruf der Stelle weicht von Ihren bisherigen Berufswünschen ab.",
        "Die Stelle ist in Zeitarbeit; solche Stellen enden häufiger früh.",
        "Der Vertrag ist auf 6 Monate befristet.",
        "Die Arbeitszeiten sind mit der Kinderbetreuung vielleicht schwer vereinbar. Sprechen Sie das bitte an.",
    )
    assert (
        n.reasons[-1]
        == "Der Lohn würde Ihren Bedarf an Bürgergeld voraussichtlich um etwa 212 Euro im Monat verringern."
    )
    assert "Was Sie auch wissen sollten:\n- Der Beruf der Stelle weicht" in notice_text(n)
    # The list was shown with model-1, the reasons come from the model serving now.
    assert n.explained_with == "model-2"
    assert "Modellversion model-1 (Gründe berechnet mit Modellversion model-2)" in notice_text(n)


def test_every_confirmed_proposal_gets_a_notice_and_the_page_prints_each() -> None:
    store, uc, _ = _env()
    notices = uc.for_claimant(CM, "K1")
    assert [(n.suggestion_id, n.confirmed_by) for n in notices] == [("1-1", "Frau Schulz"), ("1-2", "cm-goe")]
    page = render_notices(notices)
    assert page.count("<h1>Hinweis zu Ihrem Vermittlungsvorschlag</h1>") == 2
    assert 'class="pagebreak"' in page and "Berufskraftfahrer C1" in page and "Frau Schulz" in page
    assert store.audit[-1]["payload"] == {"role": "case_manager", "action_ids": [1, 2]}


def test_a_vacancy_no_longer_held_still_gets_a_notice_without_invented_reasons() -> None:
    store, uc, asked = _env()
    store.delete_vacancy("V1")
    n = uc.for_suggestion(CM, "1-1")
    assert (n.title, n.reasons, n.drivers, asked) == (None, (), (), [])
    text = notice_text(n)
    assert "Stelle Nr. V1" in text and "nicht mehr berechnet" in text and "Frau Schulz" in text


def test_only_confirmed_proposals_of_the_own_jobcenter() -> None:
    store, uc, _ = _env()
    Proposals(store, store, store, store).act(CM, "1-2", ActionRequest(FeedbackAction.APPLIED))
    assert uc.for_suggestion(CM, "1-2").confirmed_by == "cm-goe"  # a later action: still proposed
    shown = Lookups(store, store, FakeLive(FakeService([make_vacancy(id="V3")]))).suggestions(CM, "K1", 1)
    assert store.get_suggestion(shown.suggestion_ids[0]) is not None
    with pytest.raises(UnknownSuggestion):
        uc.for_suggestion(CM, shown.suggestion_ids[0])  # shown, never proposed
    for caller, sid in ((CM_OHA, "1-1"), (CM, "99-1")):
        with pytest.raises(UnknownSuggestion) as err:
            uc.for_suggestion(caller, sid)
        assert str(err.value) == sid  # the same answer for another Jobcenter's and a missing id
    assert store.audit[-1]["action"] == "access.denied" and store.audit[-1]["who"] == "cm-oha"
    with pytest.raises(UnknownClaimant):
        uc.for_claimant(CM_OHA, "K1")
    assert [e["who"] for e in store.audit if e["action"] == "notice.read"] == ["cm-goe"]
