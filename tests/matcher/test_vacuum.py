"""``passgenau db vacuum-erased`` (issue 16, defect 11): after an erasure, PostgreSQL keeps the erased
rows' bytes in the table files (dead row versions) until ``VACUUM FULL``; the command rewrites every
table erasure touches. Checked on the real server by reading the tables' pages with pageinspect."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from matcher.cli import app
from matcher.store import ERASED_TABLES, Store
from tests.factories import make_claimant

NEEDLE = "Quokkaflüsterin aus Hann. Münden"
PSEUDONYM = "K-VACUUM-ERASED-1"


def _erase_one(store: Store) -> dict[str, int]:
    people = [make_claimant(id=f"K-KEEP-{i}", profile_text=f"Lagerhelfer {i}") for i in range(30)]
    gone = make_claimant(id=PSEUDONYM, profile_text=f"{NEEDLE}, sucht Arbeit im Tierpark.")
    store.upsert_claimants([(c, None) for c in [*people, gone]])
    store.add_audit(who="fm", action="claimant.read", claimant_id=PSEUDONYM, payload={"health": True})
    deleted = store.delete_claimant(PSEUDONYM)
    assert set(deleted) <= set(ERASED_TABLES) and deleted["claimants"] == 1
    return deleted


def _cli(data_dir: Path, url: str) -> str:
    result = CliRunner().invoke(
        app, ["--data-dir", str(data_dir), "db", "vacuum-erased"], env={"PASSGENAU_DATABASE_URL": url}
    )
    assert result.exit_code == 0, result.output
    return result.output


def _pages(conn: sa.Connection, schema: str, table: str) -> bytes:
    """Every block of the table and of its TOAST table, raw, as pageinspect reads them."""
    rels = [f'"{table}"']
    toast = conn.execute(
        sa.text(f"SELECT reltoastrelid::regclass::text FROM pg_class WHERE oid = '\"{table}\"'::regclass")
    ).scalar()
    if toast and toast != "-":
        rels.append(toast)
    out = []
    for rel in rels:
        blocks = conn.execute(
            sa.text(f"SELECT pg_relation_size('{rel}') / current_setting('block_size')::int")
        ).scalar_one()
        for n in range(int(blocks)):
            out.append(
                bytes(conn.execute(sa.text(f"SELECT {schema}.get_raw_page('{rel}', {n})")).scalar_one())
            )
    return b"".join(out)


@pytest.mark.postgres
def test_vacuum_erased_removes_the_erased_text_from_postgresql_files(pg_url: str, tmp_path: Path) -> None:
    engine = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        schema = conn.execute(sa.text(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
            "WHERE e.extname = 'pageinspect'"
        )).scalar()  # fmt: skip
        if schema is None:
            conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pageinspect SCHEMA public")
            schema = "public"
    with Store.open(pg_url) as store:
        _erase_one(store)
        with engine.connect() as conn:
            before = conn.execute(sa.text("SELECT pg_relation_filepath('claimants')")).scalar_one()
            # Erased, yet still on disk: the dead row versions (what the command is for).
            assert NEEDLE.encode() in _pages(conn, schema, "claimants")
            assert PSEUDONYM.encode() in _pages(conn, schema, "audit_log")  # the version before redaction
        output = _cli(tmp_path / "data", pg_url)
        assert output.splitlines()[:-1] == [f'VACUUM FULL "{t}"' for t in ERASED_TABLES]
        assert output.splitlines()[-1].startswith("done on postgresql in ")
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT pg_relation_filepath('claimants')")).scalar_one() != before
            for table in ERASED_TABLES:
                pages = _pages(conn, schema, table)
                assert NEEDLE.encode() not in pages and PSEUDONYM.encode() not in pages, table
        assert len(store.list_claimants()) == 30  # everyone else is still there
    engine.dispose()


def test_vacuum_erased_on_sqlite(tmp_path: Path) -> None:
    db = tmp_path / "data" / "passgenau.db"
    url = f"sqlite:///{db}"
    with Store.open(url) as store:
        _erase_one(store)
    output = _cli(tmp_path / "data", url)
    assert output.splitlines()[:-1] == ["VACUUM", "PRAGMA wal_checkpoint(TRUNCATE)"]
    files = [p for p in db.parent.iterdir() if p.name.startswith("passgenau.db")]
    assert db in files
    for p in files:
        assert NEEDLE.encode() not in p.read_bytes() and PSEUDONYM.encode() not in p.read_bytes(), p
    with Store.open(url) as store:
        assert len(store.list_claimants()) == 30
