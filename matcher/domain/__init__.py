"""The domain: claimants, vacancies, employers, placement outcomes, proposals.

- ``records``: the frozen, validated records and ``to_dict``;
- ``checks``: the value rules they check on construction (ids, postcodes, KldB codes, hours,
  licence classes, coordinates);
- ``enums``: the levels and vocabularies they hold.
"""

from matcher.domain.checks import (
    ID_RE,
    KLDB_RE,
    LICENCE_CLASSES,
    MAX_HOURS,
    MIN_HOURS,
    POSTCODE_RE,
    check_hours,
    check_id,
    check_kldb,
    check_latlon,
    check_licences,
    check_postcode,
)
from matcher.domain.enums import (
    CEFR,
    AgeBand,
    CommuteMode,
    Contract,
    FeedbackAction,
    NationalityGroup,
    PhysicalLoad,
    Sex,
    Shifts,
    SizeBand,
    SkillLevel,
    WageUnit,
)
from matcher.domain.records import (
    Claimant,
    Employer,
    Household,
    Outcome,
    Proposal,
    ProtectedAttributes,
    Vacancy,
    to_dict,
)

__all__ = [
    "CEFR",
    "ID_RE",
    "KLDB_RE",
    "LICENCE_CLASSES",
    "MAX_HOURS",
    "MIN_HOURS",
    "POSTCODE_RE",
    "AgeBand",
    "Claimant",
    "CommuteMode",
    "Contract",
    "Employer",
    "FeedbackAction",
    "Household",
    "NationalityGroup",
    "Outcome",
    "PhysicalLoad",
    "Proposal",
    "ProtectedAttributes",
    "Sex",
    "Shifts",
    "SizeBand",
    "SkillLevel",
    "Vacancy",
    "WageUnit",
    "check_hours",
    "check_id",
    "check_kldb",
    "check_latlon",
    "check_licences",
    "check_postcode",
    "to_dict",
]
