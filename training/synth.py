"""Seeded generator of a synthetic region with hidden ground truth.

Landkreis Göttingen with the former Landkreis Osterode am Harz (`training.region`), occupations
from `matcher.occupations`, the truth from `training.truth`. One `numpy.random.Generator(PCG64)`
drives everything; no wall clock, no global random state: the same seed gives the same bytes.

The history is a pool of historic claimants (``H-K…``) and historic vacancies (``H-V…``):
case managers propose plausible vacancies (occupation, distance, timing) and a few random ones;
each proposal leads to a hire with the truth's P(hire | proposal) (within the vacancy's openings);
the first hire of a claimant is a placement; whether it lasts 12 months is drawn with the truth's
P(sustain). Placements start between 48 and 12 months before the reference date, so every one is
labelled.
"""

from __future__ import annotations

import csv
import json
import logging
import math
import os
from bisect import bisect_right
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any

import numpy as np

from matcher.codec import (
    CLAIMANT_COLUMNS,
    OUTCOME_COLUMNS,
    PROPOSAL_COLUMNS,
    PROTECTED_COLUMNS,
    VACANCY_COLUMNS,
    claimant_to_row,
    outcome_to_row,
    proposal_to_row,
    vacancy_to_row,
)
from matcher.domain import (
    CEFR,
    AgeBand,
    Claimant,
    Contract,
    Employer,
    Household,
    NationalityGroup,
    Outcome,
    PhysicalLoad,
    Proposal,
    ProtectedAttributes,
    Sex,
    Shifts,
    SizeBand,
    SkillLevel,
    Vacancy,
    WageUnit,
    to_dict,
)
from matcher.occupations import OCCUPATIONS, Occupation, female
from training import truth as T
from training.region import (
    CITY,
    HOME_PLACES,
    JOBCENTERS,
    PLACES,
    RURAL,
    Place,
    case_managers,
    claimant_weight,
    u25_team,
)

log = logging.getLogger(__name__)

GENERATOR_VERSION = "synth-1"
REFERENCE_DATE = date(2026, 11, 1)
HISTORY_MONTHS = (48, 12)  # placements start in [ref − 48 months, ref − 12 months]
SHARE_ENDING_EARLY = 0.74  # among unsustained placements not ended by their contract: end < 6 months
_W = 160  # uniforms drawn per record
_CHUNK = 2048


@dataclass
class Region:
    seed: int
    reference_date: date
    claimants: list[Claimant]
    protected: list[ProtectedAttributes]
    vacancies: list[Vacancy]
    history_claimants: list[Claimant]
    history_protected: list[ProtectedAttributes]
    history_vacancies: list[Vacancy]
    outcomes: list[Outcome]
    proposals: list[Proposal]
    outcome_p_sustain: np.ndarray  # hidden truth P(sustain) of each outcome, same order
    params: dict[str, Any] = field(default_factory=dict)
    truth: T.GroundTruth = field(default_factory=T.GroundTruth)


class _Draw:
    """Successive uniforms of one record's pre-drawn row (fast, deterministic)."""

    __slots__ = ("i", "row")

    def __init__(self, row: list[float]) -> None:
        self.row = row
        self.i = 0

    def __call__(self) -> float:
        x = self.row[self.i]
        self.i += 1
        return x

    def pick(self, seq: Any) -> Any:
        n = len(seq)
        i = int(self.row[self.i] * n)
        self.i += 1
        return seq[i if i < n else n - 1]

    def weighted(self, items: Any, cum: list[float]) -> Any:
        i = bisect_right(cum, self.row[self.i] * cum[-1])
        self.i += 1
        return items[i if i < len(items) else len(items) - 1]

    def int(self, lo: int, hi: int) -> int:
        """Uniform integer in [lo, hi]."""
        k = int(self.row[self.i] * (hi - lo + 1))
        self.i += 1
        return lo + (k if k <= hi - lo else hi - lo)


def _rows(rng: np.random.Generator, n: int):  # type: ignore[no-untyped-def]
    for start in range(0, n, _CHUNK):
        yield from rng.random((min(_CHUNK, n - start), _W)).tolist()


def _cum(weights: Any) -> list[float]:
    return list(accumulate(float(w) for w in weights))


# ---------------------------------------------------------------- claimants

_NAT = (NationalityGroup.GERMAN, NationalityGroup.EU, NationalityGroup.ASYLUM_ORIGIN, NationalityGroup.OTHER)
_NAT_CUM = _cum((0.54, 0.11, 0.24, 0.11))
_AGE = (AgeBand.UNDER_25, AgeBand.AGE_25_34, AgeBand.AGE_35_49, AgeBand.AGE_50_PLUS)
_AGE_CUM = _cum((0.17, 0.27, 0.32, 0.24))
_GERMAN_BY_NAT = {
    NationalityGroup.GERMAN: _cum((0, 0, 0.02, 0.08, 0.35, 0.55)),
    NationalityGroup.EU: _cum((0.03, 0.15, 0.35, 0.3, 0.13, 0.04)),
    NationalityGroup.ASYLUM_ORIGIN: _cum((0.1, 0.35, 0.37, 0.12, 0.05, 0.01)),
    NationalityGroup.OTHER: _cum((0.12, 0.3, 0.3, 0.17, 0.09, 0.02)),
}
_SKILL_BY_NAT = {
    NationalityGroup.GERMAN: _cum((0.5, 0.42, 0.05, 0.03)),
    NationalityGroup.EU: _cum((0.62, 0.32, 0.04, 0.02)),
    NationalityGroup.ASYLUM_ORIGIN: _cum((0.78, 0.17, 0.02, 0.03)),
    NationalityGroup.OTHER: _cum((0.62, 0.3, 0.05, 0.03)),
}
_LICENCE_B = {
    NationalityGroup.GERMAN: 0.78,
    NationalityGroup.EU: 0.62,
    NationalityGroup.ASYLUM_ORIGIN: 0.28,
    NationalityGroup.OTHER: 0.45,
}
_FEMALE_TILT = {
    "Q": 2.2,
    "G": 1.5,
    "S": 2.0,
    "I": 1.2,
    "N": 1.1,
    "M": 1.3,
    "O": 1.4,
    "F": 0.12,
    "H": 0.45,
    "C": 0.7,
    "A": 0.6,
    "E": 0.3,
    "J": 0.5,
    "L": 0.4,
}
_LEVELS = (SkillLevel.HELPER, SkillLevel.SKILLED, SkillLevel.SPECIALIST, SkillLevel.EXPERT)
_FALLBACK = ("51311", "54101", "25101", "62101", "29301")  # the usual "anything goes" helper jobs


def _occ_cums() -> dict[tuple[str, int], list[float]]:
    out = {}
    for sex in ("f", "m"):
        for lvl in (1, 2):
            ws = []
            for o in OCCUPATIONS:
                w = o.cw * (
                    _FEMALE_TILT.get(o.sector, 1.0)
                    if sex == "f"
                    else 1.0 / _FEMALE_TILT.get(o.sector, 1.0) ** 0.5
                )
                if lvl == 1:
                    w *= 1.0 if o.level == SkillLevel.HELPER else 0.12
                else:
                    w *= 0.35 if o.level == SkillLevel.HELPER else 1.0
                ws.append(w)
            out[(sex, lvl)] = _cum(ws)
    return out


