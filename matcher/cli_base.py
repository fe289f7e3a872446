"""What every `passgenau` command shares: the Typer app, the settings built once per call, domain
errors as exit codes, and the store / postcode helpers. Command modules register on ``app``:
``matcher/cli.py`` (data, models, evaluation), ``api/cli.py`` (serving, users, audit) and
``matcher/nightly/cli.py`` (nightly lists).
"""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable
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
    from matcher.wiring import open_store as _open

    return _open(settings)


def locator() -> Callable[[str], tuple[float, float, str]]:
    """Postcode → (lat, lon, place name), for filling in imported records."""
    from matcher.geo import load_directory

    directory = load_directory()

    def locate(postcode: str) -> tuple[float, float, str]:
        place = directory.lookup(postcode)
        return place.lat, place.lon, place.name

    return locate
