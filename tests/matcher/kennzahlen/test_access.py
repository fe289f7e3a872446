"""Who sees which key figures: team leads their teams, admin the Jobcenter, case managers their
own caseload; everything else is refused (NotPermitted, HTTP 403 at the edge)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from matcher.usecases.kennzahlen import Kennzahlen, NotPermitted, Request
from tests.matcher.kennzahlen.region import StoredRegion

PERIOD = Request(first=date(2025, 1, 1), last=date(2025, 6, 30))


@dataclass(frozen=True)
class Who:
    name: str
    role_name: str
    jobcenter: str

    @property
    def scope(self) -> str | None:
        return self.jobcenter if self.role_name in ("case_manager", "team_lead") else None

    sees_health: bool = False
    reads_claimants: bool = True

    def may_see(self, jobcenter: str) -> bool:
        return self.scope is None or self.scope == jobcenter


def uc(r: StoredRegion) -> Kennzahlen:
    return Kennzahlen(r.store, as_of=r.as_of, team_leads={"Frau Lead": ("GOE-Nord", "GOE-Sued")})


def _units(rep: dict) -> set[tuple]:
    return {(u["level"], u["jobcenter"], u["team"], u["case_manager"]) for u in rep["units"]}


def test_a_team_lead_sees_the_teams_they_lead_and_their_case_managers_only(kz_region: StoredRegion) -> None:
    rep = uc(kz_region).report(Who("Frau Lead", "team_lead", "JC-GOE"), PERIOD).to_json()
    units = _units(rep)
    assert {u[2] for u in units} == {"GOE-Nord", "GOE-Sued"}
    assert {u[0] for u in units} == {"team", "case_manager"}
    assert {u[1] for u in units} == {"JC-GOE"}
    one = uc(kz_region).report(Who("Frau Lead", "team_lead", "JC-GOE"), Request(team="GOE-Nord")).to_json()
    assert {u[2] for u in _units(one)} == {"GOE-Nord"}


@pytest.mark.parametrize(
    ("who", "req"),
    [
        (Who("Frau Lead", "team_lead", "JC-GOE"), Request(team="GOE-Mitte")),  # a team she does not lead
        (Who("Frau Lead", "team_lead", "JC-GOE"), Request(team="OHA-Osterode")),  # another Jobcenter's
        (Who("Frau Lead", "team_lead", "JC-GOE"), Request(jobcenter="JC-OHA")),
        (Who("Herr Niemand", "team_lead", "JC-GOE"), Request()),  # leads no team
        (Who("fm-001", "case_manager", "JC-GOE"), Request(team="GOE-Mitte")),  # even their own team
        (Who("fm-001", "case_manager", "JC-GOE"), Request(team="GOE-Nord")),
        (Who("importer", "batch", "JC-GOE"), Request()),
    ],
)
def test_refused(kz_region: StoredRegion, who: Who, req: Request) -> None:
    with pytest.raises(NotPermitted):
        uc(kz_region).report(who, req)


def test_a_case_manager_sees_only_their_own_caseload(kz_region: StoredRegion) -> None:
    rep = uc(kz_region).report(Who("fm-001", "case_manager", "JC-GOE"), PERIOD).to_json()
    assert _units(rep) == {("case_manager", "JC-GOE", "GOE-Mitte", "fm-001")}


def test_admin_sees_one_jobcenter_or_all(kz_region: StoredRegion) -> None:
    admin = Who("admin", "admin", "JC-GOE")
    one = _units(uc(kz_region).report(admin, Request(jobcenter="JC-OHA")).to_json())
    assert {u[1] for u in one} == {"JC-OHA"} and ("jobcenter", "JC-OHA", None, None) in one
    every = _units(uc(kz_region).report(admin, Request()).to_json())
    assert {u[1] for u in every} == {"JC-GOE", "JC-OHA"}


def test_a_lead_without_configured_teams_leads_the_teams_of_their_own_caseload(
    kz_region: StoredRegion,
) -> None:
    rep = uc(kz_region).report(Who("fm-044", "team_lead", "JC-OHA"), PERIOD).to_json()
    team = next(c.team for c in kz_region.region.claimants if c.case_manager == "fm-044")
    assert {u[2] for u in _units(rep)} == {team}


def test_the_read_is_audited_without_a_claimant(kz_region: StoredRegion) -> None:
    uc(kz_region).report(Who("Frau Lead", "team_lead", "JC-GOE"), PERIOD)
    (entry,) = [e for e in kz_region.store.list_audit(limit=None) if e.action == "kennzahlen.read"][-1:]
    assert entry.who == "Frau Lead" and entry.claimant_id is None
    assert entry.payload["from"] == "2025-01-01" and entry.payload["jobcenter"] == "JC-GOE"


def test_unattributable_records_are_counted_for_unscoped_roles_only(kz_region: StoredRegion) -> None:
    # Every history claimant of the fixture is in the register, so nothing is unattributable there.
    admin = uc(kz_region).report(Who("admin", "admin", "JC-GOE"), PERIOD).to_json()
    assert admin["scope"]["unattributed"] == {"integrations": 0, "proposals": 0}
    lead = uc(kz_region).report(Who("Frau Lead", "team_lead", "JC-GOE"), PERIOD).to_json()
    assert lead["scope"]["unattributed"] is None