_OCC_CUMS = _occ_cums()
_BY_CODE = {o.kldb: o for o in OCCUPATIONS}
_BY_AREA: dict[str, list[Occupation]] = {}
for _o in OCCUPATIONS:
    _BY_AREA.setdefault(_o.kldb[:2], []).append(_o)
_KID_BAND_CUM = [_cum(w) for w in ((1, 0, 0), (0.6, 0.35, 0.05), (0.25, 0.45, 0.3), (0.02, 0.3, 0.68))]


def _typo(word: str, d: _Draw) -> str:
    if len(word) < 5 or not word.isalpha():
        return word
    i = d.int(1, len(word) - 2)
    kind = d()
    if kind < 0.35:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind < 0.7:
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


def _add_typos(text: str, d: _Draw, n: int) -> str:
    words = text.split(" ")
    for _ in range(n):
        j = d.int(0, len(words) - 1)
        words[j] = _typo(words[j], d)
    return " ".join(words)


def _say_title(o: Occupation, sex: Sex, d: _Draw) -> str:
    name = o.title if d() < 0.45 else d.pick(o.names)
    u = d()
    if sex is Sex.FEMALE and u < 0.55:
        return female(name)
    if u > 0.9:
        return f"{name}/in" if name.endswith("er") else name
    return name


def _join(items: list[str], d: _Draw, lang: str = "de") -> str:
    if len(items) == 1:
        return items[0]
    conj = {
        "de": d.pick((" oder ", " bzw. ", " / ", " und ")),
        "en": " or ",
        "tr": " veya ",
        "pl": " lub ",
        "uk": " abo ",
        "ar": " aw ",
    }[lang]
    return ", ".join(items[:-1]) + conj + items[-1]


def _years(months: int) -> str:
    return str(max(1, round(months / 12)))


def _german_profile(
    d: _Draw, c: dict[str, Any], desired_titles: list[str], main: Occupation, sex: Sex
) -> str:
    town = c["place"].name
    ds = _join(desired_titles, d)
    intro = d.pick(
        (
            f"Ich suche eine Stelle als {ds}.",
            f"Suche Arbeit als {ds}, gerne in {town} oder Umgebung.",
            f"Berufswunsch: {ds}.",
            f"Möchte gerne als {ds} arbeiten.",
            f"Kd. sucht Tätigkeit als {ds}.",
            f"ELB strebt eine Beschäftigung als {ds} an.",
            f"Ziel: Arbeitsaufnahme als {ds}.",
            f"Interesse an einer Stelle als {ds}, Quereinstieg möglich.",
            f"Bin auf der Suche nach einem Job als {ds}.",
            f"Wunschtätigkeit {ds} (Raum {town}).",
        )
    )
    parts: list[str] = []
    for code, months in c["experience"]:
        o = _BY_CODE[code]
        t = _say_title(o, sex, d)
        y = _years(months)
        if months < 12:
            parts.append(
                d.pick(
                    (
                        f"{months} Monate Erfahrung als {t}.",
                        f"Zuletzt kurz als {t} tätig ({months} Mon.).",
                        f"Praktikum/Aushilfe als {t}, ca. {months} Monate.",
                    )
                )
            )
        else:
            parts.append(
                d.pick(
                    (
                        f"{y} Jahre Erfahrung als {t}.",
                        f"Habe {y} Jahre als {t} gearbeitet.",
                        f"Berufserfahrung: {t} ({y} J.).",
                        f"Zuletzt als {t} tätig ({months} Monate).",
                        f"Erf. als {t} ca. {y} J.",
                        f"War {months} Monate als {t} über eine Zeitarbeitsfirma beschäftigt.",
                        f"Langjährige Tätigkeit als {t}."
                        if months >= 60
                        else f"Einige Zeit als {t} gearbeitet.",
                    )
                )
            )
    if not c["experience"]:
        parts.append(
            d.pick(
                (
                    "Bisher keine Berufserfahrung.",
                    "Noch keine Erfahrung, möchte mich einarbeiten.",
                    "Keine Berufspraxis, aber hoch motiviert.",
                    "Berufseinsteiger.",
                )
            )
        )
    lvl = c["skill"]
    if lvl is SkillLevel.HELPER:
        if d() < 0.6:
            parts.append(
                d.pick(
                    (
                        "Ohne Berufsabschluss.",
                        "Keine abgeschlossene Ausbildung.",
                        "Schulabschluss: Hauptschule.",
                        "Ausbildung abgebrochen.",
                        "Kein anerkannter Berufsabschluss.",
                    )
                )
            )
    elif lvl is SkillLevel.SKILLED:
        t = main.title if main.level is SkillLevel.SKILLED else "Fachkraft"
        parts.append(
            d.pick(
                (
                    f"Abgeschlossene Ausbildung als {t}.",
                    f"Ausbildung zum/zur {t} abgeschlossen.",
                    "Gesellenbrief vorhanden.",
                    "Berufsausbildung abgeschlossen (Abschluss anerkannt).",
                )
            )
        )
    elif lvl is SkillLevel.SPECIALIST:
        parts.append(d.pick(("Meisterbrief vorhanden.", "Techniker-Abschluss.", "Fortbildung zum Fachwirt.")))
    else:
        parts.append(
            d.pick(
                (
                    "Abgeschlossenes Studium.",
                    "Hochschulabschluss (im Ausland, Anerkennung läuft).",
                    "Bachelor-Abschluss.",
                )
            )
        )
    kw = main.keywords
    if kw and d() < 0.7:
        a, b = d.pick(kw), d.pick(kw)
        parts.append(
            d.pick(
                (
                    f"Kenntnisse: {a}, {b}." if a != b else f"Kenntnisse: {a}.",
                    f"Erfahrung mit {a}.",
                    f"Kann gut mit {a} umgehen.",
                    f"Skills: {a}" + (f", {b}" if a != b else "") + ".",
                )
            )
        )
    lic = c["licences"]
    if "CE" in lic:
        parts.append(
            d.pick(
                (
                    "Führerschein CE mit Modul 95 und Fahrerkarte.",
                    "FS Kl. CE vorhanden.",
                    "LKW-Führerschein CE.",
                )
            )
        )
    elif "D" in lic:
        parts.append("Busführerschein (Kl. D) vorhanden.")
    if "B" in lic:
        if c["has_car"]:
            parts.append(
                d.pick(
                    (
                        "Führerschein Kl. B und eigenes Auto vorhanden.",
                        "FS B, PKW vorhanden.",
                        "Mobil mit eigenem PKW.",
                        "Führerschein und Auto vorhanden.",
                    )
                )
            )
        else:
            parts.append(
                d.pick(
                    (
                        "Führerschein B, aber kein Auto.",
                        "FS Kl. B vorhanden, kein eigener PKW.",
                        "Hat Führerschein, aber kein Fahrzeug.",
                    )
                )
            )
    elif d() < 0.7:
        parts.append(
            d.pick(
                (
                    "Kein Führerschein, auf ÖPNV angewiesen.",
                    "Ohne Führerschein.",
                    "Kein FS.",
                    "Nur mit Bus und Bahn mobil.",
                )
            )
        )
    g = c["german"]
    if g <= CEFR.C1 or d() < 0.1:
        parts.append(
            d.pick(
                (
                    f"Deutschkenntnisse {g.name}.",
                    f"Deutsch: {g.name} (Zertifikat).",
                    f"Sprachniveau {g.name}, Integrationskurs abgeschlossen.",
                    f"Deutsch {g.name}, möchte Sprache verbessern.",
                    f"Deutsch auf {g.name}-Niveau.",
                )
            )
        )
    h = c["hours"]
    if h >= 37:
        parts.append(d.pick(("Vollzeit möglich.", "Verfügbar in Vollzeit.", "Sucht Vollzeitstelle.", "VZ")))
    else:
        kids = c["household"].children_0_5 + c["household"].children_6_13
        opts = [
            f"Teilzeit gewünscht, max. {h:g} Std./Woche.",
            f"Kann {h:g} Stunden pro Woche arbeiten.",
            f"TZ, ca. {h:g} Std.",
        ]
        if kids:
            opts += [
                "Nur vormittags möglich (Kinderbetreuung).",
                f"Wegen Kinderbetreuung max. {h:g} Std./Woche.",
            ]
        parts.append(d.pick(opts))
    if c["shifts_ok"]:
        if d() < 0.6:
            parts.append(
                d.pick(
                    (
                        "Schichtarbeit kein Problem.",
                        "Auch Wochenende und Nachtschicht möglich.",
                        "Bereit zu Schicht- und Wochenendarbeit.",
                    )
                )
            )
    else:
        parts.append(
            d.pick(
                (
                    "Keine Schichtarbeit möglich.",
                    "Keine Nachtschichten.",
                    "Nur Frühschicht möglich.",
                    "Kein Wochenenddienst.",
                )
            )
        )
    if c["max_commute"] is not None:
        m = c["max_commute"]
        parts.append(
            d.pick(
                (
                    f"Max. {m} Min. Fahrtweg.",
                    f"Möchte nicht länger als {m} Minuten pendeln.",
                    f"Arbeitsweg höchstens {m} min.",
                )
            )
        )
    hl = c["health"]
    if hl is PhysicalLoad.LOW:
        parts.append(
            d.pick(
                (
                    "Nur leichte Tätigkeiten möglich (ärztliches Gutachten).",
                    "Gesundheitliche Einschränkungen: kein Heben, überwiegend sitzend.",
                    "Rückenprobleme, nur leichte Arbeit.",
                )
            )
        )
    elif hl is PhysicalLoad.MEDIUM:
        parts.append(
            d.pick(
                (
                    "Kein schweres Heben (max. 10 kg).",
                    "Keine schweren körperlichen Arbeiten.",
                    "Gesundheitlich eingeschränkt: keine Überkopfarbeiten, kein schweres Heben.",
                )
            )
        )
    if d() < 0.55:
        parts.append(
            d.pick(
                (
                    "Zuverlässig und pünktlich.",
                    "Teamfähig, belastbar.",
                    "Motiviert, möchte endlich wieder arbeiten.",
                    "Hat an einer Maßnahme (AGH) teilgenommen.",
                    "Sucht dringend Arbeit.",
                    "Arbeitet gern im Team und packt mit an.",
                    "Freundlich im Umgang mit Kunden.",
                )
            )
        )
    if c["months_unemployed"] >= 36 and d() < 0.4:
        parts.append(f"Seit ca. {c['months_unemployed'] // 12} Jahren ohne Beschäftigung.")
    keys = [d() for _ in parts]
    parts = [p for _, p in sorted(zip(keys, parts, strict=True), key=lambda kp: kp[0])]
    out = [intro, *parts] if d() < 0.8 else [*parts[:2], intro, *parts[2:]]
    text = " ".join(out)
    u = d()
    if u < 0.18:
        text = _add_typos(text, d, 1 if u < 0.12 else 2)
    if d() < 0.1:
        text = text.lower()
    return text


