"""Data commands: generate a synthetic region, import files (all or nothing), count the tables."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from matcher.cli.base import domain_errors, locator, state
from matcher.errors import PassgenauError

if TYPE_CHECKING:
    from matcher.bootstrap import Services
    from matcher.domain import Claimant

import_app = typer.Typer(
    help="Import files, all or nothing: a file with any bad row changes nothing (exit code 2).",
    no_args_is_help=True,
)


@domain_errors
def synth(
    out: Annotated[Path, typer.Option(help="Directory to write the region's CSV files into.")],
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same bytes.")] = 7,
    claimants: Annotated[int, typer.Option(min=1, help="Number of current claimants.")] = 3000,
    vacancies: Annotated[int, typer.Option(min=1, help="Number of current vacancies.")] = 2000,
    placements: Annotated[
        int | None, typer.Option(min=1, help="Historic placements (default: derived).")
    ] = None,
) -> None:
    """Generate a synthetic Göttingen/Osterode region with a hidden ground truth."""
    from training.synthetic import generate_region, summary, write_region

    t0 = time.perf_counter()
    region = generate_region(seed=seed, claimants=claimants, vacancies=vacancies, placements=placements)
    write_region(region, out)
    info = summary(region)
    info["seconds"] = round(time.perf_counter() - t0, 2)
    typer.echo(json.dumps(info, ensure_ascii=False, indent=2))


def _import(kind: str, file: Path) -> None:
    from matcher.importer import import_file

    services = state.services
    if not file.is_file():
        raise PassgenauError(f"{file}: no such file")
    report = import_file(
        services.store(),
        file,
        kind,
        locate=locator(services.geo),
        error_limit=services.settings.import_error_limit,
        profiles_changed=services.forget_profiles,
        claimants_written=_grounder_of(services) if kind == "claimants" else None,
    )
    typer.echo(str(report))


def _grounder_of(services: Services) -> Callable[[Sequence[Claimant]], int]:
    """Ground the imported claimants' wishes now, so that reverse matching reads them stored
    (``matcher.grounding``). Without a built embedding model (a fresh data directory) the import
    neither builds one nor grounds: the service grounds what is missing when it starts, and stores
    it then."""

    def ground(claimants: Sequence[Claimant]) -> int:
        from models.embedder import built

        settings = services.settings
        if not built(settings.embedder.model, settings.layout.root):
            # Building e5-small takes a minute and grounding thousands of wishes more: an import
            # into a fresh data directory (the demo's, a test's) leaves both to the service start.
            typer.echo(
                "wishes not grounded yet (no embedding model built): the service grounds them when it starts",
                err=True,
            )
            return 0
        try:
            return services.ground_claimants(claimants)
        except PassgenauError as exc:
            typer.echo(f"wishes not grounded yet ({exc}): the service grounds them when it starts", err=True)
            return 0

    return ground


FileArg = Annotated[Path, typer.Argument(help="CSV or JSON Lines (columns: README.md, Import formats).")]


@import_app.command("claimants")
@domain_errors
def import_claimants(file: FileArg) -> None:
    """Claimants (upsert by id); protected attributes are stored apart, for the fairness audit only."""
    _import("claimants", file)


@import_app.command("vacancies")
@domain_errors
def import_vacancies(
    file: Annotated[Path, typer.Argument(help="CSV, JSON Lines, or the BA Jobsuche JSON (stellenangebote).")],
) -> None:
    """Vacancies with their employers (upsert by id)."""
    _import("vacancies", file)


@import_app.command("outcomes")
@domain_errors
def import_outcomes(file: FileArg) -> None:
    """Placement outcomes with claimant and vacancy snapshots."""
    _import("outcomes", file)


@import_app.command("proposals")
@domain_errors
def import_proposals(file: FileArg) -> None:
    """Proposals (Vermittlungsvorschläge) and whether they led to a hire."""
    _import("proposals", file)


@import_app.command("taxonomy")
@domain_errors
def import_taxonomy(
    kldb: Annotated[Path, typer.Option(help="KldB 2010 (2020) CSV of the Bundesagentur für Arbeit.")],
    crosswalk: Annotated[
        Path | None, typer.Option(help="The BA's ESCO–KldB occupations crosswalk CSV (Berufsbenennungen).")
    ] = None,
    esco: Annotated[
        Path | None,
        typer.Option(help="ESCO v1.2 German occupations CSV (occupations_de.csv)."),
    ] = None,
) -> None:
    """Use the official occupation titles for grounding claimants' wishes to KldB codes (and, with
    ``--esco``, to ESCO occupations, which carry KldB codes through the crosswalk). The import
    replaces the imported taxonomy as a whole; every file is read and checked before any is written."""
    from matcher.esco import read_crosswalk_links, read_esco_csv, write_esco, write_links
    from matcher.taxonomy import read_crosswalk_csv, read_kldb_csv, write_titles

    for f in (kldb, crosswalk, esco):
        if f is not None and not f.is_file():
            raise PassgenauError(f"{f}: no such file")
    entries = read_kldb_csv(kldb)
    links = []
    if crosswalk is not None:
        entries += read_crosswalk_csv(crosswalk)
        links = read_crosswalk_links(crosswalk)
    occupations = read_esco_csv(esco) if esco is not None else []
    layout = state.settings.layout
    write_titles(entries, layout.taxonomy_titles)
    codes = len({e.code for e in entries})
    typer.echo(f"{len(entries):,} titles of {codes:,} KldB codes written to {layout.taxonomy_titles}")
    if occupations:
        write_esco(occupations, layout.taxonomy_esco)
        labels = sum(len(o.labels) for o in occupations)
        typer.echo(f"{len(occupations):,} ESCO occupations ({labels:,} labels) to {layout.taxonomy_esco}")
    else:
        layout.taxonomy_esco.unlink(missing_ok=True)
    if occupations and links:
        write_links(links, layout.taxonomy_esco_kldb)
        mapped = len({k.uri for k in links} & {o.uri for o in occupations})
        typer.echo(f"{mapped:,} ESCO occupations mapped to KldB codes ({len(links):,} crosswalk rows)")
    else:
        layout.taxonomy_esco_kldb.unlink(missing_ok=True)


@domain_errors
def stats(as_json: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False) -> None:
    """Counts per table."""
    counts = state.services.store().counts()
    if as_json:
        typer.echo(json.dumps(counts, sort_keys=True))
    else:
        for name, n in sorted(counts.items()):
            typer.echo(f"{name:24} {n:>10,}")


db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)


@db_app.command("vacuum-erased")
@domain_errors
def vacuum_erased() -> None:
    """Rewrite the tables an erasure touches, so that erased rows leave the database files
    (PostgreSQL: VACUUM FULL, which locks each table while it runs; SQLite: VACUUM)."""
    t0 = time.perf_counter()
    report = state.services.store().vacuum_erased()
    for statement in report.statements:
        typer.echo(statement)
    typer.echo(f"done on {report.dialect} in {time.perf_counter() - t0:.1f} s")
