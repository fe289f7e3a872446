"""The `passgenau` command line: the only composition root outside api/.

Heavy imports (torch, faiss, sklearn, the store) happen inside the commands that need them, so
`passgenau --help` stays fast. Every `PassgenauError` becomes a one-line message (or one line per
bad row) on stderr and exit code 2.
"""

from __future__ import annotations

import functools
import json
import logging
import sys
import time
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from matcher.errors import PassgenauError
from matcher.settings import Settings

log = logging.getLogger(__name__)

app = typer.Typer(
    name="passgenau",
    help="Job-matching recommendations for Jobcenters, ranked by the chance that a placement lasts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

F = TypeVar("F", bound=Callable[..., Any])


def domain_errors(fn: F) -> F:
    """Report a PassgenauError as a clear message and exit code 2 instead of a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except PassgenauError as exc:
            typer.echo(f"passgenau: error: {exc}", err=True)
            raise typer.Exit(code=2) from None

    return wrapper  # type: ignore[return-value]


class State:
    settings: Settings


state = State()


@app.callback()
def main(
    data_dir: Annotated[
        Path | None, typer.Option(help="Data directory (default $PASSGENAU_DATA_DIR or ./passgenau-data).")
    ] = None,
    log_level: Annotated[str, typer.Option(help="Logging level: DEBUG, INFO, WARNING, ERROR.")] = "WARNING",
) -> None:
    logging.basicConfig(
        level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    overrides: dict[str, Any] = {}
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    state.settings = Settings(**overrides)


def open_store(settings: Settings) -> Any:
    from matcher.store import Store

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return Store.open(settings.resolved_database_url)


def locator() -> Callable[[str], tuple[float, float, str]]:
    """Postcode → (lat, lon, place name), for filling in imported records."""
    from matcher.geo import load_directory

    directory = load_directory()

    def locate(postcode: str) -> tuple[float, float, str]:
        place = directory.lookup(postcode)
        return place.lat, place.lon, place.name

    return locate


@app.command()
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
    from training.synth import generate_region, summary, write_region

    t0 = time.perf_counter()
    region = generate_region(seed=seed, claimants=claimants, vacancies=vacancies, placements=placements)
    write_region(region, out)
    info = summary(region)
    info["seconds"] = round(time.perf_counter() - t0, 2)
    typer.echo(json.dumps(info, ensure_ascii=False, indent=2))


class ImportKind(StrEnum):
    claimants = "claimants"
    vacancies = "vacancies"
    outcomes = "outcomes"
    proposals = "proposals"


@app.command("import")
@domain_errors
def import_(
    kind: Annotated[ImportKind, typer.Argument(help="What the file holds.")],
    file: Annotated[Path, typer.Argument(help="CSV, JSON Lines, or (vacancies) BA Jobsuche JSON.")],
) -> None:
    """Import a file, all or nothing: a file with any bad row changes nothing."""
    from matcher.importer import import_file

    settings = state.settings
    if not file.is_file():
        raise PassgenauError(f"{file}: no such file")
    store = open_store(settings)
    report = import_file(store, file, kind.value, locate=locator(), error_limit=settings.import_error_limit)
    typer.echo(str(report))


@app.command()
@domain_errors
def stats(as_json: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False) -> None:
    """Counts per table."""
    counts = open_store(state.settings).counts()
    if as_json:
        typer.echo(json.dumps(counts, sort_keys=True))
    else:
        for name, n in sorted(counts.items()):
            typer.echo(f"{name:24} {n:>10,}")


@app.command()
@domain_errors
def demo(
    seed: Annotated[int, typer.Option(help="Seed of the demo region.")] = 2026,
    claimants: Annotated[int, typer.Option(min=1)] = 2000,
    vacancies: Annotated[int, typer.Option(min=1)] = 1500,
) -> None:
    """Build a demo region into the data directory and run passgenau on it end to end."""
    from matcher.importer import import_file
    from training.synth import generate_region, summary, write_region

    settings = state.settings
    t0 = time.perf_counter()
    region_dir = settings.data_dir / "demo-region"
    typer.echo(f"Generating the demo region (seed {seed}) into {region_dir} ...")
    region = generate_region(seed=seed, claimants=claimants, vacancies=vacancies)
    write_region(region, region_dir)
    store = open_store(settings)
    locate = locator()
    for kind in ("vacancies", "claimants", "outcomes", "proposals"):
        report = import_file(
            store, region_dir / f"{kind}.csv", kind, locate=locate, error_limit=settings.import_error_limit
        )
        typer.echo(f"  {report}")
    info = summary(region)
    typer.echo(f"Region: {json.dumps(info, ensure_ascii=False)}")
    typer.echo(f"Database: {json.dumps(store.counts(), sort_keys=True)}")
    typer.echo(f"Demo region ready in {time.perf_counter() - t0:.1f} s.")


if __name__ == "__main__":  # pragma: no cover
    app()
