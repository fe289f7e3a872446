"""The enumerations of the domain: levels that compare, and the fixed vocabularies of records."""

from __future__ import annotations

import enum

from matcher.errors import ValidationError


class CEFR(enum.IntEnum):
    """Language level after the Common European Framework; ordered so that levels compare."""

    A1 = 1
    A2 = 2
    B1 = 3
    B2 = 4
    C1 = 5
    C2 = 6

    @classmethod
    def parse(cls, value: str | int | CEFR, field_name: str = "german_level") -> CEFR:
        if isinstance(value, CEFR):
            return value
        text = str(value).strip().upper()
        try:
            return cls[text]
        except KeyError:
            raise ValidationError(
                field_name, f"{value!r} is not a CEFR level (A1, A2, B1, B2, C1, C2)"
            ) from None


class SkillLevel(enum.IntEnum):
    """KldB 2010 Anforderungsniveau (the code's fifth digit)."""

    HELPER = 1  # Helfer- und Anlerntätigkeiten
    SKILLED = 2  # fachlich ausgerichtete Tätigkeiten (Berufsausbildung)
    SPECIALIST = 3  # komplexe Spezialistentätigkeiten (Meister, Techniker)
    EXPERT = 4  # hoch komplexe Tätigkeiten (Studium)


class PhysicalLoad(enum.IntEnum):
    LOW = 1  # mostly seated or light work
    MEDIUM = 2  # standing, walking, occasional lifting up to 10 kg
    HIGH = 3  # heavy lifting, constant strain


class Contract(enum.StrEnum):
    PERMANENT = "permanent"
    FIXED_TERM = "fixed_term"


class WageUnit(enum.StrEnum):
    HOUR = "hour"
    MONTH = "month"


class Shifts(enum.StrEnum):
    DAY = "day"  # regular daytime hours
    TWO_SHIFT = "two_shift"  # early and late shift
    THREE_SHIFT = "three_shift"  # including nights
    NIGHT = "night"
    WEEKEND = "weekend"  # regular weekend work (retail, care, hospitality)


class SizeBand(enum.StrEnum):
    MICRO = "1-9"
    SMALL = "10-49"
    MEDIUM = "50-249"
    LARGE = "250+"


class CommuteMode(enum.StrEnum):
    CAR = "car"
    PUBLIC = "public"


class FeedbackAction(enum.StrEnum):
    PROPOSED = "proposed"
    REJECTED = "rejected"
    APPLIED = "applied"
    HIRED = "hired"


class RejectReason(enum.StrEnum):
    """Why a suggestion was rejected (the ``reason_code`` of a rejection). The codes, with the
    German text the page shows for each:

    - ``commute``: Arbeitsweg zu lang oder nicht erreichbar
    - ``hours``: Arbeitszeit oder Stunden passen nicht
    - ``childcare``: Kinderbetreuung nicht vereinbar
    - ``health``: gesundheitliche Gründe
    - ``qualification``: Qualifikation oder Erfahrung fehlt
    - ``language``: Deutschkenntnisse reichen nicht
    - ``wage``: Lohn zu niedrig
    - ``temp_agency``: Zeitarbeit / Befristung nicht gewünscht
    - ``vacancy_filled``: Stelle bereits besetzt
    - ``claimant_declined``: Kundin/Kunde lehnt ab
    - ``other``: anderer Grund
    """

    COMMUTE = "commute"
    HOURS = "hours"
    CHILDCARE = "childcare"
    HEALTH = "health"
    QUALIFICATION = "qualification"
    LANGUAGE = "language"
    WAGE = "wage"
    TEMP_AGENCY = "temp_agency"
    VACANCY_FILLED = "vacancy_filled"
    CLAIMANT_DECLINED = "claimant_declined"
    OTHER = "other"

    @property
    def label(self) -> str:
        """The German text of this reason, as the page shows it."""
        return REJECT_REASON_LABELS[self]


# The page's texts (rendered into it by ``api.web``, so the page offers exactly these codes); the
# enum's docstring lists the same, for the API docs (a test checks that the two agree).
REJECT_REASON_LABELS: dict[RejectReason, str] = {
    RejectReason.COMMUTE: "Arbeitsweg zu lang oder nicht erreichbar",
    RejectReason.HOURS: "Arbeitszeit oder Stunden passen nicht",
    RejectReason.CHILDCARE: "Kinderbetreuung nicht vereinbar",
    RejectReason.HEALTH: "gesundheitliche Gründe",
    RejectReason.QUALIFICATION: "Qualifikation oder Erfahrung fehlt",
    RejectReason.LANGUAGE: "Deutschkenntnisse reichen nicht",
    RejectReason.WAGE: "Lohn zu niedrig",
    RejectReason.TEMP_AGENCY: "Zeitarbeit / Befristung nicht gewünscht",
    RejectReason.VACANCY_FILLED: "Stelle bereits besetzt",
    RejectReason.CLAIMANT_DECLINED: "Kundin/Kunde lehnt ab",
    RejectReason.OTHER: "anderer Grund",
}


class Sex(enum.StrEnum):
    FEMALE = "f"
    MALE = "m"
    DIVERSE = "d"


class NationalityGroup(enum.StrEnum):
    GERMAN = "de"
    EU = "eu"
    ASYLUM_ORIGIN = "asylum"  # the eight main countries of origin of asylum seekers (BA statistics)
    OTHER = "other"


class AgeBand(enum.StrEnum):
    UNDER_25 = "u25"
    AGE_25_34 = "25-34"
    AGE_35_49 = "35-49"
    AGE_50_PLUS = "50+"
