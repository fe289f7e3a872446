"""Vacancies: occupation, place, contract, wage, hours and a German posting text."""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

import numpy as np

from matcher.domain import (
    CEFR,
    Contract,
    Employer,
    PhysicalLoad,
    Shifts,
    SkillLevel,
    Vacancy,
    WageUnit,
)
from matcher.occupations import OCCUPATIONS, Occupation, female
from training.synthetic.draw import Draw, cumulative, uniform_rows
from training.synthetic.employers import SIZES, make_employer
from training.synthetic.places import (
    PLACES,
    Place,
)

_OPENINGS_CUM = {
    False: cumulative((0.72, 0.14, 0.07, 0.04, 0.03)),
    True: cumulative((0.5, 0.25, 0.12, 0.08, 0.05)),
}


def _vacancy_title(d: Draw, o: Occupation, part_time: bool, place: Place) -> str:
    name = o.title if d() < 0.45 else d.pick(o.names)
    u = d()
    base = f"{name} (m/w/d)" if u < 0.7 else (f"{name}/in" if name.endswith("er") else f"{name} (w/m/d)")
    if u > 0.93:
        base = f"{female(name)} / {name}"
    suffix = d.pick(
        (
            "",
            "",
            "",
            " in Vollzeit" if not part_time else " in Teilzeit",
            " ab sofort",
            f" in {place.name}",
            " – Quereinsteiger willkommen" if o.level == SkillLevel.HELPER else "",
        )
    )
    return base + suffix


