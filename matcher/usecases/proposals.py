"""Actions on shown suggestions: proposed (a Vermittlungsvorschlag, confirmed by a named person),
rejected (with a reason code), applied, hired. Append-only: a later action is a new record, never
a change of an earlier one, so the history a case manager sees is what happened."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from matcher.domain import FeedbackAction
from matcher.errors import UnknownClaimant, UnknownSuggestion, ValidationError
from matcher.records import ShownSuggestion, SuggestionAction
from matcher.usecases.access import audit, denied, visible_claimant
from matcher.usecases.ports import (
    AuditLog,
    Caller,
    ClaimantRepository,
    SuggestionRepository,
    UserDirectory,
)

# Who may confirm a Vermittlungsvorschlag: the roles that place people (api.auth.Role's values).
CONFIRMING_ROLES = ("case_manager", "team_lead")


@dataclass(frozen=True)
class ActionRequest:
    action: FeedbackAction
    reason_code: str | None = None
    confirmed_by: str | None = None

    def checked(self) -> ActionRequest:
        """The request with its rules applied: a proposal names who confirmed it, a rejection why."""
        confirmed = self.confirmed_by.strip() if self.confirmed_by else None
        if self.action is FeedbackAction.PROPOSED and not confirmed:
            raise ValidationError(
                "confirmed_by",
                "nothing is proposed to a claimant without a named case manager's confirmation",
            )
        if self.action is FeedbackAction.REJECTED and not self.reason_code:
            raise ValidationError("reason_code", "a rejection needs a reason code")
        return ActionRequest(self.action, self.reason_code, confirmed)


class Proposals:
    def __init__(
        self,
        suggestions: SuggestionRepository,
        claimants: ClaimantRepository,
        log: AuditLog,
        users: UserDirectory,
    ) -> None:
        self.suggestions = suggestions
        self.claimants = claimants
        self.log = log
        self.users = users

    def shown(self, caller: Caller, suggestion_id: str) -> ShownSuggestion:
        """A shown suggestion the caller may act on (another Jobcenter's answers like a missing one)."""
        s = self.suggestions.get_suggestion(suggestion_id)
        if s is None:
            raise UnknownSuggestion(suggestion_id)
        if not caller.may_see(s.jobcenter):
            denied(self.log, caller, "suggestion", suggestion_id=suggestion_id)
            raise UnknownSuggestion(suggestion_id)
        try:
            visible_claimant(self.claimants, caller, s.claimant_id, with_health=False, log=self.log)
        except UnknownClaimant:
            raise UnknownSuggestion(suggestion_id) from None
        return s

    def _check_confirming(self, caller: Caller, s: ShownSuggestion, confirmed_by: str | None) -> None:
        """The confirming person is the caller or a case manager or team lead of the suggestion's
        Jobcenter known to the system: a name nobody holds cannot be on a Vermittlungsvorschlag."""
        if confirmed_by is None or confirmed_by == caller.name:
            return
        if not self.users.known_user(confirmed_by, s.jobcenter, CONFIRMING_ROLES):
            raise ValidationError(
                "confirmed_by", "must be you or an active case manager or team lead of your Jobcenter"
            )

    def act(self, caller: Caller, suggestion_id: str, request: ActionRequest) -> SuggestionAction:
        req = request.checked()
        s = self.shown(caller, suggestion_id)
        self._check_confirming(caller, s, req.confirmed_by)
        action = self.suggestions.add_action(
            SuggestionAction(
                id=None,
                suggestion_id=s.id,
                claimant_id=s.claimant_id,
                vacancy_id=s.vacancy_id,
                action=req.action,
                user=caller.name,
                at=datetime.now(UTC),
                model_version=s.model_version,
                reason_code=req.reason_code,
                confirmed_by=req.confirmed_by,
            )
        )
        payload = {"suggestion_id": s.id, "action": req.action.value}
        audit(self.log, caller, "feedback", claimant_id=s.claimant_id, payload=payload)
        return action
