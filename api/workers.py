"""Several server processes on one port: ``passgenau serve --workers N`` (issue 15).

One Python process answers lookups on one core at a time (the GIL: scoring, filters and the
response's JSON are Python), so a 2-core machine needs two processes to use both cores. The parent
binds the listening socket and forks N workers; each builds its own app (store engine, model,
index, catalogs) *after* the fork and runs uvicorn on the inherited socket, where the kernel hands
each new connection to one of them. Nothing with threads (torch, OpenMP, the store's pool) exists
in the parent when it forks: a fork copies only the calling thread, and a thread pool copied
half-way is a deadlock.

What the workers share and what each holds:
- the vacancy index: each worker reads the saved version with ``mmap`` (faiss ``IO_FLAG_MMAP``,
  the float32 vectors as a read-only ``np.memmap``), so the files' pages are in the page cache
  once for all workers; a worker that applies a change loads a private copy, saves the new
  version and serves that copy until its next restart;
- the embedding cache files (``models.cache``: appends under a file lock, readers re-read);
- the database (SQLite in WAL mode, writes in ``BEGIN IMMEDIATE`` transactions with a busy timeout;
  or PostgreSQL);
- per worker: the embedding model and the scorer (a copy each), the vacancy and claimant catalogs.
  The catalogs stay consistent across workers through the change log (``api.runtime``).

The parent only supervises: a worker that dies is replaced, SIGINT/SIGTERM stop all workers
(uvicorn's graceful shutdown: requests in flight are answered).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

STOP_GRACE = 30.0  # seconds the workers get to finish their requests before they are killed
FAST_DEATH = 10.0  # a worker that dies this soon after its start counts as failing to start
MAX_FAST_DEATHS = 3  # in a row: the workers cannot start (bad settings, no index): stop
PR_SET_PDEATHSIG = 1  # linux/prctl.h


def bind(host: str, port: int, backlog: int = 2048) -> socket.socket:
    """The listening socket the workers share (inherited through fork)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(backlog)
    sock.set_inheritable(True)
    return sock


def _die_with_parent() -> None:
    """Linux: SIGTERM this worker when the supervisor dies (even by SIGKILL), so that no orphan
    keeps serving on the socket."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM))
    except (OSError, AttributeError):  # not Linux: the supervisor's SIGTERM must do
        log.debug("no PR_SET_PDEATHSIG here")


def _run_worker(make_app: Callable[[], Any], sock: socket.socket, uvicorn_options: dict[str, Any]) -> None:
    import uvicorn

    # Its own process group: Ctrl+C in a terminal reaches the supervisor only, which stops each
    # worker with one SIGTERM (uvicorn takes a second signal as "exit now", dropping requests).
    os.setpgid(0, 0)
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    config = uvicorn.Config(make_app(), **uvicorn_options)
    server = uvicorn.Server(config)
    server.run(sockets=[sock])
    if not server.started:  # the app's start failed (lifespan): the supervisor counts it
        raise SystemExit(3)


class Supervisor:
    """Forks and watches the workers (the parent process)."""

    def __init__(
        self,
        make_app: Callable[[], Any],
        sock: socket.socket,
        workers: int,
        uvicorn_options: dict[str, Any],
    ) -> None:
        self.make_app = make_app
        self.sock = sock
        self.workers = workers
        self.options = uvicorn_options
        self.children: dict[int, float] = {}  # pid -> start time
        self.stopping = False

    def spawn(self) -> int:
        pid = os.fork()
        if pid == 0:  # the worker
            code = 0
            try:
                _run_worker(self.make_app, self.sock, self.options)
            except BaseException:
                log.exception("worker %d failed", os.getpid())
                code = 1
            finally:
                os._exit(code)  # never return into the parent's loop
        self.children[pid] = time.monotonic()
        log.info("started worker %d", pid)
        return pid

    def _stop(self, signum: int, _frame: object) -> None:
        self.stopping = True
        for pid in list(self.children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    def run(self) -> int:
        """Start the workers and keep them running until a signal; the exit code."""
        signal.signal(signal.SIGINT, self._stop)
        signal.signal(signal.SIGTERM, self._stop)
        for _ in range(self.workers):
            self.spawn()
        fast_deaths = 0
        code = 0
        while self.children:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                break
            except InterruptedError:  # pragma: no cover - PEP 475 retries os.wait itself
                continue
            started = self.children.pop(pid, None)
            if started is None:
                continue
            if self.stopping:
                continue
            lived = time.monotonic() - started
            log.warning("worker %d exited (status %d) after %.0f s: replacing it", pid, status, lived)
            fast_deaths = fast_deaths + 1 if lived < FAST_DEATH else 0
            if fast_deaths >= MAX_FAST_DEATHS:
                log.error("workers die at start: stopping")
                code = 1
                self._stop(signal.SIGTERM, None)
                continue
            self.spawn()
        self._reap_late()
        return code

    def _reap_late(self) -> None:
        deadline = time.monotonic() + STOP_GRACE
        while self.children and time.monotonic() < deadline:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid:
                self.children.pop(pid, None)
            else:
                time.sleep(0.1)
        for pid in list(self.children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def uvicorn_options(log_level: str, keep_alive_seconds: float) -> dict[str, Any]:
    """What every worker's uvicorn is configured with (``ApiSettings.keep_alive_seconds``: why)."""
    # Request lines hold claimant pseudonyms only, never names; still, the app's own audit log is the
    # record of access, so uvicorn's access log stays off.
    return {"log_level": log_level, "access_log": False, "timeout_keep_alive": keep_alive_seconds}


def serve(
    make_app: Callable[[], Any],
    *,
    host: str,
    port: int,
    workers: int,
    log_level: str = "info",
    keep_alive_seconds: float = 65.0,
) -> int:
    """Serve ``make_app()``: in this process for one worker, else in ``workers`` forked processes."""
    options = uvicorn_options(log_level, keep_alive_seconds)
    if workers <= 1:
        import uvicorn

        uvicorn.run(make_app(), host=host, port=port, **options)
        return 0
    sock = bind(host, port)
    try:
        log.info("serving on %s:%d with %d workers", host, port, workers)
        return Supervisor(make_app, sock, workers, options).run()
    finally:
        sock.close()
