"""Claimants with their households, skills, mobility and benefit history."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from matcher.domain import (
    CEFR,
    AgeBand,
    Claimant,
    Household,
    NationalityGroup,
    PhysicalLoad,
    ProtectedAttributes,
    Sex,
    SkillLevel,
)
from matcher.occupations import BY_CODE, OCCUPATIONS, Occupation
from training.synthetic.draw import Draw, cumulative, uniform_rows
from training.synthetic.places import (
    CITY,
    HOME_PLACES,
    RURAL,
    Place,
    case_managers,
    claimant_weight,
    u25_team,
)
from training.synthetic.profiles import foreign_profile, german_profile
from training.synthetic.wording import say_title, typo

_NAT = (NationalityGroup.GERMAN, NationalityGroup.EU, NationalityGroup.ASYLUM_ORIGIN, NationalityGroup.OTHER)
_NAT_CUM = cumulative((0.54, 0.11, 0.24, 0.11))
_AGE = (AgeBand.UNDER_25, AgeBand.AGE_25_34, AgeBand.AGE_35_49, AgeBand.AGE_50_PLUS)
_AGE_CUM = cumulative((0.17, 0.27, 0.32, 0.24))
_GERMAN_BY_NAT = {
    NationalityGroup.GERMAN: cumulative((0, 0, 0.02, 0.08, 0.35, 0.55)),
    NationalityGroup.EU: cumulative((0.03, 0.15, 0.35, 0.3, 0.13, 0.04)),
    NationalityGroup.ASYLUM_ORIGIN: cumulative((0.1, 0.35, 0.37, 0.12, 0.05, 0.01)),
    NationalityGroup.OTHER: cumulative((0.12, 0.3, 0.3, 0.17, 0.09, 0.02)),
}
_SKILL_BY_NAT = {
    NationalityGroup.GERMAN: cumulative((0.5, 0.42, 0.05, 0.03)),
    NationalityGroup.EU: cumulative((0.62, 0.32, 0.04, 0.02)),
    NationalityGroup.ASYLUM_ORIGIN: cumulative((0.78, 0.17, 0.02, 0.03)),
    NationalityGroup.OTHER: cumulative((0.62, 0.3, 0.05, 0.03)),
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
            out[(sex, lvl)] = cumulative(ws)
    return out


_OCC_CUMS = _occ_cums()
_BY_AREA: dict[str, list[Occupation]] = {}
for _o in OCCUPATIONS:
    _BY_AREA.setdefault(_o.kldb[:2], []).append(_o)
_KID_BAND_CUM = [cumulative(w) for w in ((1, 0, 0), (0.6, 0.35, 0.05), (0.25, 0.45, 0.3), (0.02, 0.3, 0.68))]


def _claimant_dict(d: Draw, places_cum: list[float], jc_teams: dict[str, tuple[str, ...]]) -> dict[str, Any]:
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
            extra = d.pick(same) if same else BY_CODE[d.pick(_FALLBACK)]
        else:
            extra = BY_CODE[d.pick(_FALLBACK)]
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


def make_claimants(
    rng: np.random.Generator, n: int, prefix: str, start: int = 0
) -> tuple[list[Claimant], list[ProtectedAttributes], list[tuple[str, ...]]]:
    """``n`` claimants with ids ``{prefix}{start+1:06d}``…, their protected attributes and, per claimant,
    the occupation codes a case manager would propose for (desired and experience)."""
    places_cum = cumulative(claimant_weight(p) for p in HOME_PLACES)
    teams = case_managers()
    out_c: list[Claimant] = []
    out_p: list[ProtectedAttributes] = []
    latent: list[tuple[str, ...]] = []  # the occupations a case manager would propose for
    for i, row in enumerate(uniform_rows(rng, n)):
        d = Draw(row)
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
            t = say_title(o, sex, d)
            if d() < 0.05:
                t = typo(t, d)
            desired_titles.append(t)
        if d() < 0.05:
            desired_titles.append(
                d.pick(("Helfertätigkeiten aller Art", "egal, Hauptsache Arbeit", "Minijob", "alles"))
            )
        if lang == "de":
            text = german_profile(d, c, desired_titles, c["main"], sex)
        else:
            text = foreign_profile(d, c, c["desired"], lang, sex)
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
