"""The real server in 2 forked worker processes (``api.workers``) over one data directory: a
claimant written through one worker is a candidate through every worker, and a vacancy written
through one is suggested through every worker (issue 15). Slow: a subprocess, two app starts."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from api.app import WORKER_HEADER
from matcher.store import Store
from tests.api.conftest import _region, make_tokens
from tests.api.test_claimants import NEW as NEW_CLAIMANT
from tests.api.test_vacancies import CID
from tests.api.test_vacancies import NEW as NEW_VACANCY

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 2


@dataclass
class Live:
    base: str
    tokens: dict[str, str]
    proc: subprocess.Popen[bytes]

    def headers(self, who: str) -> dict[str, str]:
        # A new connection per request: the kernel hands each to one of the workers.
        return {"Authorization": f"Bearer {self.tokens[who]}", "Connection": "close"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def live(api_region_dir: Path, tmp_path: Path) -> Iterator[Live]:
    import httpx

    data_dir = Path(shutil.copytree(api_region_dir, tmp_path / "data", symlinks=True))
    region = _region()
    from matcher.settings import Settings

    settings = Settings(data_dir=data_dir, as_of=region.reference_date)
    with Store.open(settings.resolved_database_url) as store:
        tokens, _ = make_tokens(store)
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "tests.api.serve_trigram", str(data_dir), region.reference_date.isoformat()]
    proc = subprocess.Popen([*cmd, str(port), str(WORKERS)], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        ready: set[str] = set()
        deadline = time.monotonic() + 300
        while len(ready) < WORKERS:
            assert proc.poll() is None, f"server exited with {proc.returncode}"
            assert time.monotonic() < deadline, f"workers ready: {ready}"
            try:
                r = httpx.get(f"{base}/health", headers={"Connection": "close"}, timeout=5)
                if r.status_code == 200:
                    ready.add(r.headers[WORKER_HEADER])
                    continue
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        yield Live(base, tokens, proc)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert proc.returncode == 0  # every worker shut down gracefully


def _until_every_worker(ask, attempts: int = 400) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Ask (new connections) until answers came from ``WORKERS`` processes: worker pid -> answers."""
    seen: dict[str, list[object]] = {}
    for _ in range(attempts):
        pid, answer = ask()
        seen.setdefault(pid, []).append(answer)
        if len(seen) >= WORKERS and sum(len(v) for v in seen.values()) >= 2 * WORKERS:
            break
    assert len(seen) == WORKERS, f"answers from {sorted(seen)} only"
    return seen  # type: ignore[return-value]


def test_a_claimant_and_a_vacancy_written_through_one_worker_reach_every_worker(live: Live) -> None:
    import httpx

    h = live.headers("lead")
    r = httpx.post(f"{live.base}/claimants", json=NEW_CLAIMANT, headers=h, timeout=60)
    assert r.status_code == 201, r.text
    new_id, writer = r.json()["id"], r.headers[WORKER_HEADER]
    r = httpx.get(f"{live.base}/claimants/{new_id}/suggestions?k=5", headers=h, timeout=60)
    vid = r.json()["suggestions"][0]["vacancy_id"]

    def candidates() -> tuple[str, list[str]]:
        r = httpx.get(f"{live.base}/vacancies/{vid}/candidates?k=100", headers=h, timeout=60)
        assert r.status_code == 200, r.text
        return r.headers[WORKER_HEADER], [c["claimant_id"] for c in r.json()["candidates"]]

    seen = _until_every_worker(candidates)
    assert writer in seen
    for pid, answers in seen.items():
        assert all(new_id in ids for ids in answers), f"worker {pid} does not suggest {new_id}"  # type: ignore[attr-defined]

    # A vacancy through one worker: the closest fit for CID in every worker's lists at once.
    r = httpx.post(f"{live.base}/vacancies", json=NEW_VACANCY, headers=live.headers("admin"), timeout=60)
    assert r.status_code == 201, r.text
    version = r.json()["index_version"]

    def suggested() -> tuple[str, list[str]]:
        r = httpx.get(f"{live.base}/claimants/{CID}/suggestions?k=10", headers=live.headers("cm"), timeout=60)
        assert r.status_code == 200, r.text
        return r.headers[WORKER_HEADER], [s["vacancy_id"] for s in r.json()["suggestions"]]

    for pid, answers in _until_every_worker(suggested).items():
        assert all(ids[0] == NEW_VACANCY["id"] for ids in answers), f"worker {pid}: {answers}"  # type: ignore[attr-defined,index]

    def index_version() -> tuple[str, str]:
        r = httpx.get(f"{live.base}/health", headers={"Connection": "close"}, timeout=60)
        return r.headers[WORKER_HEADER], r.json()["index_version"]

    for pid, answers in _until_every_worker(index_version).items():
        assert set(answers) == {version}, f"worker {pid}: {answers}"  # type: ignore[arg-type]


def test_an_idle_keep_alive_connection_outlives_the_clients_own_expiry(live: Live) -> None:
    """A connection left idle for longer than httpx's keep-alive expiry (5 s, uvicorn's default too)
    still answers: the server closes later than its clients (``ApiSettings.keep_alive_seconds``)."""
    import http.client
    from urllib.parse import urlsplit

    import httpx

    from matcher.settings import ApiSettings

    expiry = httpx.Limits().keepalive_expiry
    assert expiry is not None and ApiSettings().keep_alive_seconds > expiry + 1
    url = urlsplit(live.base)
    conn = http.client.HTTPConnection(url.hostname or "", url.port, timeout=10)
    try:
        conn.request("GET", "/health")
        first = conn.getresponse()
        first.read()
        sock = conn.sock
        time.sleep(6.5)
        conn.request("GET", "/health")  # on the same socket: http.client does not reconnect by itself
        second = conn.getresponse()
        second.read()
        assert (first.status, second.status) == (200, 200)
        assert conn.sock is sock
    finally:
        conn.close()