def _foreign_profile(d: _Draw, c: dict[str, Any], desired: list[Occupation], lang: str, sex: Sex) -> str:
    def t(o: Occupation) -> str:
        return o.en if lang == "en" and o.en and d() < 0.7 else _say_title(o, sex, d)

    ds = _join([t(o) for o in desired], d, lang)
    exp = c["experience"][0] if c["experience"] else None
    y = _years(exp[1]) if exp else ""
    et = t(_BY_CODE[exp[0]]) if exp else ""
    g, h, lic = c["german"].name, c["hours"], "B" in c["licences"]
    full = h >= 37
    S = {
        "en": (
            f"Looking for a job as {ds}.",
            f"{y} years experience as {et}.",
            "No work experience yet.",
            "Driving licence B." + (" Own car." if c["has_car"] else ""),
            "No driving licence.",
            f"German level {g}.",
            "Full time possible." if full else f"Part time, max {h:g} hours per week.",
            "No heavy lifting.",
            "Reliable and hard-working.",
        ),
        "tr": (
            f"{ds} olarak iş arıyorum.",
            f"{y} yıl {et} olarak çalıştım.",
            "Henüz iş deneyimim yok.",
            "Ehliyetim var.",
            "Ehliyetim yok.",
            f"Almancam {g} seviyesinde.",
            "Tam zamanlı çalışabilirim." if full else f"Haftada en fazla {h:g} saat çalışabilirim.",
            "Ağır kaldıramam.",
            "Güvenilir ve çalışkanım.",
        ),
        "pl": (
            f"Szukam pracy jako {ds}.",
            f"Pracowałem {y} lat jako {et}.",
            "Nie mam jeszcze doświadczenia.",
            "Mam prawo jazdy kat. B.",
            "Nie mam prawa jazdy.",
            f"Znajomość niemieckiego: {g}.",
            "Mogę pracować na pełny etat." if full else f"Maksymalnie {h:g} godzin tygodniowo.",
            "Nie mogę dźwigać ciężarów.",
            "Jestem solidny i punktualny.",
        ),
        "uk": (
            f"Shukayu robotu yak {ds}.",
            f"Pratsyuvav {y} rokiv yak {et}.",
            "Shche ne mayu dosvidu roboty.",
            "Mayu posvidchennya vodiya kategoriyi B.",
            "Ne mayu prav vodiya.",
            f"Nimetska mova: {g}.",
            "Mozhu pratsyuvaty povnyy den." if full else f"Maksymum {h:g} hodyn na tyzhden.",
            "Ne mozhu pidnimaty vazhke.",
            "Vidpovidalnyy i punktualnyy.",
        ),
        "ar": (
            f"Abhath 'an 'amal ka-{ds}.",
            f"Ladayya khibra {y} sanawat ka-{et}.",
            "Laysa ladayya khibra ba'd.",
            "Ladayya rukhsat qiyada B.",
            "Laysa ladayya rukhsat qiyada.",
            f"Mustawa al-lugha al-almaniya {g}.",
            "Yumkinuni al-'amal dawam kamil." if full else f"Urid al-'amal {h:g} sa'a fi al-usbu'.",
            "La astati' haml al-athqal.",
            "Ana mujtahid wa multazim.",
        ),
    }[lang]
    parts = [S[0], S[1] if exp else S[2], S[3] if lic else S[4], S[5], S[6]]
    if c["health"] is not None:
        parts.append(S[7])
    if d() < 0.5:
        parts.append(S[8])
    if lang != "en" and d() < 0.3:
        parts.append("(Profil in Herkunftssprache, Übersetzung folgt.)")
    return " ".join(parts)


