"""All-or-nothing imports of claimants, vacancies, outcomes and proposals from CSV, JSON Lines and
Bundesagentur für Arbeit Jobsuche JSON.

One module a step, each with its rules in its docstring:

- ``pipeline``: ``import_file`` and ``parse_file``, every row validated before anything is written;
- ``decoding``: bytes to text (UTF-8, encoding errors) and which format the text is in;
- ``rows``: text to (line, mapping) pairs, header and column errors (CSV, JSON Lines, BA list);
- ``build``: rows to records (cell size, codec, duplicate ids, place from the postcode);
- ``ba``: the BA Jobsuche mapping and its defaults.

``tests/matcher/test_import_fuzz.py`` generates broken files against these rules.
"""

from matcher.importer.ba import (
    BA_DEFAULT_HOURS,
    BA_MINIJOB_HOURS,
    BA_PART_TIME_HOURS,
    BA_SOURCE,
    MINIMUM_WAGE_2026,
    ba_employer_id,
    ba_id,
    ba_vacancy,
)
from matcher.importer.build import MAX_CELL_CHARS, Locate
from matcher.importer.pipeline import KINDS, ImportReport, ParsedFile, import_file, parse_file

__all__ = [
    "BA_DEFAULT_HOURS",
    "BA_MINIJOB_HOURS",
    "BA_PART_TIME_HOURS",
    "BA_SOURCE",
    "KINDS",
    "MAX_CELL_CHARS",
    "MINIMUM_WAGE_2026",
    "ImportReport",
    "Locate",
    "ParsedFile",
    "ba_employer_id",
    "ba_id",
    "ba_vacancy",
    "import_file",
    "parse_file",
]
