"""The OpenAPI 3.1 document of the REST API, generated from the endpoint table and the schemas."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue, models_json_schema
from pydantic_core import core_schema

from billing_admin.operations import BY_NAME

from .endpoints import ENDPOINTS, Endpoint
from .handlers import grant_credits
from .idempotency import CREDITS_DESCRIPTION, DESCRIPTION, HEADER, KEYED_BY_EVENT_ID, MAX_LENGTH
from .routing import SCHEDULE_MODES

REF = "#/components/schemas/{model}"
ERROR = {
    "type": "object",
    "required": ["message"],
    "properties": {
        "message": {"type": "string", "description": "What went wrong and what to do next."},
        "code": {"type": "string", "description": "Machine-readable error code, e.g. not_found."},
        "details": {"type": "object", "description": "Field errors under `fields`, where there are any."},
    },
}
ERRORS = {
    "400": "Invalid input: the message names each bad field.",
    "401": "Missing, unknown or revoked bearer token.",
    "403": "A read-only token tried to change data, or a money move is above its limit (code above_limit).",
    "404": "The object (or endpoint) does not exist.",
    "409": "Conflict: the id is taken, or the change is not allowed in the object's state.",
    "413": "The body is over the upload size limit.",
    "422": "Not enough funds, or mixed currencies.",
    "429": "Too many refused bearer tokens from this address: wait the seconds Retry-After gives.",
    "501": "The configured billing backend cannot do this.",
    "502": "The hosted billing API failed or could not be reached.",
}
TYPES = {
    "str": {"type": "string"},
    "int": {"type": "integer"},
    "epoch_ms": {"type": "integer"},
    "cursor": {"type": "string"},
}


class DecimalStrings(GenerateJsonSchema):
    """Money and quantities are read from JSON numbers or decimal strings: the string form is stated as
    a pattern (positive where the field must be more than 0), so "" or "lots" are documented as refused."""

    def decimal_schema(self, schema: core_schema.DecimalSchema) -> JsonSchemaValue:
        value = super().decimal_schema(schema)
        if schema.get("gt") is not None and schema["gt"] >= 0:
            pattern = r"^(\d*[1-9]\d*(\.\d+)?|\d+\.\d*[1-9]\d*)$"
        elif schema.get("ge") is not None and schema["ge"] >= 0:
            pattern = r"^\d+(\.\d+)?$"
        else:
            pattern = r"^-?\d+(\.\d+)?$"
        for option in value.get("anyOf", []):
            if option.get("type") == "string":
                option["pattern"] = pattern
        return value


def _request_model(endpoint: Endpoint) -> type[BaseModel]:
    return endpoint.body_schema or BY_NAME[endpoint.operation].request


def _response_model(endpoint: Endpoint) -> type[BaseModel]:
    return endpoint.response_schema or BY_NAME[endpoint.operation].response


@cache
def openapi_document() -> dict[str, Any]:
    models = {m for e in ENDPOINTS for m in (_request_model(e), _response_model(e))}
    keys, definitions = models_json_schema(
        [(m, "validation") for m in sorted(models, key=lambda m: m.__name__)],
        ref_template=REF,
        schema_generator=DecimalStrings,
    )
    refs: dict[type, dict[str, Any]] = {model: schema for (model, _), schema in keys.items()}
    paths: dict[str, dict[str, Any]] = {}
    bodies: dict[str, Any] = {}
    for endpoint in ENDPOINTS:
        paths.setdefault(f"/api/{endpoint.path}", {})[endpoint.method.lower()] = _operation(endpoint, refs, bodies)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Billing Admin REST API",
            "version": "1.0",
            "description": (
                "A Togai-compatible usage-billing API: the paths, bodies and status codes of the Togai REST "
                "API over this project's billing service. Authenticate with `Authorization: Bearer <token>`; "
                "read tokens may only call GET endpoints and reads. Money and quantities are JSON numbers. "
                'Lists page with `nextToken` and `pageSize`. Errors are `{"message": ...}`.\n\n'
                "Idempotency: every write except event ingestion takes an `Idempotency-Key` header, which is "
                "the same key as the body's `idempotencyKey` (send either, or both equal; two different keys "
                "are a 400). A repeat with the same key and arguments answers the first response and changes "
                "nothing; the same key with different arguments is a 409. Event ingestion is keyed by each "
                "event's own `id` instead: an id seen before is reported as a duplicate and never counted "
                "twice, and the header is refused there."
            ),
        },
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "components": {
            "schemas": {**definitions.get("$defs", {}), **bodies, "ErrorResponse": ERROR},
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
        },
    }


EPOCH_MS = {"type": "integer", "minimum": 0, "maximum": 253402300799999}  # up to 9999-12-31
# A positive quantity: `quantity` of a feature check (0 or less is refused).
POSITIVE_DECIMAL = {"type": "string", "pattern": r"^([1-9]\d{0,11}(\.\d{1,6})?|0\.\d{0,5}[1-9])$"}


def _query_schema(endpoint: Endpoint, query: Any, fields: dict[str, Any]) -> dict[str, Any]:
    """A query parameter's schema, with the request field's own bounds (pageSize 1-200, enums, lengths)."""
    if query.kind == "epoch_ms":
        return EPOCH_MS
    if query.kind == "decimal":
        return POSITIVE_DECIMAL
    if query.kind == "cursor":
        return {"type": "string", "minLength": 1}
    if query.kind == "mode":
        return {"type": "string", "enum": list(SCHEDULE_MODES)}
    field = dict(fields.get(query.field, {}))
    options = [o for o in field.pop("anyOf", []) if o.get("type") != "null"]
    if len(options) == 1:
        field.update(options[0])
    schema = {k: v for k, v in field.items() if k in ("type", "enum", "minimum", "maximum", "maxLength", "pattern")}
    schema.setdefault("type", TYPES.get(query.kind, {"type": "string"})["type"])
    if schema["type"] == "string":
        schema.setdefault("minLength", 1)
    return schema


def _path_schema(field: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "minLength": 1}
    if "maxLength" in field:
        schema["maxLength"] = field["maxLength"]
    return schema


def _body_name(endpoint: Endpoint) -> str:
    return f"{_request_model(endpoint).__name__}Body"


def _body_schema(endpoint: Endpoint, definitions: dict[str, Any]) -> dict[str, Any]:
    """The request schema less the fields the path fills (they are not sent in the body)."""
    schema = _request_model(endpoint).model_json_schema(ref_template=REF, schema_generator=DecimalStrings)
    if endpoint.body_schema is not None or not endpoint.path_fields:
        return schema
    path = set(endpoint.path_fields.values())
    body = {k: v for k, v in schema.items() if k != "$defs"}
    body["properties"] = {k: v for k, v in schema.get("properties", {}).items() if k not in path}
    body["required"] = [name for name in schema.get("required", []) if name not in path]
    body["title"] = _body_name(endpoint)
    definitions[_body_name(endpoint)] = body
    return body


def _body_ref(endpoint: Endpoint, refs: dict[type[BaseModel], dict[str, Any]]) -> dict[str, Any]:
    if endpoint.body_schema is not None or not endpoint.path_fields:
        return refs[_request_model(endpoint)]
    return {"$ref": REF.format(model=_body_name(endpoint))}


def _operation(endpoint: Endpoint, refs: dict[type, dict[str, Any]], definitions: dict[str, Any]) -> dict[str, Any]:
    operation = BY_NAME[endpoint.operation]
    op_id = re.sub(r"[^A-Za-z0-9]+", "_", f"{endpoint.method.lower()}_{endpoint.path}").strip("_")
    fields = operation.request.model_json_schema().get("properties", {})
    parameters = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": _path_schema(fields.get(endpoint.path_fields.get(name, ""), {})),
            "description": endpoint.path_fields.get(name, name),
        }
        for name in re.findall(r"\{(\w+)\}", endpoint.path)
    ]
    if operation.is_write and operation.name not in KEYED_BY_EVENT_ID:
        parameters.append(
            {
                "name": HEADER,
                "in": "header",
                "required": False,
                "schema": {"type": "string", "maxLength": MAX_LENGTH},
                "description": CREDITS_DESCRIPTION if endpoint.run is grant_credits else DESCRIPTION,
            }
        )
    parameters += [
        {
            "name": q.name,
            "in": "query",
            "required": False,
            "schema": _query_schema(endpoint, q, fields),
            "description": q.description,
        }
        for q in endpoint.query
    ]
    success = {"description": "Success", "content": {"application/json": {"schema": refs[_response_model(endpoint)]}}}
    responses: dict[str, Any] = {str(code): success for code in (endpoint.statuses or (endpoint.status,))}
    for code, text in ERRORS.items():
        responses[code] = {
            "description": text,
            "content": {"application/json": {"schema": {"$ref": REF.format(model="ErrorResponse")}}},
        }
    body: dict[str, Any] = {
        "operationId": op_id,
        "summary": endpoint.summary,
        "description": operation.description
        + (" (An extension: not part of Togai's API.)" if endpoint.extension else ""),
        "tags": [endpoint.path.split("/")[0] if not endpoint.path.startswith("v2/") else "price_plans"],
        "parameters": parameters,
        "responses": responses,
        "x-operation": operation.name,
        "x-scope": operation.kind,
    }
    if endpoint.body:
        request_schema = _body_schema(endpoint, definitions)
        body["requestBody"] = {
            # An absent body is read as {}: required only where {} is not a valid request.
            "required": "anyOf" in request_schema
            or bool(set(request_schema.get("required", [])) - set(endpoint.path_fields.values())),
            "content": {"application/json": {"schema": _body_ref(endpoint, refs)}},
        }
    return body
