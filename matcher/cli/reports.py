"""Reports at the command line: `passgenau report kennzahlen`, the §48a SGB II key figures per
Jobcenter, team and case manager, forecast against realised (JSON, printable German HTML, plots)."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer

from matcher.cli.base import domain_errors, state
from matcher.cli.governance import operator

report_app = typer.Typer(help="Reports for team leads and controlling.")

JSON_NAME, HTML_NAME, PLOTS_DIR = "kennzahlen.json", "kennzahlen.html", "plots"
DATE = ["%Y-%m-%d"]


@report_app.command("kennzahlen")
@domain_errors
def kennzahlen(
    first: Annotated[
        datetime | None, typer.Option("--from", formats=DATE, help="First day (default: 12 months back).")
    ] = None,
    last: Annotated[
        datetime | None, typer.Option("--to", formats=DATE, help="Last day (default: the as-of day).")
    ] = None,
    team: Annotated[str | None, typer.Option(help="Only this team (and its case managers).")] = None,
    jobcenter: Annotated[str | None, typer.Option(help="Only this Jobcenter.")] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            help=f"Write {JSON_NAME}, {HTML_NAME} and {PLOTS_DIR}/*.png here (default: JSON on stdout)."
        ),
    ] = None,
) -> None:
    """The key figures passgenau computes from its own records (small cells suppressed as "< 5")."""
    from matcher.files import write_atomic
    from matcher.printable.kennzahlen import render_kennzahlen
    from matcher.printable.kennzahlen_plots import unit_plots
    from matcher.usecases.kennzahlen import Kennzahlen, Request

    settings = state.services.settings
    uc = Kennzahlen(state.services.store(), as_of=settings.as_of or date.today(),
                    team_leads=settings.kennzahlen.team_leads)  # fmt: skip
    req = Request(first.date() if first else None, last.date() if last else None, team, jobcenter)
    report = uc.report(operator(jobcenter), req).to_json()
    text = json.dumps(report, ensure_ascii=False, indent=2)
    if out is None:
        typer.echo(text)
        return
    plots = unit_plots(report["units"])
    for name, png in plots.items():
        write_atomic(out / PLOTS_DIR / name, png)
    write_atomic(out / JSON_NAME, (text + "\n").encode("utf-8"))
    page = render_kennzahlen(report, {name: f"{PLOTS_DIR}/{name}" for name in plots})
    write_atomic(out / HTML_NAME, page.encode("utf-8"))
    typer.echo(str(out / HTML_NAME))
    typer.echo(str(out / JSON_NAME))
    typer.echo(f"{out / PLOTS_DIR}/ ({len(plots)} plots)")