def _claimant_dict(d: _Draw, places_cum: list[float], jc_teams: dict[str, tuple[str, ...]]) -> dict[str, Any]:
    """Draw the fields of one claimant (and its protected attributes) from one row of uniforms."""
    place: Place = d.weighted(HOME_PLACES, places_cum)
    sex = Sex.FEMALE if d() < 0.48 else (Sex.MALE if d() < 0.985 else Sex.DIVERSE)
    nat = d.weighted(_NAT, _NAT_CUM)
    age = d.weighted(_AGE, _AGE_CUM)
    ai = _AGE.index(age)
    disability = d() < (0.02, 0.03, 0.06, 0.13)[ai]
    german = d.weighted(list(CEFR), _GERMAN_BY_NAT[nat])
    skill = d.weighted(_LEVELS, _SKILL_BY_NAT[nat])
    if age is AgeBand.UNDER_25 and skill > SkillLevel.HELPER and d() < 0.5:
        skill = SkillLevel.HELPER
    # household
    partner = d() < (0.12, 0.38, 0.42, 0.35)[ai]
    adults = (2 if partner else 1) + (1 if ai >= 2 and d() < 0.05 else 0)
    p_kids = (0.12, 0.5, 0.55, 0.15)[ai]
    if not partner and sex is not Sex.FEMALE:
        p_kids *= 0.15
    kids = [0, 0, 0]
    if d() < p_kids:
        n = 1 + min(int(-math.log(1 - d()) * (0.9 if nat is NationalityGroup.ASYLUM_ORIGIN else 0.6)), 5)
        band_cum = _KID_BAND_CUM[ai]
        for _ in range(n):
            kids[d.weighted((0, 1, 2), band_cum)] += 1
    persons = adults + sum(kids)
    base = {CITY: 480.0, 1: 425.0, RURAL: 390.0}[place.urban]
    rent = (base + 95.0 * (persons - 1)) * math.exp(0.12 * (d() + d() + d() - 1.5) * 2)
    rent = round(min(max(rent, 350.0), 950.0) / 5) * 5
    household = Household(
        adults=adults, children_0_5=kids[0], children_6_13=kids[1], children_14_17=kids[2], rent=rent
    )
    single = household.single_parent
    # health
    p_health = 0.09 + (0, 0.02, 0.05, 0.12)[ai] + (0.35 if disability else 0.0)
    health = (PhysicalLoad.LOW if d() < 0.5 else PhysicalLoad.MEDIUM) if d() < p_health else None
    # occupations
    sex_key = "f" if sex is Sex.FEMALE else "m"
    cum = _OCC_CUMS[(sex_key, 1 if skill is SkillLevel.HELPER else 2)]
    main: Occupation = d.weighted(OCCUPATIONS, cum)
    desired = [main]
    if d() < 0.5:
        if d() < 0.5:
            same = [o for o in _BY_AREA[main.kldb[:2]] if o is not main]
            extra = d.pick(same) if same else _BY_CODE[d.pick(_FALLBACK)]
        else:
            extra = _BY_CODE[d.pick(_FALLBACK)]
        if extra not in desired:
            desired.append(extra)
        if d() < 0.25:
            o3 = d.weighted(OCCUPATIONS, cum)
            if o3 not in desired:
                desired.append(o3)
    experience: list[tuple[str, int]] = []
    if d() < (0.45, 0.8, 0.88, 0.92)[ai]:
        cap = (30, 120, 240, 360)[ai]
        months = max(1, min(cap, int(-math.log(1 - d()) * cap / 3) + 1))
        code = main.kldb if d() < 0.75 else desired[-1].kldb
        experience.append((code, months))
        if ai >= 1 and d() < 0.4:
            o2 = d.weighted(OCCUPATIONS, cum)
            if o2.kldb != code:
                experience.append((o2.kldb, max(1, int(d() * cap / 2))))
    # mobility
    licences: set[str] = set()
    if d() < _LICENCE_B[nat] * (0.6 if ai == 0 else 1.0):
        licences.add("B")
        if d() < 0.1:
            licences.add("BE")
        if d() < 0.07:
            licences.add("A")
    elif d() < 0.05:
        licences.add("AM")
    for o in desired[:1]:
        if o.licences and d() < 0.8:
            licences.update(o.licences)
            licences.add("B")
    has_car = "B" in licences and d() < {CITY: 0.35, 1: 0.55, RURAL: 0.72}[place.urban]
    max_commute = d.pick((20, 30, 30, 45, 45, 60, 60, 75, 90)) if d() < 0.3 else None
    # availability
    if single and kids[0]:
        hours = d.pick((15.0, 20.0, 20.0, 25.0, 25.0, 30.0, 30.0, 35.0, 39.0))
    elif single and kids[1]:
        hours = d.pick((20.0, 25.0, 30.0, 30.0, 35.0, 39.0, 40.0))
    elif kids[0] and sex is Sex.FEMALE:
        hours = d.pick((20.0, 25.0, 30.0, 30.0, 35.0, 40.0))
    else:
        u = d()
        hours = (
            d.pick((38.0, 39.0, 40.0, 40.0))
            if u < 0.66
            else (d.pick((30.0, 35.0)) if u < 0.86 else d.pick((15.0, 20.0, 25.0)))
        )
    if health is not None and d() < 0.35:
        hours = max(10.0, hours - 10.0)
    p_shift = 0.65
    if single and (kids[0] or kids[1]):
        p_shift = 0.15
    elif kids[0] or kids[1]:
        p_shift = 0.45
    if health is not None:
        p_shift *= 0.6
    shifts_ok = d() < p_shift
    # benefit history
    if ai == 0:
        mu = 1 + int(-math.log(1 - d()) * 10)
    else:
        u = d()
        mu = (
            d.int(1, 11)
            if u < 0.3
            else (d.int(12, 35) if u < 0.65 else 36 + int(-math.log(1 - d()) * (40 + 15 * ai)))
        )
    mu = min(mu, 240)
    spells = min(
        8, int(-math.log(1 - d()) * (0.45 + (0.35 if mu > 24 else 0.0) + (0.25 if ai == 1 else 0.0)))
    )
    jc = place.jobcenter or "JC-GOE"
    team = u25_team(jc) if ai == 0 else (place.team or "GOE-Mitte")
    cm = d.pick(jc_teams[team])
    return dict(
        place=place,
        sex=sex,
        nat=nat,
        age=age,
        disability=disability,
        german=german,
        skill=skill,
        household=household,
        health=health,
        main=main,
        desired=desired,
        experience=experience,
        licences=frozenset(licences),
        has_car=has_car,
        max_commute=max_commute,
        hours=hours,
        shifts_ok=shifts_ok,
        months_unemployed=mu,
        short_spells=spells,
        jobcenter=jc,
        team=team,
        cm=cm,
    )


