"""A real Ray cluster on this machine: a head and a worker node, each its own ``ray start`` process.

For the cluster test and bench/ray_cluster_bench.py. Every port is chosen free on 127.0.0.1 and
passed explicitly (two nodes on one host would otherwise both take the fixed defaults of some
agents), the cluster has a temp dir of its own (sockets, logs, spilled objects), and it is stopped
by signalling the two ``ray start --block`` processes this helper started: each then stops the
processes of its node (raylet, GCS, agents, workers) and waits for them. Not ``ray stop``: that
kills every Ray process of the machine by name, other people's clusters included.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType

HOST = "127.0.0.1"
# Ray's own executable, next to this interpreter (the venv's), so both nodes run the driver's Ray.
RAY = str(Path(sys.executable).with_name("ray"))


def free_ports(n: int) -> list[int]:
    """``n`` distinct ports that were free on 127.0.0.1 a moment ago (held open together, so distinct)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((HOST, 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


class LocalRayCluster:
    """``with LocalRayCluster() as cluster: ... cluster.address`` (``127.0.0.1:PORT``, the GCS).

    ``cpus_per_node`` CPUs on each of the two nodes, ``object_store_bytes`` of shared memory each.
    ``env`` is the environment of the nodes and hence of their workers (which must import matcher).
    """

    def __init__(
        self,
        *,
        cpus_per_node: int = 1,
        object_store_bytes: int = 1 << 30,
        env: dict[str, str] | None = None,
        timeout: float = 120.0,
    ) -> None:
        self.cpus_per_node = cpus_per_node
        self.object_store_bytes = object_store_bytes
        self.env = {
            **os.environ,
            **(env or {}),
            "RAY_USAGE_STATS_ENABLED": "0",
            # Explicit: with RAY_AUTH_MODE unset, Ray turns token authentication on for a head when a
            # token file exists (~/.ray/auth_token, written by any local ray.init of this user) but
            # not for a joining worker, which is then refused. A short-lived cluster of this machine.
            "RAY_AUTH_MODE": "disabled",
            # Stopped after the work is done: no drain period for in-flight requests.
            "RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S": "0",
        }
        self.env.pop("RAY_ADDRESS", None)
        self.timeout = timeout
        # Short: Ray's Unix sockets live under it and a socket path has at most 107 bytes.
        self.temp_dir = Path(tempfile.mkdtemp(prefix="rc-", dir="/tmp"))
        self.address = ""
        self.procs: list[subprocess.Popen[bytes]] = []

    def _node_args(self, head: bool) -> list[str]:
        ports = free_ports(7)  # at once: ports asked one call at a time could repeat
        args = [
            f"--node-ip-address={HOST}",
            f"--num-cpus={self.cpus_per_node}",
            f"--object-store-memory={self.object_store_bytes}",
            f"--temp-dir={self.temp_dir}",
            f"--node-manager-port={ports[0]}",
            f"--object-manager-port={ports[1]}",
            f"--dashboard-agent-listen-port={ports[2]}",
            f"--dashboard-agent-grpc-port={ports[3]}",
            f"--runtime-env-agent-port={ports[4]}",
            f"--metrics-export-port={ports[5]}",
            "--disable-usage-stats",
            "--block",
        ]
        if head:
            # No Ray Client server: the driver joins by the GCS address (ray[client], not installed).
            gcs = ports[6]
            self.address = f"{HOST}:{gcs}"
            args += ["--head", f"--port={gcs}", "--include-dashboard=false"]
        else:
            args += [f"--address={self.address}"]
        return args

    def _start(self, name: str, head: bool) -> None:
        log = open(self.temp_dir / f"{name}.log", "wb")  # noqa: SIM115 - the process owns it until stop
        proc = subprocess.Popen(
            [RAY, "start", *self._node_args(head)],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=self.env,
        )
        self.procs.append(proc)
        deadline = time.monotonic() + self.timeout
        while b"Ray runtime started" not in (self.temp_dir / f"{name}.log").read_bytes():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"ray start ({name}) failed:\n{self.log(name)}")
            time.sleep(0.2)

    def log(self, name: str) -> str:
        path = self.temp_dir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def start(self) -> LocalRayCluster:
        try:
            self._start("head", head=True)
            self._start("worker", head=False)
            self._wait_for_nodes(2)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_for_nodes(self, n: int) -> None:
        """Until the GCS lists ``n`` live nodes (asked from a child process: this one may drive later)."""
        code = (
            "import sys, time, ray\n"
            f"ray.init(address={self.address!r}, log_to_driver=False)\n"
            f"deadline = time.monotonic() + {self.timeout}\n"
            f"while sum(n['Alive'] for n in ray.nodes()) < {n}:\n"
            "    if time.monotonic() > deadline: sys.exit('nodes missing')\n"
            "    time.sleep(0.2)\n"
        )
        subprocess.run([sys.executable, "-c", code], env=self.env, check=True, timeout=self.timeout + 60)

    def stop(self) -> None:
        # The worker first, then the head: a worker node whose GCS went away first waits to reconnect.
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.procs.clear()
        shutil.rmtree(self.temp_dir, ignore_errors=True)

    def __enter__(self) -> LocalRayCluster:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