def _vacancy_description(d: Draw, o: Occupation, e: Employer, place: Place, v: dict[str, Any]) -> str:
    hours = v["hours"]
    ht = "Vollzeit" if hours >= 35 else f"Teilzeit ({hours:g} Std./Woche)"
    who = d.pick(("eine/n", "einen", "zwei", "engagierte"))
    job = f"{who} {o.title} (m/w/d)"
    if e.temp_agency:
        intro = d.pick(
            (
                f"Für unseren Kunden in {place.name} suchen wir im Rahmen der Arbeitnehmerüberlassung {job} "
                f"in {ht}.",
                f"Die {e.name} sucht für einen namhaften Kunden in {place.name} ab sofort {job}.",
            )
        )
    else:
        intro = d.pick(
            (
                f"Die {e.name} sucht zum nächstmöglichen Zeitpunkt {job} in {ht} "
                f"für den Standort {place.name}.",
                f"Wir, die {e.name}, suchen Verstärkung: {o.title} (m/w/d), {ht}, in {place.name}.",
                f"Zur Verstärkung unseres Teams in {place.name} suchen wir ab sofort {job}.",
            )
        )
    tasks = list(o.keywords)
    start = d.int(0, max(0, len(tasks) - 1))
    tasks = (tasks[start:] + tasks[:start])[: d.int(2, 4)]
    task_line = d.pick(("Ihre Aufgaben: ", "Aufgaben: ", "Das erwartet Sie: ")) + ", ".join(tasks) + "."
    req = []
    if o.level == SkillLevel.HELPER:
        req.append(
            d.pick(
                (
                    "Erfahrung wünschenswert, aber kein Muss",
                    "Quereinsteiger willkommen",
                    "Einarbeitung erfolgt",
                )
            )
        )
    else:
        req.append(
            d.pick(
                (
                    f"abgeschlossene Ausbildung als {o.title}",
                    "abgeschlossene Berufsausbildung im Bereich",
                    "Berufserfahrung von Vorteil",
                )
            )
        )
    for lic in sorted(v["licences"]):
        req.append(d.pick((f"Führerschein Klasse {lic}", f"FS Kl. {lic} erforderlich")))
    req.append(
        d.pick(
            (
                f"Deutschkenntnisse mind. {v['german'].name}",
                f"gute Deutschkenntnisse ({v['german'].name})",
                f"Deutsch auf {v['german'].name}-Niveau",
            )
        )
    )
    if o.load is PhysicalLoad.HIGH:
        req.append(d.pick(("körperliche Belastbarkeit", "Heben von Lasten bis 25 kg")))
    if v["shifts"] is not Shifts.DAY:
        req.append(
            {
                Shifts.TWO_SHIFT: "Bereitschaft zur Arbeit im 2-Schicht-System",
                Shifts.THREE_SHIFT: "Bereitschaft zur Arbeit im 3-Schicht-System inkl. Nachtschicht",
                Shifts.NIGHT: "Bereitschaft zur Nachtarbeit",
                Shifts.WEEKEND: "Bereitschaft zu Wochenend- und Feiertagsarbeit",
            }[v["shifts"]]
        )
    req_line = d.pick(("Ihr Profil: ", "Das bringen Sie mit: ", "Anforderungen: ")) + "; ".join(req) + "."
    ben = []
    if e.collective_agreement:
        ben.append(
            d.pick(("Bezahlung nach Tarif", "Tariflohn", "tarifliche Vergütung"))
            if not e.temp_agency
            else "Bezahlung nach Tarifvertrag GVP/DGB"
        )
    if v["contract"] is Contract.PERMANENT:
        ben.append(d.pick(("unbefristeter Arbeitsvertrag", "unbefristete Festanstellung", "unbefristet")))
    else:
        ben.append(
            d.pick(
                (
                    f"befristet auf {v['months']} Monate mit Option auf Übernahme",
                    f"zunächst befristet ({v['months']} Monate)",
                )
            )
        )
    wage = v["wage"]
    if v["unit"] is WageUnit.HOUR:
        ben.append(
            d.pick(
                (
                    f"{wage:.2f} € brutto pro Stunde".replace(".", ","),
                    f"Stundenlohn {wage:.2f} €".replace(".", ","),
                )
            )
        )
    else:
        ben.append(d.pick((f"{wage:.0f} € brutto im Monat", f"Monatsgehalt ca. {wage:.0f} € brutto")))
    if e.offers_training:
        ben.append(
            d.pick(
                (
                    "Weiterbildungsmöglichkeiten",
                    "strukturierte Einarbeitung und Weiterbildung",
                    "Qualifizierung (z. B. Staplerschein)"
                    if o.kldb.startswith("51")
                    else "Qualifizierungsangebote",
                )
            )
        )
    for extra in (
        "Fahrtkostenzuschuss",
        "30 Tage Urlaub",
        "betriebliche Altersvorsorge",
        "Arbeitskleidung wird gestellt",
        "Jobrad",
        "Zuschläge für Nacht- und Wochenendarbeit",
    ):
        if d() < 0.18 and (v["shifts"] is not Shifts.DAY or not extra.startswith("Zuschläge")):
            ben.append(extra)
    ben_line = d.pick(("Wir bieten: ", "Unser Angebot: ", "Das bieten wir: ")) + ", ".join(ben) + "."
    closing = d.pick(
        (
            "Bewerbung gerne auch per WhatsApp.",
            "Wir freuen uns auf Ihre Bewerbung!",
            "Bewerbungen bitte über das Jobcenter oder direkt an uns.",
            "",
        )
    )
    return "\n".join(x for x in (intro, task_line, req_line, ben_line, closing) if x)


