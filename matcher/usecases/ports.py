"""What the use cases need from the outside, as protocols (the store, the live matching state).

The SQL store (``matcher.store.Store``) and the API's live runtime implement them; the tests'
in-memory fakes implement the same methods and nothing more.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

from matcher.domain import Claimant, Employer, Outcome, ProtectedAttributes, Vacancy
from matcher.records import AuditEntry, ShownSuggestion, SuggestionAction
from matcher.service import MatchService


class Caller(Protocol):
    """Who is asking: the API's authenticated principal, or an operator at the command line."""

    @property
    def name(self) -> str: ...

    @property
    def role_name(self) -> str: ...

    @property
    def scope(self) -> str | None:
        """The Jobcenter the caller is bound to; None for roles that work across Jobcenters."""
        ...

    @property
    def sees_health(self) -> bool: ...

    @property
    def reads_claimants(self) -> bool:
        """Whether the caller may read claimant records (batch writes them without reading)."""
        ...

    def may_see(self, jobcenter: str) -> bool: ...


class AuditLog(Protocol):
    def add_audit(
        self,
        *,
        who: str,
        action: str,
        claimant_id: str | None = None,
        model_version: str | None = None,
        index_version: str | None = None,
        payload: dict[str, Any] | None = None,
    ) -> int: ...

    def get_audit(self, entry_id: int) -> AuditEntry | None: ...


class LookupLog(AuditLog, Protocol):
    def add_lookup(
        self,
        *,
        who: str,
        action: str,
        claimant_id: str | None,
        model_version: str | None,
        index_version: str | None,
        payload: dict[str, Any],
        shown: Sequence[ShownSuggestion],
    ) -> tuple[int, list[ShownSuggestion]]: ...


class ClaimantRepository(Protocol):
    def get_claimant(self, claimant_id: str, *, with_health: bool = True) -> Claimant: ...

    def insert_claimant(self, claimant: Claimant) -> None:
        """Store a new claimant atomically; Conflict if the id is already taken."""
        ...

    def upsert_claimants(self, items: Sequence[tuple[Claimant, ProtectedAttributes | None]]) -> Any: ...

    def search_claimants(
        self, jobcenter: str | None, q: str, limit: int, offset: int = 0
    ) -> tuple[int, list[dict[str, Any]]]: ...

    def delete_claimant(self, claimant_id: str) -> dict[str, int]: ...


class VacancyRepository(Protocol):
    def get_vacancy(self, vacancy_id: str) -> Vacancy: ...

    def upsert_vacancies(self, items: Sequence[Vacancy]) -> Any: ...

    def insert_vacancy(self, v: Vacancy) -> None: ...

    def delete_vacancy(self, vacancy_id: str) -> None: ...


class EmployerRepository(Protocol):
    def get_employer(self, employer_id: str) -> Employer: ...

    def upsert_employers(self, items: Sequence[Employer]) -> Any: ...


class OutcomeRepository(Protocol):
    def outcome_jobcenter(self, outcome_id: str) -> str | None: ...

    def upsert_outcomes(self, items: Sequence[Outcome]) -> Any: ...


class SuggestionRepository(Protocol):
    def get_suggestion(self, suggestion_id: str) -> ShownSuggestion | None: ...

    def add_action(self, action: SuggestionAction) -> SuggestionAction: ...

    def list_actions(
        self,
        claimant_id: str | None = None,
        suggestion_id: str | None = None,
        *,
        vacancy_id: str | None = None,
        jobcenter: str | None = None,
    ) -> list[SuggestionAction]:
        """Actions in the order recorded; ``jobcenter``: on suggestions of that Jobcenter's claimants."""
        ...


class UserDirectory(Protocol):
    """The people known to the system (the holders of API tokens)."""

    def known_user(self, name: str, jobcenter: str, roles: tuple[str, ...]) -> bool:
        """Whether ``name`` is an active user of ``jobcenter`` in one of ``roles``."""
        ...


class ReadSnapshot(Protocol):
    def reading(self) -> AbstractContextManager[None]:
        """A block whose reads run in one read transaction (one state of the store, one round of
        connection set-up instead of one per read); nothing may write inside it."""
        ...


class LiveMatching(Protocol):
    """The matching state a running service holds: swapped as a whole when records change."""

    @property
    def service(self) -> MatchService: ...

    def transient_service(self) -> MatchService:
        """The service with an encoder that keeps nothing of the profiles it embeds."""
        ...

    def service_for(self, jobcenter: str) -> MatchService:
        """The service whose reverse matching sees only this Jobcenter's claimants."""
        ...

    def claimant_changed(self, claimant: Claimant | None, claimant_id: str) -> None: ...

    def vacancies_changed(self, upserted: Sequence[Vacancy] = (), removed: Sequence[str] = ()) -> str: ...

    def employer_changed(self, employer_id: str) -> str:
        """Bring the held vacancies of this employer in line with the store; the index version."""
        ...

    def forget_profiles(self, claimants: Sequence[Claimant], keep: Sequence[Claimant] = ()) -> int:
        """Drop these profiles' vectors from the embedding cache (not those ``keep`` still needs);
        how many were held."""
        ...
