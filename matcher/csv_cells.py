"""CSV cells a spreadsheet cannot run: a text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return gets a leading apostrophe (OWASP, "CSV Injection"), because Excel and
LibreOffice read such a cell as a formula (``=HYPERLINK(...)``, ``-2+3+cmd|' /C calc'!A0``).

Titles, employers and places come from outside (the BA feed, imports), so every CSV the project
writes passes its cells through ``safe_cell``. A cell that is a plain number ("-3.5") stays as it
is: it cannot be a formula, and the importer reads it back as the number it is.
"""

from __future__ import annotations

import re

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def safe_cell(value: object) -> object:
    """The value to write into a CSV cell: text that a spreadsheet would run as a formula, prefixed
    with an apostrophe; everything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value
