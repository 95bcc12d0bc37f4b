"""No input reaches a 500: every endpoint of the table, sent hostile bodies, queries, path values and
cursors, answers a 4xx with Togai's `{"message"}` (or succeeds). Deterministic: a seeded generator."""

from __future__ import annotations

import base64
import json
import random
import re

import pytest
from django.http import HttpResponse

from billing_admin.api.endpoints import ENDPOINTS, Endpoint

from .conftest import Api, usage_event

pytestmark = pytest.mark.django_db

HOSTILE_VALUES = [
    None, True, 0, -1, 10**40, -(10**40), 1.5e308, "", " ", "x" * 5000, "NaN", "1e999", "0x10", "٣", "💥",
    "\u0000", "../../etc/passwd", "<script>", [], [None], {}, {"$gt": ""}, [[[[[]]]]], "2026-13-45T99:00:00Z",
]  # fmt: skip
HOSTILE_BODIES = [
    b"", b"null", b"[]", b"0", b'"text"', b"{", b"\xff\xfe", b'{"a":NaN}', b'{"a":Infinity}', b"[" * 5000,
    b'{"events": {}}', b'{"event": []}', b'{"creditRequests": [null]}', b'{"operations": "x"}',
]  # fmt: skip
PATH_VALUES = ["nobody", "x" * 600, "%00", "a b", "💥", "..", "acc_987", "cust_123"]


def cursor(last: object) -> str:
    return base64.urlsafe_b64encode(json.dumps({"lastItemId": last, "pageSize": 1}).encode()).decode()


CURSORS = ["", "!!!", "e30", cursor({"a": 1}), cursor([1]), cursor(10**30), cursor(None), cursor(True), cursor(-1)]
PAGED = [e for e in ENDPOINTS if any(q.name == "nextToken" for q in e.query)]
# Lists keyed by an integer id: the engine's paginate() filters on a forged string key unchecked.


def fields_of(endpoint: Endpoint) -> list[str]:
    from billing_admin.operations import BY_NAME

    schema = endpoint.body_schema or BY_NAME[endpoint.operation].request
    return list(schema.model_fields)


def url(endpoint: Endpoint, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "nobody"), endpoint.path)


def send(
    api: Api, method: str, path: str, *, body: bytes | None = None, query: dict[str, object] | None = None
) -> HttpResponse:
    query = query or {}
    if method == "GET":
        return api.client.get(f"/api/{path}", query, headers=api.headers)
    handler = getattr(api.client, method.lower())
    return handler(f"/api/{path}", data=body or b"", content_type="application/json", headers=api.headers)


def assert_handled(response: HttpResponse, what: str) -> None:
    assert response.status_code < 500, f"{what} -> {response.status_code}: {response.content[:300]!r}"
    if response.status_code >= 400:
        assert isinstance(response.json().get("message"), str), what


@pytest.fixture
def world(api, on_pro):
    """Real objects, so hostile values also meet found accounts, plans and invoices."""
    return {"account_id": "acc_987", "customer_id": "cust_123", "price_plan_id": on_pro["id"]}


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: f"{e.method} {e.path}")
def test_hostile_bodies_and_fields_are_4xx(api, world, endpoint):
    rng = random.Random(f"{endpoint.method} {endpoint.path}")
    path = url(endpoint, world)
    if endpoint.method != "GET":
        for body in HOSTILE_BODIES:
            assert_handled(send(api, endpoint.method, path, body=body), f"{endpoint.method} {path} {body[:40]!r}")
        names = fields_of(endpoint)
        for _ in range(30):
            payload = {name: rng.choice(HOSTILE_VALUES) for name in rng.sample(names, k=min(len(names), 3))}
            if rng.random() < 0.3:
                payload[rng.choice(["extra", "__proto__", ""])] = rng.choice(HOSTILE_VALUES)
            body = json.dumps(payload).encode()
            assert_handled(send(api, endpoint.method, path, body=body), f"{endpoint.method} {path} {payload!r:.200}")
    for query in endpoint.query:
        for value in [*HOSTILE_VALUES[:12], "-5", "1e3", "99999999999999999999999"]:
            response = send(api, endpoint.method, path, query={query.name: str(value)})
            assert_handled(response, f"{endpoint.method} {path}?{query.name}={value!r:.60}")


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e.path_fields], ids=lambda e: f"{e.method} {e.path}")
def test_hostile_path_values_are_4xx(api, world, endpoint):
    for value in PATH_VALUES:
        path = url(endpoint, dict.fromkeys(endpoint.path_fields, value))
        body = b"{}" if endpoint.method != "GET" else None
        assert_handled(send(api, endpoint.method, path, body=body), f"{endpoint.method} {path[:80]}")


@pytest.mark.parametrize("endpoint", PAGED, ids=lambda e: e.path)
def test_forged_cursors_are_4xx(api, world, endpoint):
    for token in CURSORS:
        response = send(api, "GET", url(endpoint, world), query={"nextToken": token})
        assert_handled(response, f"GET {endpoint.path}?nextToken={token}")


@pytest.mark.parametrize("endpoint", PAGED, ids=lambda e: e.path)
def test_a_cursor_whose_key_is_the_wrong_kind_is_4xx(api, world, endpoint):
    response = send(api, "GET", url(endpoint, world), query={"nextToken": cursor("zzz")})
    assert_handled(response, f"GET {endpoint.path}?nextToken=<string key>")


def test_a_nul_character_is_refused_naming_where_it_is(api, acme):
    response = api.patch("customers/cust_123", {"name": "Acme\u0000 Corp"})
    assert response.status_code == 400 and response.json()["details"]["fields"] == {
        "name": "contains a NUL character (\\u0000); remove it"
    }
    assert api.get("customers", query="\u0000").json()["details"]["fields"] == {
        "query": "contains a NUL character (\\u0000); remove it"
    }
    assert api.get("accounts/acc\u0000987").status_code == 400


def test_a_batch_refuses_only_the_events_holding_nul_characters(api, meter):
    events = [usage_event(id="ok-1"), {**usage_event(id="nul-1"), "dimensions": {"region": "e\u0000u"}},
              usage_event(account="acc_nobody"), usage_event(id="ok-2")]  # fmt: skip
    response = api.post("ingestBatch", {"events": events})
    assert response.status_code == 207
    body = response.json()
    assert body["accepted"] == 2 and [f["index"] for f in body["failed"]] == [1, 2]
    assert body["failed"][0]["eventId"] == "nul-1" and "dimensions.region" in body["failed"][0]["message"]
    [only] = api.post("ingestBatch", {"events": [events[1]]}).json()["failed"]
    assert only["index"] == 0


def test_a_body_over_the_upload_limit_is_a_413_not_a_500(api, acme, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api.post("ingestBatch", {"events": [usage_event(id=f"e-{n}") for n in range(20)]})
    assert response.status_code == 413 and "fewer events" in response.json()["message"]
