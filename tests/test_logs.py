"""No personal field value appears in any log line at any level.

One data directory goes through what an operator does, every command with ``--log-level DEBUG``
and every logger captured at DEBUG (root, so SQLAlchemy, httpx, uvicorn, Ray and ours): an import of
claimants and vacancies, a lookup (``passgenau match``) and a nightly run (``passgenau nightly``),
then (second test) the same person through ``passgenau --log-level DEBUG serve`` in its own process,
over HTTP: create, search by occupation, suggestions, update, a refused update, erase. The fast trigram
embedder and a small explaining scorer stand in for e5 and the trained bundle (the real ones run in
``tests/matcher/test_match_e5.py``); the logging calls are the same.

The person has values that occur nowhere else (see ``tests/test_erasure.py``): postcode,
municipality, profile text, desired occupations. Their pseudonymous id may be logged; household
numbers are not searchable and are left out. Everything logged (formatted messages with their
arguments, exception text) and everything written to stderr is searched.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from matcher.bootstrap import Services
from matcher.cli import app, base
from matcher.codec import CLAIMANT_COLUMNS, claimant_to_row
from matcher.settings import Settings
from tests.matcher.nightly.region import AS_OF, TermsScorer, fake_encoder
from tests.test_erasure import MUNICIPALITY, PERSON_ID, PLACE_NEEDLES, TEXT_NEEDLES, person
from training.synthetic import generate_region, write_region

pytestmark = pytest.mark.slow  # the CLI and the server in their own processes

NEEDLES = (*TEXT_NEEDLES, *PLACE_NEEDLES)
# The person lives in Göttingen (so that lookups and the nightly run find vacancies for them) but
# is recorded with the postcode and place of Hardegsen (15 km away), which no synthetic record uses.
GOETTINGEN = (51.5327, 9.9356)


def leaks(text: str) -> list[str]:
    return [n for n in NEEDLES if n in text]


class Everything(logging.Handler):
    """Every record of every logger, formatted the way a log file would show it."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def captured() -> Iterator[Everything]:
    handler = Everything()
    root = logging.getLogger()
    old_level = root.level
    # Loggers that do not propagate to root (uvicorn's access log) get the handler directly;
    # SQLAlchemy sets its own logger to WARNING unless configured: set it to DEBUG, as an operator
    # chasing a problem would (statements and their parameters are logged at INFO).
    own = [logging.getLogger(n) for n in ("uvicorn", "uvicorn.access", "uvicorn.error")]
    levels = {n: logging.getLogger(n).level for n in ("sqlalchemy", "httpx", "httpcore", "uvicorn")}
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    for name in levels:
        logging.getLogger(name).setLevel(logging.DEBUG)
    for lg in own:
        lg.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
        for lg in own:
            lg.removeHandler(handler)


@pytest.fixture
def fake_models(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        base,
        "services_factory",
        lambda s: Services(s, encoder=fake_encoder(s.data_dir), scorer=TermsScorer()),
    )