def _make_claimants(
    rng: np.random.Generator, n: int, prefix: str, start: int = 0
) -> tuple[list[Claimant], list[ProtectedAttributes], list[tuple[str, ...]]]:
    places_cum = _cum(claimant_weight(p) for p in HOME_PLACES)
    teams = case_managers()
    out_c: list[Claimant] = []
    out_p: list[ProtectedAttributes] = []
    latent: list[tuple[str, ...]] = []  # the occupations a case manager would propose for
    for i, row in enumerate(_rows(rng, n)):
        d = _Draw(row)
        c = _claimant_dict(d, places_cum, teams)
        sex: Sex = c["sex"]
        nat: NationalityGroup = c["nat"]
        u = d()
        lang = "de"
        if nat is not NationalityGroup.GERMAN:
            if u < 0.08:
                lang = "en"
            elif u < 0.125:
                lang = {NationalityGroup.EU: "pl", NationalityGroup.ASYLUM_ORIGIN: "ar"}.get(nat) or d.pick(
                    ("tr", "uk")
                )
        elif u < 0.004:
            lang = "en"
        desired_titles = []
        for o in c["desired"]:
            t = _say_title(o, sex, d)
            if d() < 0.05:
                t = _typo(t, d)
            desired_titles.append(t)
        if d() < 0.05:
            desired_titles.append(
                d.pick(("Helfertätigkeiten aller Art", "egal, Hauptsache Arbeit", "Minijob", "alles"))
            )
        if lang == "de":
            text = _german_profile(d, c, desired_titles, c["main"], sex)
        else:
            text = _foreign_profile(d, c, c["desired"], lang, sex)
        recorded = tuple(o.kldb for o in c["desired"]) if d() < 0.6 else ()
        place: Place = c["place"]
        cid = f"{prefix}{start + i + 1:06d}"
        out_c.append(
            Claimant(
                id=cid,
                jobcenter=c["jobcenter"],
                team=c["team"],
                case_manager=c["cm"],
                postcode=place.postcode,
                municipality=place.name,
                lat=place.lat,
                lon=place.lon,
                licences=c["licences"],
                has_car=c["has_car"],
                max_commute_minutes=c["max_commute"],
                desired_occupations=tuple(desired_titles),
                desired_kldb=recorded,
                profile_text=text,
                skill_level=c["skill"],
                german_level=c["german"],
                available_hours=c["hours"],
                shifts_ok=c["shifts_ok"],
                health_max_load=c["health"],
                months_unemployed=c["months_unemployed"],
                short_spells=c["short_spells"],
                experience=tuple(c["experience"]),
                household=c["household"],
            )
        )
        out_p.append(ProtectedAttributes(cid, sex, nat, c["age"], c["disability"]))
        latent.append(tuple(dict.fromkeys([o.kldb for o in c["desired"]] + [e[0] for e in c["experience"]])))
    return out_c, out_p, latent


# ---------------------------------------------------------------- vacancies

_SURNAMES = (
    "Müller",
    "Schmidt",
    "Meyer",
    "Koch",
    "Hoffmann",
    "Wagner",
    "Becker",
    "Schulz",
    "Fischer",
    "Weber",
    "Krüger",
    "Hartmann",
    "Lange",
    "Vogel",
    "Brandt",
    "Ahrens",
    "Bode",
    "Sander",
    "Kühne",
    "Hesse",
    "Engelke",
    "Diedrich",
    "Gerlach",
    "Stöber",
    "Wedekind",
    "Hillebrecht",
    "Rinne",
    "Grote",
)
_REGIONAL = (
    "Leine",
    "Harz",
    "Eichsfeld",
    "Weser",
    "Rhume",
    "Söse",
    "Hainberg",
    "Südniedersachsen",
    "Göttinger",
    "Osteroder",
    "Werra",
    "Solling",
)
_SECTOR_WORDS = {
    "H": ("Logistik", "Spedition", "Transporte", "Lager- und Versandservice", "Kurierdienst"),
    "G": ("Markt", "Handelshaus", "Warenhaus", "Fachmarkt", "Autohaus", "Frischemarkt"),
    "N": ("Gebäudeservice", "Gebäudereinigung", "Sicherheitsdienst", "Facility Services", "Kundenservice"),
    "I": ("Hotel", "Gasthaus", "Restaurant", "Catering", "Landgasthof"),
    "Q": (
        "Pflegedienst",
        "Seniorenzentrum",
        "Klinikum",
        "Kita-Verbund",
        "Sozialstation",
        "Praxisgemeinschaft",
        "Lebenshilfe",
    ),
    "F": (
        "Bau",
        "Bauunternehmung",
        "Haustechnik",
        "Malerbetrieb",
        "Dachtechnik",
        "Tiefbau",
        "Elektrotechnik",
    ),
    "C": (
        "Kunststofftechnik",
        "Metallbau",
        "Maschinenbau",
        "Präzisionsteile",
        "Feinkost",
        "Pharma",
        "Werke",
        "Medizintechnik",
    ),
    "A": ("Gartenbau", "Landschaftsbau", "Hof", "Forstbetrieb", "Grünpflege"),
    "E": ("Entsorgung", "Recycling", "Abfallwirtschaft"),
    "J": ("IT-Service", "Systemhaus", "Software"),
    "M": ("Labor", "Consulting", "Ingenieurbüro", "Steuerbüro", "Analytik"),
    "O": ("Verwaltung", "Zweckverband", "Kommunale Dienste"),
    "S": ("Friseursalon", "Textilpflege", "Kosmetikstudio", "Wäscherei"),
    "L": ("Wohnungsbau", "Hausverwaltung", "Immobilien"),
}
_SIZE_CUM = _cum((0.3, 0.35, 0.22, 0.13))
_TEMP_SIZE_CUM = _cum((0.05, 0.3, 0.45, 0.2))
_OPENINGS_CUM = {False: _cum((0.72, 0.14, 0.07, 0.04, 0.03)), True: _cum((0.5, 0.25, 0.12, 0.08, 0.05))}
_LEGAL = ("GmbH", "GmbH", "GmbH & Co. KG", "e.K.", "KG", "AG")
_SIZES = (SizeBand.MICRO, SizeBand.SMALL, SizeBand.MEDIUM, SizeBand.LARGE)


