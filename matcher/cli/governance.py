"""Data protection at the command line: a claimant's Art. 15 Auskunft, and the DPIA / FRIA inputs
(`passgenau governance report`) read from this installation."""

from __future__ import annotations

import getpass
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from matcher.cli.base import domain_errors, state

if TYPE_CHECKING:
    from matcher.bootstrap import Services
    from matcher.usecases.governance import GovernanceFacts

governance_app = typer.Typer(help="Data protection and AI governance documents.")

REPORT_NAME = "dpia-fria-inputs.md"
# The fairness results beside a bundle (training.retrain.FAIRNESS; a test keeps them equal: importing
# training here would load scikit-learn for a report that only reads JSON).
FAIRNESS_FILE = "fairness.json"


@dataclass(frozen=True)
class Operator:
    """Who runs a command: the operating-system user, on the server, for one Jobcenter or all."""

    name: str
    scope: str | None
    role_name: str = "operator"
    sees_health: bool = True
    reads_claimants: bool = True  # the operator on the server reads what the Auskunft gathers

    def may_see(self, jobcenter: str) -> bool:
        return self.scope is None or self.scope == jobcenter


def operator(jobcenter: str | None) -> Operator:
    return Operator(f"cli:{getpass.getuser()}", jobcenter)


def _write(out: Path, files: dict[str, str]) -> None:
    from matcher.files import write_atomic

    for name, text in files.items():
        write_atomic(out / name, text.encode("utf-8"))
        typer.echo(str(out / name))


@domain_errors
def auskunft(
    claimant_id: Annotated[str, typer.Argument(help="The claimant's pseudonymous id.")],
    jobcenter: Annotated[
        str | None, typer.Option(help="Answer only for a claimant of this Jobcenter (as a team lead would).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Write auskunft-<id>.json and .html (printable, German) here.")
    ] = None,
) -> None:
    """Everything held about one claimant (GDPR Art. 15), as JSON (stdout) or files; audit-logged."""
    from matcher.printable.auskunft import render_auskunft
    from matcher.usecases.auskunft import Auskunft

    report = Auskunft(state.services.store()).report(operator(jobcenter), claimant_id)
    text = json.dumps(report.to_json(), ensure_ascii=False, indent=2, default=str)
    if out is None:
        typer.echo(text)
        return
    _write(out, {f"auskunft-{report.claimant_id}.json": text + "\n",
                 f"auskunft-{report.claimant_id}.html": render_auskunft(report)})  # fmt: skip


def governance_facts(services: Services, now: datetime) -> GovernanceFacts:
    """The facts of this installation: settings, the code's permission table, the database, the
    current model bundle and its fairness results."""
    from api.auth import RIGHTS, SCOPED_ROLES
    from matcher import artifacts
    from matcher.usecases.governance import GovernanceFacts
    from matcher.usecases.proposals import CONFIRMING_ROLES

    store = services.store()
    users: dict[str, int] = {}
    for t in store.list_tokens():
        if t.revoked is None:
            users[t.role] = users.get(t.role, 0) + 1
    oldest = store.list_audit(limit=1)
    bundle_dir = artifacts.current_path(services.layout.scorer_bundles)
    manifest = fairness = None
    if bundle_dir is not None:
        manifest = artifacts.read_manifest(bundle_dir)
        fairness_file = bundle_dir / FAIRNESS_FILE
        if fairness_file.is_file():
            fairness = json.loads(fairness_file.read_text(encoding="utf-8"))
    return GovernanceFacts(
        generated_at=now,
        settings=services.settings,
        rights={role.value: sorted(r.value for r in rights) for role, rights in RIGHTS.items()},
        scoped_roles=sorted(r.value for r in SCOPED_ROLES),
        confirming_roles=CONFIRMING_ROLES,
        counts=store.counts(),
        users=users,
        bundle=manifest,
        fairness=fairness,
        oldest_audit=oldest[0].at if oldest else None,
    )


@governance_app.command("report")
@domain_errors
def governance_report(
    out: Annotated[Path | None, typer.Option(help=f"Write {REPORT_NAME} here (default: print it).")] = None,
) -> None:
    """The facts a DPIA and a fundamental-rights impact assessment need, in German, from this system."""
    from matcher.usecases.governance import render_markdown

    text = render_markdown(governance_facts(state.services, datetime.now(UTC)))
    if out is None:
        typer.echo(text)
        return
    _write(out, {REPORT_NAME: text})
