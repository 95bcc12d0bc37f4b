"""The OpenAPI document and its browsable page, and the REST table's coverage of the operations."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from billing_admin.api.endpoints import ENDPOINTS
from billing_admin.operations import OPERATIONS
from billing_admin.service import BillingService
from billing_admin.togai.backend import TogaiService

pytestmark = pytest.mark.django_db


def test_the_openapi_document_describes_every_endpoint_without_a_token(client):
    doc = client.get("/api/openapi.json").json()
    assert doc["openapi"].startswith("3.1") and doc["info"]["title"] == "Billing Admin REST API"
    described = {(method.upper(), path) for path, ops in doc["paths"].items() for method in ops}
    assert described == {(e.method, f"/api/{e.path}") for e in ENDPOINTS}
    ids = [op["operationId"] for ops in doc["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))


def test_every_schema_reference_in_the_document_resolves(client):
    doc = client.get("/api/openapi.json").json()
    schemas = doc["components"]["schemas"]

    def refs(value: object) -> Iterator[str]:
        if isinstance(value, dict):
            if "$ref" in value:
                yield value["$ref"]
            for item in value.values():
                yield from refs(item)
        elif isinstance(value, list):
            for item in value:
                yield from refs(item)

    missing = {r for r in refs(doc) if r.removeprefix("#/components/schemas/") not in schemas}
    assert not missing


def test_the_batch_endpoint_documents_202_and_207_and_errors_their_shape(client):
    doc = client.get("/api/openapi.json").json()
    answers = doc["paths"]["/api/ingestBatch"]["post"]["responses"]
    assert {"202", "207", "400", "401", "403"} <= set(answers)
    assert doc["components"]["schemas"]["ErrorResponse"]["required"] == ["message"]


def test_the_docs_page_lists_the_endpoints_with_their_token_scope(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/api/ingestBatch" in html and "write token" in html and "read token" in html


def test_every_operation_has_a_rest_endpoint():
    assert {op.name for op in OPERATIONS} <= {e.operation for e in ENDPOINTS}


def test_the_togai_backend_implements_every_operation_of_the_interface():
    missing = [name for name in BillingService.__dict__ if not name.startswith("_") and not hasattr(TogaiService, name)]
    assert not missing
    assert {op.name for op in OPERATIONS} <= set(dir(TogaiService))
