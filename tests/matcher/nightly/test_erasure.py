"""An erased claimant leaves no trace in the nightly run folders; the other lists stay as they were."""

from __future__ import annotations

from pathlib import Path

import pytest

from matcher.bootstrap import Services
from matcher.cli.nightly import build_context
from matcher.errors import PassgenauError
from matcher.nightly.engines import LocalEngine
from matcher.nightly.erasure import erase_from_runs
from matcher.nightly.runner import NightlyRunner
from matcher.store import Store
from tests.matcher.nightly.region import TermsScorer, build_region, fake_encoder, settings_for


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def run(data_dir: Path, store: Store) -> NightlyRunner:
    settings = settings_for(data_dir, top_n=3, chunk_size=30)
    ctx = build_context(
        Services(settings, store=store, encoder=fake_encoder(data_dir), scorer=TermsScorer()), progress=False
    )
    return NightlyRunner(
        ctx,
        store,
        settings.nightly,
        out_dir=data_dir / "out",
        run_id="n1",
        engine=LocalEngine(),
        progress=False,
    )


def test_erasure_rewrites_the_lists_and_drops_plan_and_checkpoints(tmp_path: Path) -> None:
    store = build_region(tmp_path, claimants=90, vacancies=70)
    run(tmp_path, store).run()
    rows = store.list_nightly("n1")
    person = rows[0]
    lists = tmp_path / "out" / "n1" / "lists"
    before = files(lists)
    mine = {k for k in before if k.startswith(f"{person.jobcenter}/{person.case_manager}.")}
    assert len(mine) == 3 and all(
        person.claimant_id.encode() in before[k] for k in mine if k.endswith(".csv")
    )

    store.delete_claimant(person.claimant_id)
    assert erase_from_runs(store, tmp_path / "out", person.claimant_id) == ["n1"]
    assert erase_from_runs(store, tmp_path / "out", "K-nobody") == []

    after = files(tmp_path / "out")
    assert [k for k, data in after.items() if person.claimant_id.encode() in data] == []
    assert not (tmp_path / "out" / "n1" / "candidates").exists()
    # Every other case manager's files are byte for byte what the run wrote.
    assert {k: v for k, v in files(lists).items() if k not in mine} == {
        k: v for k, v in before.items() if k not in mine
    }
    rest = [r for r in rows if r.claimant_id != person.claimant_id]
    assert store.list_nightly("n1") == rest
    # The run's inputs changed: it cannot be resumed under the same id.
    with pytest.raises(PassgenauError, match="claimant"):
        run(tmp_path, store).run()