def _employer(d: _Draw, eid: str, sector: str, temp: bool) -> Employer:
    if temp:
        name = d.pick(
            (
                f"{d.pick(_REGIONAL)} Personal {d.pick(('GmbH', 'GmbH & Co. KG'))}",
                f"{d.pick(_SURNAMES)} Zeitarbeit GmbH",
                f"ProJob {d.pick(_REGIONAL)} Personaldienste GmbH",
                f"{d.pick(_REGIONAL)}tal Personalservice GmbH",
                f"{d.pick(_SURNAMES)} & {d.pick(_SURNAMES)} Personalpartner KG",
            )
        )
        size = d.weighted(_SIZES, _TEMP_SIZE_CUM)
        return Employer(
            eid,
            name,
            size,
            "N",
            collective_agreement=d() < 0.92,
            temp_agency=True,
            offers_training=d() < 0.25,
        )
    word = d.pick(_SECTOR_WORDS.get(sector, ("Service",)))
    legal = d.pick(("gGmbH", "e.V.", "GmbH")) if sector == "Q" and d() < 0.5 else d.pick(_LEGAL)
    name = d.pick(
        (
            f"{d.pick(_SURNAMES)} {word} {legal}",
            f"{d.pick(_REGIONAL)} {word} {legal}",
            f"{word} {d.pick(_SURNAMES)} {legal}",
        )
    )
    size = d.weighted(_SIZES, _SIZE_CUM)
    si = _SIZES.index(size)
    ca = d() < (0.12, 0.22, 0.38, 0.6)[si] + (0.25 if sector in "OQ" else 0.0)
    training = d() < (0.15, 0.25, 0.4, 0.6)[si]
    return Employer(eid, name, size, sector, collective_agreement=ca, offers_training=training)


def _vacancy_title(d: _Draw, o: Occupation, part_time: bool, place: Place) -> str:
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


def _vacancy_description(d: _Draw, o: Occupation, e: Employer, place: Place, v: dict[str, Any]) -> str:
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


