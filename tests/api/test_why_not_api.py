""" "Warum nicht diese Stelle?" by number and by title, and the excluded counts expanded to their
vacancies, through the API: the answers agree exactly with the pair endpoint asked vacancy by
vacancy; bad input answers 422 naming the field; another Jobcenter's claimant answers 404; every
read is audit-logged."""

from __future__ import annotations

from typing import Any

import pytest

from matcher.search_text import fold, forms
from tests.api.conftest import JC_A, JC_B, ApiEnv


def _cid(api: ApiEnv) -> str:
    return api.ids(JC_A)[0]


def _pairs(api: ApiEnv) -> dict[str, dict[str, Any]]:
    """Every open (indexed) vacancy's pair facts for the claimant, one request each."""
    out = {}
    for v in api.vacancies:
        r = api.client.get(f"/claimants/{_cid(api)}/vacancies/{v.id}", headers=api.headers("cm"))
        if r.status_code == 200:
            out[v.id] = r.json()
    return out


def test_by_number_and_by_title(api_ro: ApiEnv) -> None:
    cid, pairs = _cid(api_ro), _pairs(api_ro)
    vid = sorted(pairs)[3]
    one = api_ro.client.get(f"/claimants/{cid}/why-not?q={vid}", headers=api_ro.headers("cm")).json()
    assert one["total"] == 1 and [v["vacancy_id"] for v in one["vacancies"]] == [vid]
    got = one["vacancies"][0]
    assert (got["failed"], got["refusals"], got["commute_minutes"]) == (
        pairs[vid]["failed"], pairs[vid]["refusals"], pairs[vid]["commute_minutes"])  # fmt: skip

    # A title word, typed without umlauts and in lower case.
    titles = {v.id: v.title for v in api_ro.vacancies if v.id in pairs}
    word = next(
        w for t in titles.values() for w in t.split() if any(ch in w for ch in "äöüÄÖÜ") and len(w) > 4
    )
    typed = fold(word)
    want = sorted(i for i, t in titles.items() if any(typed in f for f in forms(t)))
    body = api_ro.client.get(
        f"/claimants/{cid}/why-not", params={"q": typed}, headers=api_ro.headers("cm")
    ).json()
    assert body["total"] == len(want) > 0
    assert [v["vacancy_id"] for v in body["vacancies"]] == want[:20]
    for v in body["vacancies"]:
        assert (v["failed"], v["title"]) == (pairs[v["vacancy_id"]]["failed"], titles[v["vacancy_id"]])
    none = api_ro.client.get(f"/claimants/{cid}/why-not?q=Astronaut", headers=api_ro.headers("cm")).json()
    assert (none["total"], none["vacancies"]) == (0, [])
    entry = api_ro.store.list_audit(claimant_id=cid)[-1]
    assert (entry.action, entry.payload["q"], entry.payload["total"]) == ("claimant.why_not", "Astronaut", 0)


def test_the_excluded_counts_expand_to_exactly_their_vacancies(api_ro: ApiEnv) -> None:
    cid, pairs = _cid(api_ro), _pairs(api_ro)
    counts = api_ro.client.get(f"/claimants/{cid}/suggestions?k=5", headers=api_ro.headers("cm")).json()[
        "excluded"
    ]
    assert sum(counts.values()) > 0
    for name, n in counts.items():
        body = api_ro.client.get(f"/claimants/{cid}/excluded?filter={name}&limit=200",
                                 headers=api_ro.headers("cm")).json()  # fmt: skip
        want = sorted(vid for vid, p in pairs.items() if name in p["failed"])
        assert body["total"] == n == len(want), name
        assert [v["vacancy_id"] for v in body["vacancies"]] == want
        assert all(v["failed"] == pairs[v["vacancy_id"]]["failed"] for v in body["vacancies"])
        assert body["reason"] and body["filter"] == name
    name = max(counts, key=lambda f: counts[f])
    page = api_ro.client.get(
        f"/claimants/{cid}/excluded?filter={name}&limit=2&offset=2", headers=api_ro.headers("cm")
    )
    full = sorted(vid for vid, p in pairs.items() if name in p["failed"])
    assert [v["vacancy_id"] for v in page.json()["vacancies"]] == full[2:4]
    entry = api_ro.store.list_audit(claimant_id=cid)[-1]
    assert (entry.action, entry.payload["filter"], entry.payload["vacancy_ids"]) == (
        "claimant.excluded", name, full[2:4])  # fmt: skip


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("why-not?q=x", "q"),
        ("why-not", "q"),
        ("why-not?q=Lager&limit=51", "limit"),
        ("excluded?filter=weather", "filter"),
        ("excluded", "filter"),
        ("excluded?filter=commute&limit=0", "limit"),
        ("excluded?filter=commute&offset=-1", "offset"),
    ],
)
def test_bad_input_names_the_field(api_ro: ApiEnv, path: str, field: str) -> None:
    r = api_ro.client.get(f"/claimants/{_cid(api_ro)}/{path}", headers=api_ro.headers("cm"))
    assert r.status_code == 422 and [d["loc"] for d in r.json()["detail"]] == [["query", field]]


def test_another_jobcenters_claimant_is_a_missing_one(api_ro: ApiEnv) -> None:
    other = api_ro.ids(JC_B)[0]
    for path in ("why-not?q=Lager", "excluded?filter=commute"):
        theirs = api_ro.client.get(f"/claimants/{other}/{path}", headers=api_ro.headers("cm"))
        missing = api_ro.client.get(f"/claimants/K-NOPE/{path}", headers=api_ro.headers("cm"))
        assert theirs.status_code == missing.status_code == 404
        assert theirs.json() == missing.json()
    assert api_ro.client.get(f"/claimants/{_cid(api_ro)}/excluded?filter=commute",
                             headers=api_ro.headers("admin")).status_code == 403  # fmt: skip