def _person_csv(path: Path) -> Path:
    lat, lon = GOETTINGEN
    row = claimant_to_row(person(lat=lat, lon=lon))
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(CLAIMANT_COLUMNS), lineterminator="\n")
    w.writeheader()
    w.writerow(row)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def test_import_lookup_and_nightly_log_no_personal_field(
    tmp_path: Path, captured: Everything, fake_models: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    region = generate_region(seed=5, claimants=60, vacancies=80, placements=100)
    write_region(region, tmp_path / "region")
    data = tmp_path / "data"
    monkeypatch.setenv("PASSGENAU_AS_OF", AS_OF.isoformat())
    runner = CliRunner()
    stderr: list[str] = []

    def run(*args: str) -> str:
        result = runner.invoke(app, ["--data-dir", str(data), "--log-level", "DEBUG", *args])
        assert result.exit_code == 0, result.output
        stderr.append(result.stderr)
        return result.stdout

    run("import", "vacancies", str(tmp_path / "region" / "vacancies.csv"))
    run("import", "claimants", str(tmp_path / "region" / "claimants.csv"))
    run("import", "claimants", str(_person_csv(tmp_path / "person.csv")))
    lookup = run("match", PERSON_ID, "--k", "5")
    assert "5 suggestions for claimant K-QX7ZP9" in lookup
    run("nightly", "--run-id", "night-1", "--no-progress", "--top-n", "3", "--engine", "local")

    from matcher.store import Store

    with Store.open(Settings(data_dir=data).resolved_database_url) as store:
        mine = [r for r in store.list_nightly("night-1") if r.claimant_id == PERSON_ID]
        assert len(mine) == 3  # the person went through the whole nightly pipeline
        assert store.get_claimant(PERSON_ID).municipality == MUNICIPALITY

    lines = captured.lines
    # The capture works: SQL statements and our own debug lines are there, with the person's id.
    assert any(line.split(" ")[3].startswith("sqlalchemy.engine") for line in lines)
    assert any("DEBUG matcher." in line or "DEBUG models." in line for line in lines)
    assert any("imported 1 claimants from" in line for line in lines)
    leaked = [line[:300] for line in lines if leaks(line)]
    assert leaked == []
    assert [s[:300] for s in stderr if leaks(s)] == []


def test_served_api_at_debug_logs_no_personal_field(tmp_path: Path) -> None:
    """``passgenau --log-level DEBUG serve`` in its own process (uvicorn's loggers included): create
    the person, search for them by occupation, look them up, update and erase them over HTTP."""
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time

    import httpx

    from api.auth import create_token
    from matcher.store import Store
    from tests.api.test_erasure_api import BODY

    data = tmp_path / "data"
    region = generate_region(seed=5, claimants=60, vacancies=80, placements=100)
    with Store.open(Settings(data_dir=data).resolved_database_url) as store:
        store.upsert_vacancies(region.vacancies)
        store.upsert_claimants(list(zip(region.claimants, region.protected, strict=True)))
        _, secret = create_token(store, "lead", "team_lead", "JC-GOE")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    root = Path(__file__).resolve().parents[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PASSGENAU_")}
    env |= {"PASSGENAU_AS_OF": AS_OF.isoformat(), "PYTHONPATH": str(root)}
    log_file = tmp_path / "server.log"
    cmd = [
        sys.executable,
        "-m",
        "tests.matcher.nightly.fake_cli",
        "--data-dir",
        str(data),
        "--log-level",
        "DEBUG",
    ]
    with open(log_file, "wb") as out:
        proc = subprocess.Popen(
            # Two forked workers, as served by default: their logs are the ones to check.
            [*cmd, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"],
            cwd=root,
            env=env,
            stdout=out,
            stderr=out,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 120
            while True:
                assert proc.poll() is None, log_file.read_text()[-3000:]
                try:
                    if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.3)
            h = {"Authorization": f"Bearer {secret}"}
            with httpx.Client(base_url=base, headers=h, timeout=60) as client:
                # A team lead's create: the server assigns the id (issue 16, defect 11).
                created = client.post("/claimants", json={k: v for k, v in BODY.items() if k != "id"})
                assert created.status_code == 201
                person = created.json()["id"]
                found = client.get("/claimants", params={"q": "Quokkahaus"}).json()["claimants"]
                assert [c["id"] for c in found] == [person]
                r = client.get(f"/claimants/{person}/suggestions?k=5")
                assert r.status_code == 200, log_file.read_text()[-4000:]
                assert len(r.json()["suggestions"]) == 5
                changed = {k: v for k, v in BODY.items() if k != "id"} | {
                    "profile_text": BODY["profile_text"] + " Neu."
                }
                assert client.put(f"/claimants/{person}", json=changed).status_code == 200
                bad = client.put(f"/claimants/{person}", json=changed | {"postcode": "2593X"})
                assert bad.status_code == 422
                assert client.delete(f"/claimants/{person}").status_code == 200
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    text = log_file.read_text(encoding="utf-8", errors="replace")
    # the capture works, for the supervisor and both workers
    assert "DEBUG" in text and "with 2 workers" in text and text.count("Started server process") == 2
    assert [line[:300] for line in text.splitlines() if leaks(line) or "2593X" in line] == []
