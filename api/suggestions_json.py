"""A claimant's recorded list as the JSON bytes of its ``Suggestions`` model, made without the model.

Building the answer's pydantic objects (the list head, ten ``MatchItem``s with their ``ReaderOut``,
reader lines and ``HistoryEntry`` marks) and validating every field cost ~0.9 ms of a lookup at
100,000 vacancies (bench/README.md, issue 15), for values the route has just made from typed
records. Here the same fields go into plain dicts, in the models' field order, with each value in
the type its field has (a float field gets a float: pydantic writes ``38.0`` for an int given to it),
and pydantic's own serialiser (``pydantic_core.to_json``) writes them: the bytes are those of
``recorded_suggestions_out(out).model_dump_json(by_alias=True)``
(``tests/api/test_suggestions_json.py`` compares both on real lists). The ``Suggestions`` model stays
the route's ``response_model``: the schema and the documentation are its.

A field added to ``Suggestions``, ``MatchItem``, ``ReaderOut``, ``ReaderLineOut`` or
``HistoryEntry`` must be added here too; the test fails until it is.
"""

from __future__ import annotations

from typing import Any

from pydantic_core import to_json

from api.convert import _drivers, _flat
from matcher.explain_reader import Line, reader_view
from matcher.records import SuggestionAction
from matcher.service import Match
from matcher.usecases.lookups import RecordedList


def _line(x: Line) -> dict[str, Any]:
    return {
        "text": x.text,
        "group": x.group,
        "source": x.source,
        "effect": None if x.effect is None else float(x.effect),
    }


def _reader(m: Match) -> dict[str, Any]:
    r = reader_view(m.explanation, p_match=m.p_match, p_sustain=m.p_sustain, score=m.score)
    return {
        "headline": r.headline,
        "meaning": r.meaning,
        "hire": float(r.hire),
        "lasting": float(r.lasting),
        "facts": list(r.facts),
        "pro": [_line(x) for x in r.pro],
        "contra": [_line(x) for x in r.contra],
        "badge": r.badge,
    }


def _handled(a: SuggestionAction, title: str) -> dict[str, Any]:
    """``HistoryEntry.of(HistoryLine(a, title))``'s fields."""
    return {
        "feedback_id": str(a.id),
        "suggestion_id": a.suggestion_id,
        "claimant_id": a.claimant_id,
        "vacancy_id": a.vacancy_id,
        "vacancy_title": title,
        "action": a.action.value,
        "reason_code": a.reason_code,
        "user": a.user,
        "confirmed_by": a.confirmed_by,
        "at": a.at,
    }


def _item(m: Match, suggestion_id: str, handled: SuggestionAction | None) -> dict[str, Any]:
    """``api.convert.match_item``'s fields, in ``MatchItem``'s order."""
    e = m.explanation
    return {
        "suggestion_id": suggestion_id,
        "rank": int(m.rank),
        "claimant_id": m.claimant_id,
        "vacancy_id": m.vacancy_id,
        "title": m.title,
        "employer": m.employer,
        "municipality": m.municipality,
        "score": float(m.score),
        "p_match": float(m.p_match),
        "p_sustain": float(m.p_sustain),
        "similarity": float(m.similarity),
        "match_depth": int(m.match_depth),
        "commute_minutes": float(m.commute_minutes),
        "commute_limit": float(m.commute_limit),
        "commute_mode": m.commute_mode,
        "distance_km": float(m.distance_km),
        "hours_per_week": float(m.hours_per_week),
        "reasons": list(e.reason_texts) if e else [],
        "drivers": _drivers(e) if e else [],
        "household": _flat(e.household) if e else None,
        "reader": _reader(m),
        "handled": None if handled is None else _handled(handled, m.title),
    }


def recorded_suggestions_json(out: RecordedList) -> bytes:
    """The bytes of ``recorded_suggestions_out(out).model_dump_json(by_alias=True)``."""
    result = out.result
    items = [
        _item(m, sid, out.handled.get((m.claimant_id, m.vacancy_id)))
        for m, sid in zip(result.items, out.suggestion_ids, strict=True)
    ]
    body = {
        "audit_id": int(out.audit_id),
        "model_version": result.model_version,
        "index_version": result.index_version,
        "embedder_id": result.embedder_id,
        "considered": int(result.considered),
        "eligible": int(result.eligible),
        "excluded": {str(k): int(v) for k, v in result.excluded.items()},
        "claimant_id": result.subject_id,
        "suggestions": items,
        "narrowed": {str(k): int(v) for k, v in result.narrowed.items()},
    }
    return to_json(body)
