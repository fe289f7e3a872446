"""Flat rows (CSV, JSON Lines) to domain records and back.

- ``columns``: one column set per record, documented in README.md ("Import formats"), and which
  columns are required;
- ``cells``: cell values to Python values (CSV strings or native JSON values), errors naming the
  column;
- ``read``: rows and outcome snapshots to records;
- ``write``: records to rows of text cells.
"""

from matcher.codec.columns import (
    CLAIMANT_COLUMNS,
    CLAIMANT_REQUIRED,
    OUTCOME_COLUMNS,
    OUTCOME_REQUIRED,
    PROPOSAL_COLUMNS,
    PROPOSAL_REQUIRED,
    PROTECTED_COLUMNS,
    VACANCY_COLUMNS,
    VACANCY_REQUIRED,
    check_columns,
)
from matcher.codec.read import (
    claimant_from_row,
    claimant_from_snapshot,
    outcome_from_row,
    proposal_from_row,
    vacancy_from_row,
    vacancy_from_snapshot,
)
from matcher.codec.write import claimant_to_row, outcome_to_row, proposal_to_row, vacancy_to_row

__all__ = [
    "CLAIMANT_COLUMNS",
    "CLAIMANT_REQUIRED",
    "OUTCOME_COLUMNS",
    "OUTCOME_REQUIRED",
    "PROPOSAL_COLUMNS",
    "PROPOSAL_REQUIRED",
    "PROTECTED_COLUMNS",
    "VACANCY_COLUMNS",
    "VACANCY_REQUIRED",
    "check_columns",
    "claimant_from_row",
    "claimant_from_snapshot",
    "claimant_to_row",
    "outcome_from_row",
    "outcome_to_row",
    "proposal_from_row",
    "proposal_to_row",
    "vacancy_from_row",
    "vacancy_from_snapshot",
    "vacancy_to_row",
]
