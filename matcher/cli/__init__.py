"""The `passgenau` command line: the root app, and every command and sub-app added to it here.

Each topic module defines its commands (and its sub-apps' commands) without touching the root;
this module is the one place that says which command is where. Every command takes its parts
from the one ``Services`` of the call (``matcher.cli.base``), built from the settings in the
root callback. Heavy imports (torch, faiss, sklearn, ray, uvicorn, the store, training) happen
inside the commands, so `passgenau --help` stays fast. Every ``PassgenauError`` becomes a
one-line message on stderr and exit code 2; a model refused by a release gate exits 3.
"""

from __future__ import annotations

import typer

from matcher.cli import base, data, demo, evaluation, governance, lookups, models, nightly, reports, serving

app = typer.Typer(
    name="passgenau",
    help="Job-matching recommendations for Jobcenters, ranked by the chance that a placement lasts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.callback()(base.main)

# Commands, in the order `passgenau --help` lists them.
app.command()(data.synth)
app.command()(data.stats)
app.command()(demo.demo)
app.command()(models.train)
app.command()(models.retrain)
app.command()(models.drift)
app.command()(lookups.match)
app.command()(lookups.candidates)
app.command()(serving.serve)
app.command()(nightly.nightly)
app.command()(governance.auskunft)

# Command groups.
app.add_typer(data.import_app, name="import")
app.add_typer(models.model_app, name="model")
app.add_typer(models.models_app, name="models")
app.add_typer(models.index_app, name="index")
app.add_typer(evaluation.eval_app, name="eval")
app.add_typer(serving.users_app, name="users")
app.add_typer(serving.audit_app, name="audit")
app.add_typer(governance.governance_app, name="governance")
app.add_typer(data.db_app, name="db")
app.add_typer(reports.report_app, name="report")

__all__ = ["app"]
