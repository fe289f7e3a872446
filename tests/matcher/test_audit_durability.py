"""A lookup's audit entry and shown suggestions survive the process being killed right after the
lookup was acknowledged: SQLite commits without an fsync (``synchronous=NORMAL`` in WAL mode, see
``matcher.store.engine``), but before the commit returns the pages are in the WAL file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from matcher.store import Store

WRITER = textwrap.dedent(
    """
    import sys
    from datetime import UTC, datetime
    from matcher.records import ShownSuggestion
    from matcher.store import Store

    store = Store.open(sys.argv[1])
    now = datetime.now(UTC)
    for i in range(100_000):
        cid = f"K{i % 50:05d}"
        shown = [
            ShownSuggestion(
                id="", lookup_id=0, kind="suggestions", claimant_id=cid, vacancy_id=f"V{i:06d}",
                jobcenter="JC-GOE", rank=1, similarity=0.5, p_match=0.4, p_sustain=0.6, score=0.24,
                model_version="m1", index_version="i1", embedder_id="e1", shown_at=now,
            )
        ]
        audit_id, stored = store.add_lookup(
            who="fm", action="suggestions", claimant_id=cid, model_version="m1", index_version="i1",
            payload={"k": 1, "n": i}, shown=shown,
        )
        # Acknowledged: the answer would leave now.
        print(audit_id, stored[0].id, flush=True)
    """
)


def test_the_pragma_is_normal_in_wal_mode(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'p.db'}")
    try:
        with store._engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    finally:
        store.close()


@pytest.mark.slow
def test_acknowledged_lookups_survive_a_kill(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'kill.db'}"
    Store.open(url).close()  # migrated before the writer starts
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, url], stdout=subprocess.PIPE, env=env, cwd=root, text=True
    )
    acknowledged: list[tuple[int, str]] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        audit_id, suggestion_id = line.split()
        acknowledged.append((int(audit_id), suggestion_id))
        if len(acknowledged) == 300:
            proc.send_signal(signal.SIGKILL)  # mid-run: the writer is inside its next lookup
            break
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    # Lines the writer printed before the kill but this side had not read yet were acknowledged too
    # (under load the writer runs several lookups ahead of the reader).
    for line in proc.stdout.read().splitlines():
        audit_id, suggestion_id = line.split()
        acknowledged.append((int(audit_id), suggestion_id))
    store = Store.open(url)
    try:
        for audit_id, suggestion_id in acknowledged:
            entry = store.get_audit(audit_id)
            assert entry is not None, audit_id
            assert store.get_suggestion(suggestion_id) is not None, suggestion_id
        with store._engine.connect() as conn:
            n = conn.exec_driver_sql("SELECT count(*) FROM audit_log").scalar()
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        # Nothing acknowledged missing; at most the one lookup in flight at the kill beyond them.
        assert n is not None and len(acknowledged) <= n <= len(acknowledged) + 1
        assert entry.payload == {"k": 1, "n": len(acknowledged) - 1}
    finally:
        store.close()
