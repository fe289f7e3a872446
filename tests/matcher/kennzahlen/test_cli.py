"""`passgenau report kennzahlen`: the files it writes, its options, bad input; and one timed run on a
demo-sized region (slow; the time is printed, not asserted)."""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from matcher.cli import app
from matcher.cli.governance import Operator
from matcher.store import Store
from matcher.usecases.kennzahlen import Kennzahlen, Request
from tests.matcher.kennzahlen.region import StoredRegion

runner = CliRunner()


def run(r: StoredRegion, data_dir: Path, *args: str):  # type: ignore[no-untyped-def]
    env = {"PASSGENAU_DATABASE_URL": r.url, "PASSGENAU_AS_OF": r.as_of.isoformat()}
    return runner.invoke(app, ["--data-dir", str(data_dir), "report", "kennzahlen", *args], env=env)


def test_writes_the_json_the_page_and_a_plot_pair_per_jobcenter_and_team(
    kz_region: StoredRegion, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    res = run(kz_region, tmp_path, "--from", "2024-01-01", "--to", "2024-12-31", "--jobcenter", "JC-OHA",
              "--out", str(out))  # fmt: skip
    assert res.exit_code == 0, res.output
    got = json.loads((out / "kennzahlen.json").read_text(encoding="utf-8"))
    req = Request(first=date(2024, 1, 1), last=date(2024, 12, 31), jobcenter="JC-OHA")
    want = Kennzahlen(kz_region.store, as_of=kz_region.as_of).report(Operator("x", "JC-OHA"), req).to_json()
    assert got["units"] == json.loads(json.dumps(want["units"]))
    assert {u["jobcenter"] for u in got["units"]} == {"JC-OHA"}
    big = [u for u in got["units"] if u["level"] != "case_manager"]
    plots = sorted(p.name for p in (out / "plots").iterdir())
    assert len(plots) == 2 * len(big) and "jc-oha-trends.png" in plots
    page = (out / "kennzahlen.html").read_text(encoding="utf-8")
    assert page.count('<section class="pagebreak">') == len(big) + 1  # + the definitions
    assert all(f'src="plots/{p}"' in page for p in plots)
    assert "@media print" in page and "Kennzahlen-Verordnung" in page


def test_bad_input_exits_2_and_writes_nothing(kz_region: StoredRegion, tmp_path: Path) -> None:
    out = tmp_path / "out"
    res = run(kz_region, tmp_path, "--from", "2024-02-30", "--out", str(out))
    assert res.exit_code == 2 and "--from" in res.output
    res = run(kz_region, tmp_path, "--from", "2024-06-01", "--to", "2024-01-01", "--out", str(out))
    assert res.exit_code == 2 and "from" in res.output
    assert not out.exists()


def test_without_out_the_json_goes_to_stdout(kz_region: StoredRegion, tmp_path: Path) -> None:
    res = run(kz_region, tmp_path, "--team", "OHA-Herzberg", "--from", "2024-01-01", "--to", "2024-03-31")
    assert res.exit_code == 0, res.output
    body = json.loads(res.output)
    assert {u["team"] for u in body["units"]} == {"OHA-Herzberg"}
    assert body["period"]["months"] == ["2024-01", "2024-02", "2024-03"]


@pytest.mark.slow  # the demo region (2,000 claimants, 10,726 former ones, 6,000 placements, 42,477 proposals)
def test_the_report_on_the_demo_sized_region(tmp_path: Path) -> None:
    from dataclasses import replace

    from training.synthetic import generate_region

    region = generate_region(2026, 2000, 1500, placements=6000)  # the sizes and seed of `passgenau demo`
    url = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    store = Store.open(url)
    # What `passgenau demo` imports: vacancies, former claimants (inactive), claimants, outcomes, proposals.
    store.upsert_vacancies([*region.history_vacancies, *region.vacancies])
    store.upsert_claimants(
        [
            (replace(c, active=False), p)
            for c, p in zip(region.history_claimants, region.history_protected, strict=True)
        ]
    )
    store.upsert_claimants(list(zip(region.claimants, region.protected, strict=True)))
    store.upsert_outcomes(region.outcomes)
    store.upsert_proposals(region.proposals)
    r = StoredRegion(region, store, region.reference_date, [], None, [], url)  # type: ignore[arg-type]
    t0 = time.perf_counter()
    res = run(r, tmp_path, "--from", "2023-11-01", "--to", "2024-10-31", "--out", str(tmp_path / "out"))
    took = time.perf_counter() - t0
    print(f"passgenau report kennzahlen on the demo region: {took:.1f} s")
    assert res.exit_code == 0, res.output
    body = json.loads((tmp_path / "out" / "kennzahlen.json").read_text(encoding="utf-8"))
    assert {u["level"] for u in body["units"]} == {"jobcenter", "team", "case_manager"}
    assert body["scope"]["unattributed"] == {"integrations": 0, "proposals": 0}
    # With each month's stock as the denominator, the 12 months' rate is a share of people again
    # (it was above 100 % over today's stock), and every team has a time to the first proposal.
    teams = [u for u in body["units"] if u["level"] in ("jobcenter", "team")]
    assert all(0.2 < u["total"]["integration_rate"] < 1.0 for u in teams)
    assert all(u["total"]["days_to_first_proposal"] > 0 for u in teams)
    store.close()
