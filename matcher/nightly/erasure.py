"""Erasure reaches the nightly runs' files, not only their database rows.

``Store.delete_claimant`` deletes the claimant's ``nightly_lists`` rows. The run folders still name
them: the per-case-manager lists (CSV, Parquet, HTML), ``plan.json`` (the planned claimant ids) and
the candidate checkpoints (claimant positions into that plan, and their scores). For every run under
the nightly output folder whose plan names the claimant, ``erase_from_runs``:

- rewrites the run's ``lists/`` from the database rows that remain (the same files minus the
  claimant; the folder is replaced whole, as when the run wrote it);
- deletes the checkpoints and removes the id from ``plan.json``, which then records only how many
  claimants were erased. Such a run can no longer be resumed (its inputs changed): a new run id
  plans afresh.

Call it after ``Store.delete_claimant`` (its rows must be gone first). Runs written with ``--out``
to another folder are that folder's operator's to erase: pass the folder.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from matcher.nightly.output import atomic_write_json, write_lists
from matcher.store import Store


def erase_from_runs(store: Store, root: Path, claimant_id: str) -> list[str]:
    """Remove the claimant from every run folder under ``root``; return the run ids touched."""
    touched: list[str] = []
    if not root.is_dir():
        return touched
    for plan_path in sorted(root.glob("*/plan.json")):
        plan = json.loads(plan_path.read_text(encoding="utf-8"))
        ids = plan.get("claimant_ids", [])
        if claimant_id not in ids:
            continue
        run_dir = plan_path.parent
        run_id = str(plan.get("run_id", run_dir.name))
        # Checkpoints first: they index the planned ids, which are about to change.
        shutil.rmtree(run_dir / "candidates", ignore_errors=True)
        plan["claimant_ids"] = [i for i in ids if i != claimant_id]
        plan["claimants_erased"] = int(plan.get("claimants_erased", 0)) + 1
        plan["claimants_digest"] = None  # the inputs no longer match any claimant set: no resume
        atomic_write_json(plan_path, plan)
        if (run_dir / "lists").exists():
            write_lists(run_dir, run_id, store.list_nightly(run_id))
        touched.append(run_id)
    return touched