def make_vacancies(
    rng: np.random.Generator,
    n: int,
    prefix: str,
    employer_prefix: str,
    posted_lo: date,
    posted_hi: date,
    *,
    recent: float = 1.0,
    open_on: date | None = None,
) -> list[Vacancy]:
    """Vacancies posted in [posted_lo, posted_hi] (``recent`` > 1 favours recent dates); employers are
    shared across vacancies. With ``open_on``, three quarters of those that would have expired by then
    run on (most listed vacancies are open; a few expired ones exercise the filters)."""
    occ_cum = cumulative(o.vw for o in OCCUPATIONS)
    place_cum = cumulative(p.jobs for p in PLACES)
    span = (posted_hi - posted_lo).days
    rows = list(uniform_rows(rng, n))
    # employers: a pool per sector, sized to the demand; temp agencies shared by all sectors
    occs = [Draw(r).weighted(OCCUPATIONS, occ_cum) for r in rows]  # uses row[0]
    sectors = sorted({o.sector for o in occs})
    counts = {s: sum(1 for o in occs if o.sector == s) for s in sectors}
    edraws = Draw(rng.random(16 * (n // 3 + 4 * len(sectors) + 16)).tolist())
    pools: dict[str, list[tuple[Employer, Place]]] = {}
    k = 0
    for s in sectors:
        pools[s] = []
        for _ in range(max(2, math.ceil(counts[s] / 3.5))):
            k += 1
            pools[s].append(
                (
                    make_employer(edraws, f"{employer_prefix}{k:05d}", s, False),
                    edraws.weighted(PLACES, place_cum),
                )
            )
    temps = []
    for _ in range(max(4, n // 60)):
        k += 1
        temps.append(
            (
                make_employer(edraws, f"{employer_prefix}{k:05d}", "N", True),
                edraws.weighted(PLACES, place_cum),
            )
        )
    zipf = {s: cumulative(1.0 / (j + 1) ** 0.8 for j in range(len(p))) for s, p in pools.items()}
    temp_cum = cumulative(1.0 / (j + 1) ** 0.6 for j in range(len(temps)))
    out = []
    for i, (row, o) in enumerate(zip(rows, occs, strict=True)):
        d = Draw(row)
        d.i = 1
        temp = d() < o.temp * (1.25 if o.level == SkillLevel.HELPER else 1.0)  # helper jobs: ~30 % Zeitarbeit
        if temp:
            e, _ = d.weighted(temps, temp_cum)
            place = d.weighted(PLACES, place_cum)
        else:
            e, place = d.weighted(pools[o.sector], zipf[o.sector])
        part = d() < o.pt
        hours = (
            d.pick((15.0, 20.0, 25.0, 30.0, 30.0)) if part else d.pick((35.0, 37.5, 38.0, 39.0, 40.0, 40.0))
        )
        shifts = o.shifts[0] if d() < 0.6 or len(o.shifts) == 1 else d.pick(o.shifts[1:])
        fixed = d() < (0.12 if temp else (0.4 if o.sector in "OQM" else 0.3))
        months = d.pick((3, 6, 6, 12, 12, 12, 18, 24)) if fixed else None
        si = SIZES.index(e.size_band)
        hourly = o.wage * math.exp(0.06 * (d() + d() + d() - 1.5) * 2) * (0.96 if temp else 1.0)
        hourly *= (1.05 if e.collective_agreement else 1.0) * (1.0 + 0.025 * si)
        hourly = max(13.90, round(hourly * 20) / 20)
        monthly_unit = d() < (0.15 if o.level == SkillLevel.HELPER else 0.5)
        wage = round(hourly * hours * 52 / 12 / 10) * 10.0 if monthly_unit else hourly
        licences = set(o.licences)
        if not licences and d() < (0.2 if temp else 0.1):
            licences.add("B")
        g = int(o.german) + (-1 if d() < 0.2 else (1 if d() > 0.88 else 0))
        german = CEFR(min(max(g, 1), 6))
        openings = d.weighted(
            (1, 2, 3, 4, 5),
            _OPENINGS_CUM[temp],
        )
        posted = posted_hi - timedelta(days=int(d() ** recent * span))
        expires = None if d() < 0.2 else posted + timedelta(days=d.int(45, 150))
        if open_on is not None and expires is not None and expires < open_on and d() < 0.75:
            expires = open_on + timedelta(days=d.int(7, 90))
        spec = dict(
            hours=hours,
            shifts=shifts,
            contract=Contract.FIXED_TERM if fixed else Contract.PERMANENT,
            months=months,
            wage=wage,
            unit=WageUnit.MONTH if monthly_unit else WageUnit.HOUR,
            licences=licences,
            german=german,
        )
        title = _vacancy_title(d, o, part, place)
        desc = _vacancy_description(d, o, e, place, spec)
        out.append(
            Vacancy(
                id=f"{prefix}{i + 1:06d}",
                employer=e,
                title=title,
                description=desc,
                kldb=o.kldb if d() > 0.03 else None,
                postcode=place.postcode,
                municipality=place.name,
                lat=place.lat,
                lon=place.lon,
                hours_per_week=hours,
                shifts=shifts,
                contract=spec["contract"],
                contract_months=months,
                wage=wage,
                wage_unit=spec["unit"],
                skill_level=o.level,
                licences=frozenset(licences),
                german_level=german,
                physical_load=o.load,
                openings=openings,
                posted=posted,
                expires=expires,
                source="synth",
            )
        )
    return out
