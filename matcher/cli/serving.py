"""Serving commands: `passgenau serve`, API tokens (`users`) and `audit replay`."""

from __future__ import annotations

from typing import Annotated

import typer

from matcher.cli.base import NOT_IDENTICAL, domain_errors, state
from matcher.errors import PassgenauError

users_app = typer.Typer(help="API tokens: who may use the service, with which role and Jobcenter.")
audit_app = typer.Typer(help="The audit log of lookups.")


@domain_errors
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on (default api.host).")] = None,
    port: Annotated[int | None, typer.Option(min=1, max=65535, help="Port (default api.port).")] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, max=64, help="Server processes, one per core (default api.workers).")
    ] = None,
) -> None:
    """Serve the JSON API and the case managers' web page."""
    from api.app import create_app
    from api.runtime import single_thread_blas
    from api.workers import serve as serve_workers

    single_thread_blas()
    settings = state.settings
    code = serve_workers(
        lambda: create_app(settings),
        host=host or settings.api.host,
        port=port or settings.api.port,
        workers=workers or settings.api.workers,
        keep_alive_seconds=settings.api.keep_alive_seconds,
    )
    if code:
        raise typer.Exit(code=code)


@users_app.command("add")
@domain_errors
def users_add(
    name: Annotated[str, typer.Argument(help="Who uses the token (a person or a job).")],
    role: Annotated[str, typer.Option(help="case_manager, team_lead, admin or batch.")],
    jobcenter: Annotated[str, typer.Option(help="The Jobcenter the token belongs to.")],
) -> None:
    """Make a token and print its secret once (only a hash of it is stored)."""
    from api.auth import create_token

    token, secret = create_token(state.services.store(), name, role, jobcenter)
    typer.echo(f"token {token.id} for {token.name} ({token.role}, {token.jobcenter})")
    typer.echo(f"secret (shown once, keep it safe): {secret}")


@users_app.command("list")
@domain_errors
def users_list() -> None:
    """All tokens, revoked ones marked (never a secret or its hash)."""
    for t in state.services.store().list_tokens():
        revoked = f"revoked {t.revoked:%Y-%m-%d %H:%M}" if t.revoked else "active"
        typer.echo(f"{t.id}\t{t.name}\t{t.role}\t{t.jobcenter}\t{t.created:%Y-%m-%d %H:%M}\t{revoked}")


@users_app.command("revoke")
@domain_errors
def users_revoke(token_id: Annotated[str, typer.Argument(help="The token id from `users list`.")]) -> None:
    """Revoke a token: it answers 401 from the next request on."""
    if not state.services.store().revoke_token(token_id):
        raise PassgenauError(f"no active token {token_id!r}")
    typer.echo(f"token {token_id} revoked")


@audit_app.command("replay")
@domain_errors
def audit_replay(entry: Annotated[int, typer.Argument(min=1, help="The audit entry id.")]) -> None:
    """Recompute a logged list on its logged index and model versions; exit 1 if it differs."""
    from matcher.usecases.replay import replay

    result = replay(state.services, entry)
    for note in result.notes:
        typer.echo(f"note: {note}")
    if result.identical:
        typer.echo(f"entry {entry}: identical: yes ({len(result.logged)} items)")
        return
    typer.echo(f"entry {entry}: identical: no")
    for line in result.differences():
        typer.echo(f"  {line}")
    raise typer.Exit(code=NOT_IDENTICAL)
