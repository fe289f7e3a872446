"""Lookup commands: ranked, explained suggestions for a claimant, candidates for a vacancy."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

from matcher.cli.base import domain_errors, scorer_or_note, state

if TYPE_CHECKING:
    from matcher.bootstrap import Services
    from matcher.service import MatchService


def lookup_service(services: Services, *, with_claimants: bool = False) -> MatchService:
    """The lookup service with a progress bar, and a note on stderr when no model is trained yet."""
    # Store and embedding model first: their errors come before the scorer's, as they always did.
    services.store()
    services.encoder()
    scorer_or_note(services)
    return services.match_service(with_claimants=with_claimants, progress=True)


def print_list(result: Any, as_json: bool) -> None:
    """A ``MatchList`` as the case manager reads it (or as JSON): one block per item, reasons indented."""
    from dataclasses import asdict

    if as_json:
        typer.echo(json.dumps(asdict(result), ensure_ascii=False, indent=2, default=str))
        return
    what = "suggestions for claimant" if result.kind == "suggestions" else "candidates for vacancy"
    typer.echo(
        f"{len(result.items)} {what} {result.subject_id} "
        f"({result.eligible:,} of {result.considered:,} eligible; model {result.model_version}, "
        f"index {result.index_version}, embedder {result.embedder_id})"
    )
    for m in result.items:
        who = f"{m.vacancy_id} {m.title} – {m.employer}, {m.municipality}"
        if result.kind == "candidates":
            who = f"{m.claimant_id}"
        typer.echo(
            f"{m.rank:>3}. {who}\n"
            f"     score {m.score:.3f} = P(match) {m.p_match:.3f} × P(lasts 12 months) {m.p_sustain:.3f}; "
            f"similarity {m.similarity:.3f}, KldB match {m.match_depth}/5, "
            f"commute {m.commute_minutes:.0f} of {m.commute_limit:.0f} min by {m.commute_mode}, "
            f"{m.hours_per_week:g} h/week"
        )
        for line in m.explanation.reason_texts if m.explanation else []:
            typer.echo(f"     - {line}")
    excluded = ", ".join(f"{k} {v:,}" for k, v in result.excluded.items() if v)
    typer.echo(f"Filtered out (a pair failing two filters counts twice): {excluded or 'none'}")


@domain_errors
def match(
    claimant_id: Annotated[str, typer.Argument(help="The claimant's pseudonymous id.")],
    k: Annotated[int, typer.Option(min=1, max=200, help="How many suggestions.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print the list as JSON.")] = False,
) -> None:
    """Ranked, explained vacancy suggestions for one claimant."""
    service = lookup_service(state.services)
    print_list(service.suggest(claimant_id, k), as_json)


@domain_errors
def candidates(
    vacancy_id: Annotated[str, typer.Argument(help="The vacancy's id.")],
    k: Annotated[int, typer.Option(min=1, max=200, help="How many candidates.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print the list as JSON.")] = False,
) -> None:
    """Ranked, explained claimant candidates for one vacancy (employer service)."""
    service = lookup_service(state.services, with_claimants=True)
    print_list(service.candidates(vacancy_id, k), as_json)
