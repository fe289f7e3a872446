"""The shell of a printable page: one HTML document with its style inline, and the pieces pages
are built from (escaped values, definition lists, tables).

The style is inline so that a page saved by the CLI prints the same as one served by the API; the
API's Content-Security-Policy allows exactly this style by its hash (``content_security_policy``),
and nothing else: no script, no request to anywhere.
"""

from __future__ import annotations

import base64
import hashlib
import html
from collections.abc import Iterable, Sequence
from typing import Any

STYLE = """
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 11pt; line-height: 1.45;
       color: #000; max-width: 48em; margin: 2em auto; padding: 0 1em; }
h1 { font-size: 17pt; margin-bottom: 0.2em; }
h2 { font-size: 13pt; margin-top: 1.6em; border-bottom: 1px solid #444; }
h3 { font-size: 11.5pt; margin-bottom: 0.3em; }
table { border-collapse: collapse; width: 100%; margin: 0.4em 0 1em; font-size: 10pt; }
th, td { border: 1px solid #999; padding: 0.2em 0.4em; text-align: left; vertical-align: top; }
th { background: #eee; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.15em 1em; }
dt { font-weight: bold; }
dd { margin: 0; }
.meta { color: #333; font-size: 9.5pt; }
.box { border: 1px solid #000; padding: 0.6em 0.9em; margin: 1em 0; }
.signature { margin-top: 3em; }
@media print {
  body { margin: 0; max-width: none; font-size: 10.5pt; }
  h2 { break-after: avoid; }
  table, .box, dl { break-inside: avoid; }
  .pagebreak { break-before: page; }
}
@page { size: A4; margin: 18mm 16mm; }
"""


def content_security_policy() -> str:
    """The policy a served page goes with: its own inline style, and nothing else."""
    digest = base64.b64encode(hashlib.sha256(STYLE.encode("utf-8")).digest()).decode("ascii")
    return "; ".join(
        [
            "default-src 'none'",
            f"style-src 'sha256-{digest}'",
            "img-src 'none'",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ]
    )


def esc(value: Any) -> str:
    """A value as escaped German text: ja/nein for flags, "–" for nothing, lists joined."""
    if value is None or value == "" or value == []:
        return "–"
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, float):
        return html.escape(f"{value:g}".replace(".", ","))
    if isinstance(value, list | tuple):
        return ", ".join(esc(v) for v in value)
    return html.escape(str(value))


def definitions(pairs: Iterable[tuple[str, Any]]) -> str:
    """A definition list of label and (escaped) value."""
    rows = "".join(f"<dt>{html.escape(label)}</dt><dd>{esc(value)}</dd>" for label, value in pairs)
    return f"<dl>{rows}</dl>"


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, empty: str) -> str:
    """A table of escaped values, or the ``empty`` sentence when there are no rows."""
    body = "".join("<tr>" + "".join(f"<td>{esc(v)}</td>" for v in r) + "</tr>" for r in rows)
    if not body:
        return f"<p>{html.escape(empty)}</p>"
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def paragraph(text: str) -> str:
    return f"<p>{html.escape(text)}</p>"


def document(title: str, body: str) -> str:
    """A whole page: German, UTF-8, its style inline."""
    return (
        '<!DOCTYPE html>\n<html lang="de">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )
