"""The lookup's answer made without pydantic objects (``api.suggestions_json``) is byte for byte
the ``Suggestions`` model's JSON (``recorded_suggestions_out(...).model_dump_json(by_alias=True)``),
on real lists: every claimant of a Jobcenter, long and narrowed lists, handled marks of each action."""

from __future__ import annotations

from api.auth import authenticate
from api.convert import recorded_suggestions_out
from api.suggestions_json import recorded_suggestions_json
from matcher.domain import Contract
from matcher.list_filters import ListFilter
from tests.api.conftest import JC_A, ApiEnv


def test_the_answer_bytes_are_the_models(api: ApiEnv) -> None:
    h = api.headers("cm")
    first = api.ids(JC_A)[0]
    listed = api.client.get(f"/claimants/{first}/suggestions?k=4", headers=h).json()["suggestions"]
    assert len(listed) == 4
    bodies = (
        {"action": "proposed", "confirmed_by": "Frau Schulz"},
        {"action": "rejected", "reason_code": "commute"},
        {"action": "applied"},
        {"action": "hired"},
    )
    for item, body in zip(listed, bodies, strict=True):
        r = api.client.post(f"/suggestions/{item['suggestion_id']}/feedback", json=body, headers=h)
        assert r.status_code == 201, r.text
    app = api.client.app
    uc, rt = app.state.use_cases, app.state.runtime  # type: ignore[attr-defined]
    p = authenticate(api.store, h["Authorization"], rt.settings.api.health_roles)
    narrow = ListFilter(contract=Contract.PERMANENT, temp_agency=False, hours_min=None, hours_max=None,
                        max_commute=30.0)  # fmt: skip
    compared = marked = 0
    for cid in api.ids(JC_A):
        for k, n in ((10, None), (25, None), (10, narrow)):
            out = uc.lookups.suggestions(p, cid, k, n)
            want = recorded_suggestions_out(out).model_dump_json(by_alias=True).encode()
            assert recorded_suggestions_json(out) == want, (cid, k, n)
            compared += 1
            marked += len(out.handled)
    assert compared == 3 * len(api.ids(JC_A)) and marked >= 4


def test_the_route_sends_those_bytes(api: ApiEnv) -> None:
    cid = api.ids(JC_A)[1]
    r = api.client.get(f"/claimants/{cid}/suggestions?k=5", headers=api.headers("cm"))
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    assert r.json()["claimant_id"] == cid and len(r.json()["suggestions"]) == 5
