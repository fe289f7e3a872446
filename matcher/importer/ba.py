"""Bundesagentur für Arbeit Jobsuche job offers as vacancies.

The shape is an object with a ``stellenangebote`` list as returned by ``/pc/v4/jobs``; a row error
names its field as in that shape (``arbeitsort.plz``, ...; see ``BA_FIELDS``).

Mapping and defaults (the search result carries no wage, hours or requirements):
- ``id`` = ``refnr``, characters outside ``[A-Za-z0-9_.:-]`` replaced by ``-`` (at most 64). A
  refnr equal to the id of a vacancy from another source is refused, never an overwrite (see
  ``pipeline._check_namespaces``).
- ``title`` = ``titel`` (or ``stellenangebotsTitel``, else ``beruf``); ``description`` = the
  ``stellenbeschreibung`` of a job-details object if present, else "Beruf: <beruf>. Eintritt ab <date>."
- employer: name ``arbeitgeber``; id ``ba-`` + the first 16 hex digits of the SHA-256 of the
  case-folded name (the same employer gets the same id in every file); size band 10-49, sector N,
  no collective agreement, no temp agency, no training offer (the codec's defaults).
- place: ``arbeitsort`` (or the first of ``arbeitsorte``): ``plz`` (an integer is zero-padded to five
  digits), ``ort``, ``koordinaten`` {lat, lon}; missing coordinates or place come from ``locate``.
- hours 39 a week (Vollzeit); 20 if ``arbeitszeitmodelle`` names TEILZEIT but not VOLLZEIT; 10 for
  MINIJOB only. Day work, permanent contract.
- wage 13.90 euro an hour: the statutory minimum wage 2026 (Mindestlohn), a floor, not an offer; such
  vacancies carry source ``ba-jobsuche`` so that a consumer can tell the wage is assumed.
- kldb None (the search result has no KldB code; ``hauptDkz`` is a BA documentation code, not KldB);
  skill level 1 (Helfer), no licences, German A2, medium physical load: the least restrictive
  requirements the domain allows, so no claimant is filtered out on an assumption.
- openings ``anzahlOffeneStellen`` or 1; posted ``aktuelleVeroeffentlichungsdatum`` (else today);
  no expiry date. Other BA fields are ignored.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from matcher.domain import Contract, Employer, Shifts, SizeBand, SkillLevel, Vacancy, WageUnit
from matcher.domain.checks import MAX_TITLE_CHARS, check_date
from matcher.errors import ValidationError

BA_SOURCE = "ba-jobsuche"
BA_DEFAULT_HOURS = 39.0
BA_PART_TIME_HOURS = 20.0
BA_MINIJOB_HOURS = 10.0
MINIMUM_WAGE_2026 = 13.90  # euro an hour, Mindestlohn from 1 January 2026

_ID_BAD = re.compile(r"[^A-Za-z0-9_.:-]")

# Our field names in the words of the BA shape, for row errors on a BA file.
BA_FIELDS = {
    "id": "refnr",
    "title": "titel",
    "employer_name": "arbeitgeber",
    "employer_id": "arbeitgeber",
    "postcode": "arbeitsort.plz",
    "municipality": "arbeitsort.ort",
    "lat": "arbeitsort.koordinaten",
    "lon": "arbeitsort.koordinaten",
    "posted": "aktuelleVeroeffentlichungsdatum",
    "openings": "anzahlOffeneStellen",
    "description": "stellenbeschreibung",
}


def ba_id(refnr: str) -> str:
    """A BA reference number as a vacancy id (the id charset, at most 64 characters)."""
    return _ID_BAD.sub("-", refnr.strip()).lstrip("_.:-")[:64]


def ba_employer_id(name: str) -> str:
    key = " ".join(name.split()).casefold()
    return "ba-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def _text(item: Mapping[str, Any], *keys: str) -> str:
    for key in keys:
        value = item.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def _ba_date(value: Any, field: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        day = date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise ValidationError(field, f"{value!r} is not a date YYYY-MM-DD") from None
    return check_date(day, field)


def _ba_hours(models: Any) -> float:
    names = {str(m).upper() for m in models} if isinstance(models, list) else set()
    if "VOLLZEIT" in names or not names:
        return BA_DEFAULT_HOURS
    if "TEILZEIT" in names:
        return BA_PART_TIME_HOURS
    if names == {"MINIJOB"}:
        return BA_MINIJOB_HOURS
    return BA_DEFAULT_HOURS


def ba_vacancy(item: Mapping[str, Any]) -> Vacancy:
    """One entry of a BA Jobsuche ``stellenangebote`` list as a Vacancy (see the module docstring)."""
    refnr = item.get("refnr") or item.get("referenznummer")
    if not isinstance(refnr, str) or not refnr.strip():
        raise ValidationError("refnr", "is required")
    vacancy_id = ba_id(refnr)
    if not vacancy_id:
        raise ValidationError("refnr", f"{refnr!r} has no usable characters")

    employer_name = _text(item, "arbeitgeber")
    if not employer_name:
        raise ValidationError("arbeitgeber", "is required")
    title = _text(item, "titel", "stellenangebotsTitel", "beruf")
    if not title:
        raise ValidationError("titel", "is required (or beruf)")

    site = item.get("arbeitsort")
    if site is None and isinstance(item.get("arbeitsorte"), list) and item["arbeitsorte"]:
        site = item["arbeitsorte"][0]
    if not isinstance(site, dict):
        raise ValidationError("arbeitsort", "is required (an object with plz)")
    plz = site.get("plz")
    if isinstance(plz, bool) or plz is None or plz == "":
        raise ValidationError("arbeitsort.plz", "is required")
    if isinstance(plz, int):
        if not 0 < plz <= 99999:
            raise ValidationError("arbeitsort.plz", f"{plz} is not a German postcode")
        postcode = f"{plz:05d}"
    else:
        postcode = str(plz).strip()

    lat = lon = None
    coords = site.get("koordinaten")
    if isinstance(coords, dict) and coords.get("lat") is not None and coords.get("lon") is not None:
        try:
            lat, lon = float(coords["lat"]), float(coords["lon"])
        except (TypeError, ValueError):
            raise ValidationError("arbeitsort.koordinaten", f"{coords!r} are not numbers") from None

    start = _ba_date(item.get("eintrittsdatum"), "eintrittsdatum")
    posted = _ba_date(item.get("aktuelleVeroeffentlichungsdatum"), "aktuelleVeroeffentlichungsdatum")
    description = _text(item, "stellenbeschreibung", "stellenangebotsBeschreibung")
    if not description:
        beruf = _text(item, "beruf")
        parts = [f"Beruf: {beruf}." if beruf else "", f"Eintritt ab {start.isoformat()}." if start else ""]
        description = " ".join(p for p in parts if p)
    openings = item.get("anzahlOffeneStellen")

    return Vacancy(
        id=vacancy_id,
        employer=Employer(
            id=ba_employer_id(employer_name), name=employer_name, size_band=SizeBand.SMALL, sector="N"
        ),
        title=title[:MAX_TITLE_CHARS],
        description=description,
        kldb=None,
        postcode=postcode,
        municipality=_text(site, "ort"),
        lat=lat,
        lon=lon,
        hours_per_week=_ba_hours(item.get("arbeitszeitmodelle")),
        shifts=Shifts.DAY,
        contract=Contract.PERMANENT,
        contract_months=None,
        wage=MINIMUM_WAGE_2026,
        wage_unit=WageUnit.HOUR,
        skill_level=SkillLevel.HELPER,
        openings=int(openings) if isinstance(openings, int) and not isinstance(openings, bool) else 1,
        posted=posted or date.today(),
        source=BA_SOURCE,
    )
