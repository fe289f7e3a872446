"""Actions on shown suggestions are appended, never replaced, and only on the caller's own lists."""

from __future__ import annotations

import pytest

from matcher.domain import FeedbackAction
from matcher.errors import UnknownSuggestion, ValidationError
from matcher.usecases.lookups import Lookups
from matcher.usecases.proposals import ActionRequest, Proposals
from tests.factories import make_claimant, make_vacancy
from tests.matcher.usecases.fakes import Caller, FakeLive, FakeService, MemoryStore

CM = Caller("cm-goe", "case_manager", "JC-GOE")
CM_OHA = Caller("cm-oha", "case_manager", "JC-OHA")
ADMIN = Caller("admin", "admin", None, sees_health=False)


def _env() -> tuple[MemoryStore, Proposals]:
    store = MemoryStore()
    store.upsert_claimants([(make_claimant(id="K1"), None)])
    Lookups(store, store, FakeLive(FakeService([make_vacancy(id="V1"), make_vacancy(id="V2")]))).suggestions(
        CM, "K1", 2
    )
    return store, Proposals(store, store, store, store)


def test_actions_are_appended() -> None:
    store, uc = _env()
    first = uc.act(CM, "1-1", ActionRequest(FeedbackAction.PROPOSED, confirmed_by="  Frau Schulz "))
    second = uc.act(CM, "1-1", ActionRequest(FeedbackAction.PROPOSED, confirmed_by="Herr Meier"))
    uc.act(CM, "1-2", ActionRequest(FeedbackAction.REJECTED, reason_code="commute"))
    assert (first.id, second.id) == (1, 2)
    assert [(a.suggestion_id, a.vacancy_id, a.action.value, a.confirmed_by, a.reason_code, a.user)
            for a in store.list_actions("K1")] == [
        ("1-1", "V1", "proposed", "Frau Schulz", None, "cm-goe"),
        ("1-1", "V1", "proposed", "Herr Meier", None, "cm-goe"),
        ("1-2", "V2", "rejected", None, "commute", "cm-goe"),
    ]  # fmt: skip
    assert [e["action"] for e in store.audit] == ["suggestions", "feedback", "feedback", "feedback"]
    assert store.audit[1]["payload"] == {"role": "case_manager", "suggestion_id": "1-1", "action": "proposed"}


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (ActionRequest(FeedbackAction.PROPOSED), "confirmed_by"),
        (ActionRequest(FeedbackAction.PROPOSED, confirmed_by="   "), "confirmed_by"),
        (ActionRequest(FeedbackAction.REJECTED), "reason_code"),
    ],
)
def test_rules(request_: ActionRequest, field: str) -> None:
    store, uc = _env()
    with pytest.raises(ValidationError) as err:
        uc.act(CM, "1-1", request_)
    assert err.value.field == field and store.actions == []


def test_other_jobcenter_unknown_and_erased_claimants_are_unknown_suggestions() -> None:
    store, uc = _env()
    for caller, sid in ((CM_OHA, "1-1"), (CM, "9-1"), (CM, "1-3")):
        with pytest.raises(UnknownSuggestion):
            uc.act(caller, sid, ActionRequest(FeedbackAction.APPLIED))
    uc.act(ADMIN, "1-1", ActionRequest(FeedbackAction.APPLIED))  # all Jobcenters
    store.delete_claimant("K1")
    with pytest.raises(UnknownSuggestion):
        uc.act(CM, "1-2", ActionRequest(FeedbackAction.APPLIED))
    assert len(store.actions) == 0


@pytest.mark.parametrize(
    ("confirmed_by", "ok"),
    [
        ("cm-goe", True),  # the signed-in user
        ("Frau Schulz", True),  # a case manager of the same Jobcenter
        ("Herr Meier", True),  # a team lead of the same Jobcenter
        ("Herr Kaya", False),  # a case manager of another Jobcenter
        ("Frau Admin", False),  # an admin places no one
        ("Jemand Erfundenes", False),  # nobody the system knows
    ],
)
def test_the_confirming_person_is_a_known_user_of_the_jobcenter(confirmed_by: str, ok: bool) -> None:
    """Issue 16, defect 7: ``confirmed_by`` is not free text."""
    store, uc = _env()
    request = ActionRequest(FeedbackAction.PROPOSED, confirmed_by=confirmed_by)
    if ok:
        assert uc.act(CM, "1-1", request).confirmed_by == confirmed_by
        return
    with pytest.raises(ValidationError) as err:
        uc.act(CM, "1-1", request)
    assert err.value.field == "confirmed_by" and confirmed_by not in str(err.value)
    assert store.actions == []