def _make_vacancies(
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
    occ_cum = _cum(o.vw for o in OCCUPATIONS)
    place_cum = _cum(p.jobs for p in PLACES)
    span = (posted_hi - posted_lo).days
    rows = list(_rows(rng, n))
    # employers: a pool per sector, sized to the demand; temp agencies shared by all sectors
    occs = [_Draw(r).weighted(OCCUPATIONS, occ_cum) for r in rows]  # uses row[0]
    sectors = sorted({o.sector for o in occs})
    counts = {s: sum(1 for o in occs if o.sector == s) for s in sectors}
    edraws = _Draw(rng.random(16 * (n // 3 + 4 * len(sectors) + 16)).tolist())
    pools: dict[str, list[tuple[Employer, Place]]] = {}
    k = 0
    for s in sectors:
        pools[s] = []
        for _ in range(max(2, math.ceil(counts[s] / 3.5))):
            k += 1
            pools[s].append(
                (_employer(edraws, f"{employer_prefix}{k:05d}", s, False), edraws.weighted(PLACES, place_cum))
            )
    temps = []
    for _ in range(max(4, n // 60)):
        k += 1
        temps.append(
            (_employer(edraws, f"{employer_prefix}{k:05d}", "N", True), edraws.weighted(PLACES, place_cum))
        )
    zipf = {s: _cum(1.0 / (j + 1) ** 0.8 for j in range(len(p))) for s, p in pools.items()}
    temp_cum = _cum(1.0 / (j + 1) ** 0.6 for j in range(len(temps)))
    out = []
    for i, (row, o) in enumerate(zip(rows, occs, strict=True)):
        d = _Draw(row)
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
        si = _SIZES.index(e.size_band)
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


# ---------------------------------------------------------------- history


def _months_before(ref: date, months: int) -> date:
    y, m = divmod(ref.year * 12 + ref.month - 1 - months, 12)
    return date(y, m + 1, min(ref.day, 28))


_HOME_INDEX = {(p.postcode, p.name): i for i, p in enumerate(HOME_PLACES)}
_PLACE_INDEX = {(p.postcode, p.name): i for i, p in enumerate(PLACES)}


def _place_km() -> np.ndarray:
    hl = np.array([[p.lat, p.lon] for p in HOME_PLACES])
    pl = np.array([[p.lat, p.lon] for p in PLACES])
    return T.straight_km(hl[:, None, 0], hl[:, None, 1], pl[None, :, 0], pl[None, :, 1])


def _propose(
    rng: np.random.Generator,
    hc: list[Claimant],
    latent: list[tuple[str, ...]],
    hv: list[Vacancy],
    bucket_of: np.ndarray,
    n_buckets: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Case-manager proposals: mostly vacancies in the claimant's target occupations close to home and
    open at the time, some in related occupations, ~15 % at random. Returns claimant idx, vacancy idx,
    proposal day offsets (days after the vacancy was posted)."""
    n, slots, from_groups = len(hc), 48, 32
    km = _place_km()
    vplace = np.array([_PLACE_INDEX[(v.postcode, v.municipality)] for v in hv])
    vcode = np.array([int(v.kldb) if v.kldb else -1 for v in hv])
    vlevel = np.array([int(v.skill_level) for v in hv])
    # vacancies sorted by (bucket, 2-digit occupation area): contiguous groups
    g2 = vcode // 1000
    order = np.lexsort((np.arange(len(hv)), g2, bucket_of))
    keys = bucket_of[order] * 1000 + g2[order]
    uniq, start, size = np.unique(keys, return_index=True, return_counts=True)
    gid = {int(k): j for j, k in enumerate(uniq.tolist())}
    b_start = np.searchsorted(bucket_of[order], np.arange(n_buckets))
    b_size = np.searchsorted(bucket_of[order], np.arange(n_buckets), side="right") - b_start
    r = rng.random((n, 3))
    bucket = np.minimum((r[:, 0] * n_buckets).astype(np.int64), n_buckets - 1)
    codes = np.full((n, T.K), -1, np.int64)
    groups = np.full((n, T.K), -1, np.int64)
    for i, lat in enumerate(latent):
        for k, x in enumerate(lat[: T.K]):
            codes[i, k] = int(x)
            groups[i, k] = gid.get(int(bucket[i]) * 1000 + int(x) // 1000, -1)
    # candidate slots: most from the claimant's occupation areas, the rest anywhere in the bucket
    u = rng.random((n, slots, 2))
    which = groups[np.arange(n)[:, None], np.minimum((u[:, :, 0] * T.K).astype(np.int64), T.K - 1)]
    which = np.where(np.arange(slots)[None, :] < from_groups, which, -1)
    has = which >= 0
    g = np.where(has, which, 0)
    pos_g = start[g] + np.minimum((u[:, :, 1] * size[g]).astype(np.int64), size[g] - 1)
    bs, bz = b_start[bucket][:, None], np.maximum(b_size[bucket][:, None], 1)
    pos_b = bs + np.minimum((u[:, :, 1] * bz).astype(np.int64), bz - 1)
    cand = order[np.where(has, pos_g, pos_b)]
    vc = vcode[cand]
    aff = np.full(cand.shape, 0.015)
    for k in range(T.K):
        ck = codes[:, k : k + 1]
        ok = ck >= 0
        a_k = np.where(
            ck // 10 == vc // 10,
            1.0,
            np.where(ck // 100 == vc // 100, 0.35, np.where(ck // 1000 == vc // 1000, 0.1, 0.015)),
        )
        aff = np.maximum(aff, np.where(ok, a_k, 0.015))
    skill = np.array([int(c.skill_level) for c in hc])[:, None]
    aff = np.where(vc < 0, 0.2, aff) * np.where(vlevel[cand] > skill, 0.3, 1.0)
    home = np.array([_HOME_INDEX[(c.postcode, c.municipality)] for c in hc])[:, None]
    car = np.array([c.has_car for c in hc])[:, None]
    w = aff * (np.exp(-km[home, vplace[cand]] / np.where(car, 25.0, 12.0)) + 0.01)
    gumbel = -np.log(-np.log(rng.random(cand.shape)))
    rank = np.argsort(-(np.log(w) + gumbel), axis=1, kind="stable")
    k = np.minimum(1 + (-np.log1p(-r[:, 1]) * 4.0).astype(np.int64), 12)
    picked = np.take_along_axis(cand, rank, axis=1)
    take = np.arange(slots)[None, :] < k[:, None]
    # a proposal at random, as happens: replace the last pick of ~15 % of claimants
    rnd = r[:, 2] < 0.15
    last = np.clip(k - 1, 0, slots - 1)
    rand_pos = b_start[bucket] + np.minimum(
        (r[:, 2] / 0.15 * b_size[bucket]).astype(np.int64), b_size[bucket] - 1
    )
    picked[np.flatnonzero(rnd), last[rnd]] = order[rand_pos[rnd]]
    ci_all = np.broadcast_to(np.arange(n)[:, None], picked.shape)[take]
    vi_all = picked[take]
    pair = np.unique(ci_all * len(hv) + vi_all)  # sorted by claimant, deduplicated
    ci, vi = pair // len(hv), pair % len(hv)
    lag = rng.integers(3, 41, size=ci.size)
    return ci, vi, lag


def _history(
    rng: np.random.Generator, n_placements: int, ref: date
) -> tuple[
    list[Claimant], list[ProtectedAttributes], list[Vacancy], list[Outcome], list[Proposal], np.ndarray
]:
    lo, hi = _months_before(ref, HISTORY_MONTHS[0]), _months_before(ref, HISTORY_MONTHS[1])
    posted_lo, posted_hi = lo - timedelta(days=30), hi - timedelta(days=85)
    n_hv = max(2000, n_placements)
    hv = _make_vacancies(rng, n_hv, "H-V", "H-E", posted_lo, posted_hi)
    n_buckets = max(1, (posted_hi - posted_lo).days // 91)
    bucket_of = np.array(
        [
            min((v.posted - posted_lo).days * n_buckets // ((posted_hi - posted_lo).days + 1), n_buckets - 1)
            for v in hv
        ]
    )
    va = T.vacancy_arrays(hv)
    hc: list[Claimant] = []
    hp: list[ProtectedAttributes] = []
    placements: list[tuple[int, int, date]] = []  # (claimant idx, vacancy idx, proposal date)
    proposals: list[tuple[int, int, date, bool]] = []
    used = np.zeros(len(hv), np.int64)
    openings = np.array([v.openings for v in hv])
    posted_ord = np.array([v.posted.toordinal() for v in hv], np.int64)
    ps_parts: list[np.ndarray] = []
    ratio_parts: list[np.ndarray] = []
    chunk = int(n_placements / 0.7) + 50
    while len(placements) < n_placements:
        if hc:
            rate = max(len(placements) / len(hc), 0.05)
            chunk = int((n_placements - len(placements)) / rate) + 50
        cs, ps, latent = _make_claimants(rng, chunk, "H-K", start=len(hc))
        ci, vi, lag = _propose(rng, cs, latent, hv, bucket_of, n_buckets)
        ca = T.claimant_arrays(cs)
        hired = rng.random(ci.size) < T.p_hire_arrays(ca, va, ci, vi)
        when_ord = posted_ord[vi] + lag
        new_c: list[int] = []
        new_v: list[int] = []
        done: set[int] = set()
        last = -1
        for j in np.lexsort((vi, when_ord, ci)).tolist():
            c, v = int(ci[j]), int(vi[j])
            if c != last:
                if len(placements) >= n_placements:
                    break
                last = c
                hc.append(cs[c])
                hp.append(ps[c])
            when = date.fromordinal(int(when_ord[j]))
            h = bool(hired[j] and c not in done and used[v] < openings[v])
            if h:
                done.add(c)
                used[v] += 1
                placements.append((len(hc) - 1, v, when))
                new_c.append(c)
                new_v.append(v)
            proposals.append((len(hc) - 1, v, when, h))
        ps_parts.append(T.p_sustain_arrays(ca, va, np.array(new_c, np.int64), np.array(new_v, np.int64)))
        ratio_parts.append(
            T.pair_terms(ca, va, np.array(new_c, np.int64), np.array(new_v, np.int64)).need_ratio
        )
    # outcomes
    ps_true = np.concatenate(ps_parts)
    ratio = np.concatenate(ratio_parts)
    u = rng.random((len(placements), 6))
    outcomes = []
    for j, (c, v, when) in enumerate(placements):
        vac, cl = hv[v], hc[c]
        start = when + timedelta(days=int(10 + u[j, 0] * 30))
        sustained = bool(u[j, 1] < ps_true[j])
        end: date | None
        if sustained:
            room = (ref - start).days - 366
            end = None if u[j, 2] < 0.5 or room < 30 else start + timedelta(days=366 + int(u[j, 3] * room))
            benefits = bool(u[j, 4] < (0.6 if ratio[j] < 1.0 else 0.03))
        else:
            m = vac.contract_months
            if vac.contract is Contract.FIXED_TERM and m is not None and m < 12 and u[j, 2] < 0.55:
                days = max(14, round(m * 30.44) - 1)
            elif u[j, 3] < SHARE_ENDING_EARLY:
                days = 14 + int(u[j, 5] * 168)
            else:
                days = 183 + int(u[j, 5] * 181)
            end = start + timedelta(days=days)
            benefits = bool(u[j, 4] < 0.8)
        outcomes.append(
            Outcome(
                id=f"O-{j + 1:06d}",
                claimant_id=cl.id,
                vacancy_id=vac.id,
                start=start,
                end=end,
                employed_12m=sustained,
                benefits_12m=benefits,
                claimant_snapshot=to_dict(cl),
                vacancy_snapshot=to_dict(vac),
            )
        )
    props = [
        Proposal(f"P-{k + 1:07d}", hc[c].id, hv[v].id, when, h) for k, (c, v, when, h) in enumerate(proposals)
    ]
    return hc, hp, hv, outcomes, props, ps_true


# ---------------------------------------------------------------- API


def default_placements(claimants: int) -> int:
    """Enough placements for a model to learn: 4 per current claimant, within [6,000, 24,000]."""
    return min(max(4 * claimants, 6000), 24000)


def generate_region(
    seed: int,
    claimants: int,
    vacancies: int,
    placements: int | None = None,
    reference_date: date = REFERENCE_DATE,
) -> Region:
    """Generate a region: current claimants and vacancies, a placement history with outcomes, the
    proposals behind it, and the hidden truth. Same arguments → same records."""
    if claimants < 1 or vacancies < 1:
        raise ValueError("claimants and vacancies must be at least 1")
    n_pl = default_placements(claimants) if placements is None else placements
    if n_pl < 1:
        raise ValueError("placements must be at least 1")
    ss = np.random.SeedSequence(seed).spawn(3)
    rc, rv, rh = (np.random.Generator(np.random.PCG64(s)) for s in ss)
    cs, ps, _ = _make_claimants(rc, claimants, "K-")
    vs = _make_vacancies(
        rv,
        vacancies,
        "V-",
        "E-",
        reference_date - timedelta(days=120),
        reference_date,
        recent=1.6,
        open_on=reference_date,
    )
    hc, hp, hv, outcomes, props, ps_true = _history(rh, n_pl, reference_date)
    params = {
        "generator_version": GENERATOR_VERSION,
        "truth_version": T.GroundTruth.version,
        "seed": seed,
        "claimants": claimants,
        "vacancies": vacancies,
        "placements": n_pl,
        "reference_date": reference_date.isoformat(),
        "history_window_months": list(HISTORY_MONTHS),
        "truth": {
            "hire_intercept": T.HIRE_B0,
            "sustain_intercept": T.SUSTAIN_B0,
            "sustain_scale": T.SUSTAIN_SCALE,
            "net_share": T.NET_SHARE,
            "regelbedarf": {
                "single": T.REGELBEDARF_SINGLE,
                "partner": T.REGELBEDARF_PARTNER,
                **T.REGELBEDARF_CHILD,
            },
            "kindergeld": T.KINDERGELD,
            "share_ending_early": SHARE_ENDING_EARLY,
        },
        "jobcenters": JOBCENTERS,
    }
    return Region(seed, reference_date, cs, ps, vs, hc, hp, hv, outcomes, props, ps_true, params)


def auc(y: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney, ties averaged)."""
    y = np.asarray(y, bool)
    score = np.asarray(score, float)
    n1, n0 = int(y.sum()), int((~y).sum())
    if n1 == 0 or n0 == 0:
        return float("nan")
    _, inv, counts = np.unique(score, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)
    mid = ends - (counts - 1) / 2.0
    ranks = mid[inv]
    return float((ranks[y].sum() - n1 * (n1 + 1) / 2.0) / (n1 * n0))


def summary(region: Region) -> dict[str, Any]:
    """Realised rates of a region (outcomes, hires, mixes), for truth.json and the CLI."""
    o = region.outcomes
    y = np.array([x.employed_12m for x in o], bool)
    early = np.array([x.end is not None and (x.end - x.start).days < 183 for x in o], bool)

    def count(items: Any) -> dict[str, int]:
        out: dict[str, int] = {}
        for k in items:
            out[k] = out.get(k, 0) + 1
        return dict(sorted(out.items()))

    jc_of = {p.postcode + p.name: p.jobcenter or "outside" for p in PLACES}
    helpers = [v for v in region.vacancies if v.skill_level == SkillLevel.HELPER]
    n_prop = len(region.proposals)
    return {
        "generator_version": GENERATOR_VERSION,
        "seed": region.seed,
        "reference_date": region.reference_date.isoformat(),
        "claimants": len(region.claimants),
        "vacancies": len(region.vacancies),
        "history_claimants": len(region.history_claimants),
        "history_vacancies": len(region.history_vacancies),
        "placements": len(o),
        "proposals": n_prop,
        "hire_rate_per_proposal": round(sum(p.hired for p in region.proposals) / max(n_prop, 1), 4),
        "share_employed_12m": round(float(y.mean()), 4) if o else None,
        "share_ended_within_6m": round(float(early.mean()), 4) if o else None,
        "share_benefits_12m": round(float(np.mean([x.benefits_12m for x in o])), 4) if o else None,
        "mean_true_p_sustain": round(float(region.outcome_p_sustain.mean()), 4) if o else None,
        "bayes_auc_sustain": round(auc(y, region.outcome_p_sustain), 4) if o else None,
        "claimants_by_jobcenter": count(c.jobcenter for c in region.claimants),
        "vacancies_by_jobcenter": count(
            jc_of.get(v.postcode + v.municipality, "outside") for v in region.vacancies
        ),
        "share_temp_agency_helper_vacancies": round(
            sum(v.employer.temp_agency for v in helpers) / max(len(helpers), 1), 4
        ),
        "share_fixed_term_vacancies": round(
            sum(v.contract is Contract.FIXED_TERM for v in region.vacancies) / len(region.vacancies), 4
        ),
        "share_expired_vacancies": round(
            sum(not v.is_open(region.reference_date) for v in region.vacancies) / len(region.vacancies), 4
        ),
        "share_claimants_with_car": round(
            sum(c.has_car for c in region.claimants) / len(region.claimants), 4
        ),
        "share_long_term_unemployed": round(
            sum(c.months_unemployed >= 12 for c in region.claimants) / len(region.claimants), 4
        ),
        "nationality_groups": count(p.nationality_group.value for p in region.protected),
    }


def _write_csv(path: Path, header: tuple[str, ...], rows: list[dict[str, str]]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for r in rows:
            w.writerow([r.get(k, "") for k in header])
    os.replace(tmp, path)


def write_region(region: Region, out_dir: Path) -> dict[str, Any]:
    """Write the region's CSV files and truth.json into ``out_dir`` (each written to a temporary name
    and renamed into place). Returns {"files": {name: rows}, "summary": summary(region)}."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    claimant_header = CLAIMANT_COLUMNS + PROTECTED_COLUMNS
    files: dict[str, int] = {}

    def claimants_rows(cs: list[Claimant], ps: list[ProtectedAttributes]) -> list[dict[str, str]]:
        pairs = sorted(zip(cs, ps, strict=True), key=lambda cp: cp[0].id)
        return [claimant_to_row(c, p) for c, p in pairs]

    jobs = [
        ("claimants.csv", claimant_header, claimants_rows(region.claimants, region.protected)),
        (
            "vacancies.csv",
            VACANCY_COLUMNS,
            [vacancy_to_row(v) for v in sorted(region.vacancies, key=lambda v: v.id)],
        ),
        (
            "outcomes.csv",
            OUTCOME_COLUMNS,
            [outcome_to_row(o) for o in sorted(region.outcomes, key=lambda o: o.id)],
        ),
        (
            "proposals.csv",
            PROPOSAL_COLUMNS,
            [proposal_to_row(p) for p in sorted(region.proposals, key=lambda p: p.id)],
        ),
        (
            "history_claimants.csv",
            claimant_header,
            # Former claimants and closed vacancies: in the register, never in today's lists.
            claimants_rows(
                [replace(c, active=False) for c in region.history_claimants], region.history_protected
            ),
        ),
        (
            "history_vacancies.csv",
            VACANCY_COLUMNS,
            [
                vacancy_to_row(replace(v, filled=True))
                for v in sorted(region.history_vacancies, key=lambda v: v.id)
            ],
        ),
    ]
    for name, header, rows in jobs:
        _write_csv(out_dir / name, header, rows)
        files[name] = len(rows)
    info = summary(region)
    doc = {**region.params, "realised": info, "files": files}
    tmp = out_dir / ".truth.json.tmp"
    tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, out_dir / "truth.json")
    log.info("wrote region seed=%s to %s", region.seed, out_dir)
    return {"files": files, "summary": info}
