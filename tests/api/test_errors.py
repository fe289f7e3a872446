"""A 500 logs no input value (issue 16, defect 9): an unhandled exception answers a fixed text, and
the log names its type and where it was raised, never its message (a pydantic error repeats the
values it refused; here an employer name that the response model of ``GET /vacancies/{id}`` refused).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api import errors
from api.schemas import EmployerIn

SECRET = "Quokkahaus Xylophonbau"  # occurs nowhere but in the values the routes refuse


class Everything(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        # As a log file shows it, with any traceback attached.
        self.lines.append(self.format(record))


@pytest.fixture
def logs() -> Iterator[Everything]:
    handler = Everything()
    names = ("", "uvicorn", "uvicorn.error", "uvicorn.access", "fastapi", "starlette")
    old = {n: logging.getLogger(n).level for n in names}
    for n in names:
        logging.getLogger(n).setLevel(logging.DEBUG)
        logging.getLogger(n).addHandler(handler)
    try:
        yield handler
    finally:
        for n, level in old.items():
            logging.getLogger(n).setLevel(level)
            logging.getLogger(n).removeHandler(handler)


def app_with_faults() -> FastAPI:
    app = FastAPI()

    @app.get("/employer", response_model=EmployerIn)
    def employer() -> dict[str, str]:
        return {"id": "E1", "name": SECRET + " " + "x" * 300}  # fails the response model

    @app.get("/fault")
    def fault() -> None:
        raise ValueError(f"cannot use {SECRET!r}")

    errors.install(app)
    return app


@pytest.mark.parametrize(
    ("path", "kind"), [("/employer", "ResponseValidationError"), ("/fault", "ValueError")]
)
def test_a_500_answers_a_fixed_text_and_logs_no_input_value(logs: Everything, path: str, kind: str) -> None:
    client = TestClient(app_with_faults())  # raises what reaches the server: nothing may
    r = client.get(path)
    assert (r.status_code, r.json()) == (500, {"detail": "internal error"})
    assert SECRET not in r.text
    assert [line for line in logs.lines if SECRET in line or "Xylophon" in line] == []
    # One error line, ours: no traceback from the server or the framework.
    (line,) = [line for line in logs.lines if line.startswith("ERROR")]
    assert line.startswith(f"ERROR api.errors: GET {path}: 500, {kind} raised at ")
    assert "Traceback" not in "\n".join(logs.lines)
