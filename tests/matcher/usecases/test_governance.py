"""The DPIA / FRIA inputs: generated from the code's permission table, the domain's fields, the
settings, the database's counts and the model bundle; drift between report and code fails here."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime
from typing import Any

from api.auth import RIGHTS, SCOPED_ROLES, Right, Role
from matcher.domain import Claimant
from matcher.settings import ApiSettings, IndexSettings, Settings
from matcher.usecases.governance import CATEGORIES, RIGHT_LABELS, GovernanceFacts, render_markdown
from matcher.usecases.proposals import CONFIRMING_ROLES

MANIFEST: dict[str, Any] = {
    "version": "20261101T000000Z-abcd1234",
    "created": "20261101T000000Z",
    "kinds": {"match": "additive", "sustain": "additive"},
    "labels": {"match": "proposal led to a hire", "sustain": "employed 12 months after start"},
    "features": {"match": ["similarity", "kldb_depth"], "sustain": ["commute_minutes", "temp_agency"]},
    "training": {"placements": 1234, "placement_starts": ["2022-01-03", "2025-12-29"], "proposals": 987,
                 "holdout_share": 0.2},
    "metrics": {"sustain": {"chosen": "additive", "additive": {"auc": 0.7123, "brier": 0.2011, "ece": 0.0134, "n": 247}},
                "match": {"auc": 0.6543, "brier": 0.1111, "n": 198}},
    "governance": {"passed": False, "reasons": ["sex: true positive rate differs by 0.150"], "proxy_flags": []},
}  # fmt: skip
FAIRNESS = {"checks": [
    {"attribute": "sex", "metric": "tpr", "gap": 0.15, "low": "m", "high": "f", "limit": 0.1, "exceeded": True},
    {"attribute": "age_band", "metric": "fpr", "gap": 0.042, "low": "u25", "high": "50+", "limit": 0.1,
     "exceeded": False},
]}  # fmt: skip


def facts(settings: Settings | None = None, **kw: Any) -> GovernanceFacts:
    base: dict[str, Any] = dict(
        generated_at=datetime(2026, 12, 3, 8, 0, tzinfo=UTC),
        settings=settings or Settings(),
        rights={role.value: sorted(r.value for r in rights) for role, rights in RIGHTS.items()},
        scoped_roles=sorted(r.value for r in SCOPED_ROLES),
        confirming_roles=CONFIRMING_ROLES,
        counts={"claimants": 2000, "audit_log": 4711, "suggestions": 380},
        users={"case_manager": 12, "team_lead": 2},
        bundle=MANIFEST,
        fairness=FAIRNESS,
        oldest_audit=datetime(2026, 1, 15, tzinfo=UTC),
    )
    base.update(kw)
    return GovernanceFacts(**base)


def role_table(markdown: str) -> tuple[list[str], dict[str, list[str]]]:
    """The report's role table: its header cells and each role's row."""
    lines = markdown.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| Rolle |"))
    header = [c.strip() for c in lines[start].strip("|").split("|")]
    rows: dict[str, list[str]] = {}
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows[cells[0].strip("`")] = cells[1:]
    return header, rows


def test_the_role_table_is_the_codes_permission_table() -> None:
    """Drift guard: every role and right of ``api.auth.RIGHTS``, the Jobcenter binding and who reads
    health data, cell by cell. A right or role added in the code without the report fails here."""
    settings = Settings(api=ApiSettings(health_roles=("case_manager",)))
    header, rows = role_table(render_markdown(facts(settings)))
    rights = [re.search(r"\(`(\w+)`\)$", h).group(1) for h in header[3:]]  # type: ignore[union-attr]
    assert sorted(rights) == sorted(r.value for r in Right)
    assert sorted(rows) == sorted(r.value for r in Role)
    for role in Role:
        scoped, health, *cells = rows[role.value]
        assert scoped.startswith("ja") == (role in SCOPED_ROLES), role
        assert (health == "ja") == (role.value == "case_manager"), role
        granted = {r for r, cell in zip(rights, cells, strict=True) if cell == "ja"}
        assert granted == {r.value for r in RIGHTS[role]}, role
    assert rows["team_lead"][2 + rights.index("subject_access")] == "ja"
    assert rows["case_manager"][2 + rights.index("subject_access")] == "–"
    assert set(RIGHT_LABELS) == {r.value for r in Right}  # every right has its German name


def test_every_claimant_field_is_in_one_data_category() -> None:
    fields = [f for names in CATEGORIES.values() for f in names]
    assert sorted(fields) == sorted(f.name for f in dataclasses.fields(Claimant))
    report = render_markdown(facts())
    assert "| Gesundheit (Art. 9 DSGVO) | `health_max_load` |" in report
    assert "`sex`, `nationality_group`, `age_band`, `severe_disability`" in report


def test_model_figures_fairness_results_retention_and_counts_come_from_the_inputs() -> None:
    report = render_markdown(facts(Settings(index=IndexSettings(versions_kept=7))))
    for part in (
        "Version: `20261101T000000Z-abcd1234`",
        "1234 Vermittlungen (2022-01-03 bis 2025-12-29), 987 Vermittlungsvorschläge",
        "AUC 0.712, Brier 0.201, Kalibrierungsfehler (ECE) 0.013, n = 247",
        "P(Passung): AUC 0.654",
        "Geschützte Merkmale unter den Modellmerkmalen: keine",
        "Freigabeprüfung: nicht bestanden.",
        "- sex: true positive rate differs by 0.150",
        "| sex | tpr | 0.150 | f / m | 0.10 | ja |",
        "| age_band | fpr | 0.042 | 50+ / u25 | 0.10 | nein |",
        "Abstand der Richtig-positiv-Raten 0.10",
        "die letzten 7 Versionen",
        "ältester Eintrag 15.01.2026",
        "| claimants | 2000 |",
        "Einträge derzeit: 4711.",
        "case_manager 12, team_lead 2",
        "`case_manager`, `team_lead` desselben Jobcenters",
        "Eine zeitgesteuerte Löschfrist ist im System nicht eingestellt",
        "`DELETE /claimants/{id}` (Rollen `team_lead`, `admin`)",
    ):
        assert part in report, part


def test_a_protected_attribute_among_the_features_is_named_and_no_model_is_said_so() -> None:
    leaking = {**MANIFEST, "features": {"match": ["similarity"], "sustain": ["age_band", "temp_agency"]}}
    assert "Geschützte Merkmale unter den Modellmerkmalen: age_band" in render_markdown(facts(bundle=leaking))
    none = render_markdown(facts(bundle=None, fairness=None))
    assert "Kein Modell trainiert" in none and "kein Ergebnis der Fairness-Prüfung vor" in none
