"""Lookups logged by the code before the restructuring replay identical after migration 0003
(architecture issue: "an audit entry recorded before the change replays as identical").

The data directory in ``data/recorded_3f4d565.tar.gz`` was written by commit 3f4d565 (schema 0002)
with ``data/record_before_0003.py``: its database, index version, scorer bundle and embedding cache,
as an operator's disk holds them on the day of the upgrade. Opening it migrates the schema; the four
logged lookups then replay through today's use case and service, and the feedback of the old table
is now actions on back-filled suggestions.
"""

from __future__ import annotations

import tarfile
from datetime import date
from pathlib import Path

import pytest

from matcher.bootstrap import Services
from matcher.domain import FeedbackAction
from matcher.settings import Settings
from matcher.store import HEAD_REVISION, Store, current_revision
from matcher.usecases.replay import replay
from tests.api.conftest import trigram_encoder

FIXTURE = Path(__file__).parent / "data" / "recorded_3f4d565.tar.gz"


@pytest.fixture
def migrated(tmp_path: Path) -> Services:
    data_dir = tmp_path / "data"
    with tarfile.open(FIXTURE) as tar:
        tar.extractall(data_dir, filter="data")
    settings = Settings(data_dir=data_dir, as_of=date(2026, 11, 1))
    assert current_revision(settings.resolved_database_url) == "0002"
    store = Store.open(settings.resolved_database_url)
    return Services(settings, store=store, encoder=trigram_encoder(data_dir))


def test_lookups_logged_before_the_change_replay_identical(migrated: Services) -> None:
    assert current_revision(migrated.settings.resolved_database_url) == HEAD_REVISION
    # 0004: the old rows' activation day is "not recorded"; the lookups replay identical regardless.
    assert {c.activated for c in migrated.store().list_claimants(active_only=False)} == {None}
    lookups = [e for e in migrated.store().list_audit() if e.action in ("suggestions", "candidates")]
    assert [(e.id, e.action) for e in lookups] == [
        (1, "suggestions"), (2, "suggestions"), (3, "suggestions"), (4, "candidates"),
    ]  # fmt: skip
    for entry in lookups:
        result = replay(migrated, entry.id)
        assert result.identical and result.notes == [], (entry.id, result.differences(), result.notes)
        assert len(result.replayed) == len(entry.payload["items"]) > 0


def test_old_feedback_is_actions_on_back_filled_suggestions(migrated: Services) -> None:
    store = migrated.store()
    first = store.get_suggestion("1-1")
    assert first is not None and (first.claimant_id, first.vacancy_id, first.rank) == (
        "K-000003",
        "V-000028",
        1,
    )
    assert first.similarity is None and first.score == pytest.approx(0.6091, abs=0)
    actions = store.list_actions(claimant_id="K-000003")
    assert [(a.suggestion_id, a.action, a.user, a.reason_code, a.confirmed_by) for a in actions] == [
        ("1-1", FeedbackAction.PROPOSED, "test-cm", None, "test-cm"),
        ("1-2", FeedbackAction.REJECTED, "test-cm", "commute", None),
    ]
    assert all(a.at.date() == date(2026, 12, 2) for a in actions)
    logged = [e for e in store.list_audit() if e.action in ("suggestions", "candidates")]
    assert [s.id for s in store.list_suggestions()] == [
        f"{e.id}-{i['rank']}" for e in logged for i in e.payload["items"]
    ]
