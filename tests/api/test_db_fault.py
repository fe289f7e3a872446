"""The real PostgreSQL becomes unreachable during requests: 503 with a reason, quickly, and the service
comes back by itself when the database does.

A small TCP proxy (threads, in this test) sits between the app and 127.0.0.1:5432; the app's
``database_url`` points at the proxy. Two kinds of outage:

- ``down``: the proxy closes its listening socket and cuts every open connection (a database
  restart or crash): new connections are refused at once.
- ``blackhole``: open connections are cut and new ones are accepted but never answered (a network
  partition, a host that went away): only a connect timeout ends the attempt.

Either way requests answer 503 with a reason within a few seconds, and after the proxy forwards
again the next requests answer 200 without restarting the app. Needs PostgreSQL (``CI=true``
fails instead of skipping when it is unreachable, see ``tests/conftest.py``).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from api.app import create_app
from matcher.settings import Settings
from matcher.store import PG_CONNECT_TIMEOUT, Store
from tests.api.conftest import JC_A, make_tokens, trigram_encoder
from tests.api.test_claimants import NEW
from training.synthetic import generate_region

pytestmark = pytest.mark.postgres

# Past this a request counts as hanging (the store's connect timeout is 5 s).
PATIENCE = 15.0


class Proxy:
    """Forwards 127.0.0.1:<port> to a target; ``stop`` / ``blackhole`` / ``start`` change that."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = 0
        self.mode = "forward"
        self._listener: socket.socket | None = None
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        self.mode = "forward"
        if self._listener is None:
            self._listen()

    def blackhole(self) -> None:
        """Cut open connections; accept new ones but never answer."""
        self.mode = "blackhole"
        self._cut()
        if self._listener is None:
            self._listen()

    def stop(self) -> None:
        """Close the listening socket and cut every open connection."""
        listener, self._listener = self._listener, None
        if listener is not None:
            # close() alone leaves a thread blocked in accept() accepting on Linux; shutdown wakes it.
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        self._cut()

    def _listen(self) -> None:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", self.port))
        s.listen(64)
        self.port = s.getsockname()[1]
        self._listener = s
        threading.Thread(target=self._accept, args=(s,), daemon=True).start()

    def _cut(self) -> None:
        with self._lock:
            conns, self._conns = self._conns, []
        for c in conns:
            with contextlib.suppress(OSError):
                c.shutdown(socket.SHUT_RDWR)
            c.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # closed by stop()
            with self._lock:
                self._conns.append(client)
            if self.mode == "blackhole":
                continue  # held open, never answered
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._conns.append(upstream)
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def proxy() -> Iterator[Proxy]:
    p = Proxy(("127.0.0.1", 5432))
    p.start()
    yield p
    p.stop()


def timed(fn: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    """Call fn in a thread; fail (instead of hanging the suite) if it takes longer than PATIENCE."""
    out: dict[str, Any] = {}

    def run() -> None:
        try:
            out["value"] = fn(*args, **kwargs)
        except BaseException as exc:  # reported below
            out["error"] = exc

    t0 = time.monotonic()
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(PATIENCE)
    elapsed = time.monotonic() - t0
    assert not thread.is_alive(), f"request still waiting after {PATIENCE:.0f} s"
    if "error" in out:
        raise out["error"]
    return out["value"], elapsed


@pytest.mark.parametrize("outage", ["down", "blackhole"])
def test_database_outage_is_503_with_a_reason_and_heals(
    pg_url: str, proxy: Proxy, tmp_path: Path, outage: str
) -> None:
    url = sa.make_url(pg_url).set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    region = generate_region(11, 30, 40, placements=100)
    data_dir = tmp_path / "data"
    with Store.open(url) as store:
        store.upsert_vacancies(region.vacancies)
        store.upsert_claimants(list(zip(region.claimants, region.protected, strict=True)))
        tokens, _ = make_tokens(store)
    settings = Settings(data_dir=data_dir, database_url=url, as_of=region.reference_date)
    app = create_app(settings, encoder=trigram_encoder(data_dir), scorer=None)
    cid = sorted(c.id for c in region.claimants if c.jobcenter == JC_A)[0]
    cm = {"Authorization": f"Bearer {tokens['cm']}"}
    lead = {"Authorization": f"Bearer {tokens['lead']}"}
    paths = [f"/claimants/{cid}/suggestions?k=5", f"/claimants/{cid}", "/me"]

    with TestClient(app) as client:
        for path in paths:
            assert client.get(path, headers=cm).status_code == 200, path

        proxy.stop() if outage == "down" else proxy.blackhole()
        # (A blackholed request waits for the store's connect timeout: two paths show it.)
        for path in paths if outage == "down" else paths[:2]:
            response, elapsed = timed(client.get, path, headers=cm)
            assert response.status_code == 503, (path, response.status_code, response.text)
            # Refused means answered without waiting for the connect timeout. The bound is half of
            # that timeout, not a speed target: late in the full suite one refused request took
            # 1.19 s (10 ms alone), a pause of the process, not of the store.
            bound = PG_CONNECT_TIMEOUT / 2 if outage == "down" else PG_CONNECT_TIMEOUT + 3.0
            assert elapsed < bound, elapsed
            detail = response.json()["detail"]
            assert detail.startswith("store unavailable: database postgresql") and "unavailable:" in detail
            assert "K" + cid[1:] not in detail  # the reason names the database, not the request
        health, _ = timed(client.get, "/health")
        assert health.status_code == 503 and health.json()["store"] is False and health.json()["reason"]
        if outage == "down":
            # A write during the outage is refused whole, and nothing of it turns up afterwards.
            created, _ = timed(client.post, "/claimants", json=NEW, headers=lead)
            assert created.status_code == 503, created.text

        proxy.start()
        deadline = time.monotonic() + 10
        while (status := client.get("/health").status_code) != 200 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert status == 200
        for path in paths:
            assert client.get(path, headers=cm).status_code == 200, path
        if outage == "down":
            r = client.post("/claimants", json=NEW, headers=lead)
            assert r.status_code == 201
            assert client.get(f"/claimants/{r.json()['id']}/suggestions?k=3", headers=cm).status_code == 200
