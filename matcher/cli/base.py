"""What every `passgenau` command shares: the settings callback, the one ``Services`` of a call,
domain errors as exit codes, and the postcode locator for imports.

The callback builds the ``Settings`` once per call and the ``Services`` from them through
``services_factory``; the commands take every part (store, encoder, scorer, index, lookup
service) from ``state.services``, which is closed when the call ends. Tests replace the factory
(``set_services_factory``) to run the real commands on small fakes.
"""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from matcher.errors import PassgenauError
from matcher.settings import Settings

if TYPE_CHECKING:
    from matcher.bootstrap import Services
    from matcher.geo import PostcodeDirectory
    from matcher.geo.placing import Located
    from matcher.service import PairScorer

log = logging.getLogger(__name__)

GATE_REFUSED = 3  # exit code: a governance gate refused (2 stays "bad input or a failed check")
NOT_IDENTICAL = 1  # exit code of `audit replay` when the list differs (2 stays "bad input")

ServicesFactory = Callable[[Settings], "Services"]


def default_services(settings: Settings) -> Services:
    """Every part built from ``settings`` (the composition root is imported here, not at start-up:
    it pulls in numpy and the core, which `passgenau --help` does not need)."""
    from matcher.bootstrap import Services

    return Services(settings)


# The injection point: how a call turns its Settings into its Services.
services_factory: ServicesFactory = default_services


def set_services_factory(factory: ServicesFactory | None) -> ServicesFactory:
    """Build each call's ``Services`` with ``factory`` (None: the default); returns the previous one."""
    global services_factory
    previous = services_factory
    services_factory = factory if factory is not None else default_services
    return previous


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
    """The current call: its settings and the services built from them."""

    settings: Settings
    services: Services


state = State()


def main(
    ctx: typer.Context,
    data_dir: Annotated[
        Path | None, typer.Option(help="Data directory (default $PASSGENAU_DATA_DIR or ./passgenau-data).")
    ] = None,
    log_level: Annotated[str, typer.Option(help="Logging level: DEBUG, INFO, WARNING, ERROR.")] = "WARNING",
) -> None:
    """The root callback: logging, the settings, and the call's services (closed when it ends)."""
    logging.basicConfig(
        level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    overrides: dict[str, Any] = {}
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    state.settings = Settings(**overrides)
    state.services = services_factory(state.settings)
    ctx.call_on_close(state.services.close)


def scorer_or_note(services: Services) -> PairScorer | None:
    """The current trained scorer, or None (rank by fit alone) with a note when none is trained yet."""
    scorer = services.scorer()
    if scorer is None:
        typer.echo("note: no trained model yet (passgenau train): ranking by fit alone", err=True)
    return scorer


def locator(directory: Callable[[], PostcodeDirectory] | None = None) -> Callable[[str], Located]:
    """Postcode → where it is (``matcher.geo.placing``), for placing imported records.

    ``directory`` gives the postcode directory (default: the bundled one); it is asked on the
    first lookup only (seconds), which every import with a postcode makes: given coordinates are
    checked against the postcode too.
    """
    from matcher.geo.placing import located

    if directory is None:
        from matcher.geo import load_directory

        directory = load_directory
    loaded: list[PostcodeDirectory] = []

    def locate(postcode: str) -> Located:
        if not loaded:
            loaded.append(directory())
        return located(loaded[0].lookup(postcode))

    return locate
