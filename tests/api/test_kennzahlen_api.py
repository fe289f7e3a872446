"""GET /kennzahlen through HTTP: who gets which figures, 403 beyond that, the printable page.

The app runs over a copy of the API tests' seeded region, with the region's history, shown
suggestions (with the generator's true probabilities) and their actions added as in
``tests.matcher.kennzahlen.region``; the team lead ``test-lead`` leads GOE-Mitte (settings).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from matcher.settings import KennzahlenSettings, Settings
from matcher.store import Store
from tests.api.conftest import SEED, make_tokens, trigram_encoder
from tests.matcher.kennzahlen.region import StoredRegion, populate
from training.synthetic import generate_region

PERIOD = {"from": "2023-01-01", "to": "2025-10-31"}


def kz_app(src: Path, dst: Path) -> tuple[Settings, StoredRegion, Any, dict[str, str]]:
    data_dir = Path(shutil.copytree(src, dst, symlinks=True))
    region = generate_region(SEED, 40, 60, placements=600)
    settings = Settings(data_dir=data_dir, as_of=region.reference_date,
                        kennzahlen=KennzahlenSettings(team_leads={"test-lead": ("GOE-Mitte",)}))  # fmt: skip
    store = Store.open(settings.resolved_database_url)
    stored = populate(store, region)
    tokens, _ = make_tokens(store)
    return settings, stored, create_app(settings, encoder=trigram_encoder(data_dir), store=store), tokens


@pytest.fixture(scope="module")
def kz(api_region_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    _, stored, app, tokens = kz_app(api_region_dir, tmp_path_factory.mktemp("kz-api") / "data")
    with TestClient(app) as client:
        yield {"client": client, "tokens": tokens, "region": stored.region}
    stored.store.close()


def get(kz: dict[str, Any], who: str | None, **params: str) -> Any:
    headers = {"Authorization": f"Bearer {kz['tokens'][who]}"} if who else {}
    return kz["client"].get("/kennzahlen", params={**PERIOD, **params}, headers=headers)


def test_a_team_lead_gets_the_figures_of_their_team_and_its_case_managers(kz: dict[str, Any]) -> None:
    r = get(kz, "lead")
    assert r.status_code == 200, r.text
    units = r.json()["units"]
    assert {(u["level"], u["team"]) for u in units} >= {("team", "GOE-Mitte")}
    assert {u["team"] for u in units} == {"GOE-Mitte"}
    assert {u["level"] for u in units} == {"team", "case_manager"}
    assert r.headers["cache-control"] == "no-store"
    team = next(u for u in units if u["level"] == "team")
    outcomes = [o for o in kz["region"].outcomes if o.claimant_snapshot["team"] == "GOE-Mitte"
                and "2023-01-01" <= o.start.isoformat() <= "2025-10-31"]  # fmt: skip
    assert team["total"]["integrations"] == (
        len(outcomes) if len({o.claimant_id for o in outcomes}) >= 5 else "< 5"
    )


def test_no_claimant_id_in_the_answer(kz: dict[str, Any]) -> None:
    text = get(kz, "admin").text
    region = kz["region"]
    ids = [c.id for c in [*region.claimants, *region.history_claimants]]
    assert not [i for i in ids if i in text]


@pytest.mark.parametrize(
    ("who", "params"),
    [
        ("lead", {"team": "GOE-Nord"}),  # a team of their Jobcenter they do not lead
        ("lead", {"team": "OHA-Osterode"}),  # another Jobcenter's team
        ("lead", {"jobcenter": "JC-OHA"}),
        ("cm", {"team": "GOE-Mitte"}),  # a case manager never gets a team's figures
        ("cm_oha", {"team": "GOE-Mitte"}),
        ("cm", {"jobcenter": "JC-OHA"}),
        ("batch", {}),
    ],
)
def test_403_beyond_what_the_role_may_see(kz: dict[str, Any], who: str, params: dict[str, str]) -> None:
    r = get(kz, who, **params)
    assert r.status_code == 403, r.text
    assert "units" not in r.text


def test_a_case_manager_gets_their_own_caseload_only(kz: dict[str, Any]) -> None:
    r = get(kz, "cm")
    assert r.status_code == 200
    body = r.json()
    assert body["scope"]["case_manager"] == "test-cm"
    assert all(u["level"] == "case_manager" and u["case_manager"] == "test-cm" for u in body["units"])


def test_without_a_token_401_and_a_bad_date_422_naming_the_field(kz: dict[str, Any]) -> None:
    assert get(kz, None).status_code == 401
    r = get(kz, "admin", **{"from": "2025-13-01"})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["query", "from"]
    r = get(kz, "admin", **{"from": "2025-06-01", "to": "2025-01-01"})
    assert r.status_code == 422 and "from" in r.text
    # Bounded: no centuries of monthly rows, no dates the calendar arithmetic cannot step back from.
    r = get(kz, "admin", **{"from": "1995-01-01", "to": "2025-01-01"})
    assert r.status_code == 422 and "120 months" in r.text
    r = get(kz, "admin", **{"from": "0001-01-01", "to": "0001-01-31"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "from"
    r = get(kz, "admin", **{"from": "2024-01-01", "to": "9999-12-31"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "to"


def test_admin_sees_each_jobcenter_with_forecast_against_realised(kz: dict[str, Any]) -> None:
    units = get(kz, "admin").json()["units"]
    jcs = [u for u in units if u["level"] == "jobcenter"]
    assert {u["jobcenter"] for u in jcs} == {"JC-GOE", "JC-OHA"}
    goe = next(u for u in jcs if u["jobcenter"] == "JC-GOE")["forecast"]["total"]
    assert goe["within_interval"] is True
    assert goe["interval_low"] <= goe["realised_share"] <= goe["interval_high"]


def test_the_printable_page_carries_its_plots_and_no_script(kz: dict[str, Any]) -> None:
    r = get(kz, "lead", format="html")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    page = r.text
    assert "<script" not in page and "Team GOE-Mitte (JC-GOE)" in page
    assert page.count('src="data:image/png;base64,') == 2  # the team's trends and forecast
    csp = r.headers["content-security-policy"]
    assert "img-src data:" in csp and "script-src" not in csp
    (style,) = re.findall(r"<style>(.*?)</style>", page, flags=re.S)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in csp
    assert "Kennzahlen-Verordnung" in page and "&lt; 5" in page
    json.loads(get(kz, "lead").text)  # the same figures as JSON
