"""The REST door: one generic view runs every endpoint of the table in endpoints.py.

Each call is: authenticate the bearer token (read tokens may only read) -> map Togai's path, query
and body onto the operation's request schema -> run the operation on the configured backend ->
render the response model as Togai JSON. Every failure is `{"message": ...}` with its status.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from pydantic import BaseModel, ValidationError

from billing_admin import service
from billing_admin.errors import BillingError, InvalidInputError, TooManyRequestsError
from billing_admin.operations import BY_NAME
from billing_admin.schemas.nul import NUL_PROBLEM, nul_path
from billing_admin.service import get_service, validation_error

from .adapters import Call, read_json
from .auth import NotAuthenticatedError, api_actor
from .endpoints import Endpoint, query_value
from .idempotency import header_key, merge_key
from .wire import dumps, to_wire

logger = logging.getLogger(__name__)


def json_response(body: Any, status: int = 200) -> HttpResponse:
    return HttpResponse(dumps(body), status=status, content_type="application/json")


def error_response(exc: BillingError) -> HttpResponse:
    response = json_response(exc.as_dict(), exc.status)
    if isinstance(exc, NotAuthenticatedError):
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    if isinstance(exc, TooManyRequestsError):
        response["Retry-After"] = str(exc.retry_after)
    return response


def endpoint_view(routes: dict[str, Endpoint]) -> Callable[..., HttpResponse]:
    """The view of one path: dispatches on the method to that path's endpoints."""

    @csrf_exempt
    def view(request: HttpRequest, **kwargs: str) -> HttpResponse:
        endpoint = routes.get(request.method or "")
        if endpoint is None:
            response = json_response(
                {"message": f"{request.method} is not allowed here; use {', '.join(sorted(routes))}"}, 405
            )
            response["Allow"] = ", ".join(sorted(routes))
            return response
        try:
            status, body = run_endpoint(endpoint, request, kwargs)
        except BillingError as exc:
            return error_response(exc)
        except RequestDataTooBig:
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            return json_response(
                {"message": f"the request body is larger than {limit:,} bytes; send fewer events per batch"}, 413
            )
        except Exception:
            logger.exception("REST API %s %s failed", request.method, request.path)
            return json_response({"message": "internal error; the request was not completed"}, 500)
        return json_response(body, status)

    return view


def run_endpoint(endpoint: Endpoint, request: HttpRequest, kwargs: dict[str, str]) -> tuple[int, Any]:
    operation = BY_NAME[endpoint.operation]
    nul = has_nul(request, kwargs)
    actor = api_actor(request, kind=operation.kind)
    key = header_key(request, operation.name) if operation.is_write else None
    call = Call(request=request, kwargs=kwargs, actor=actor, service=get_service(), idempotency_key=key)
    if nul and endpoint.nul_run is not None:
        return endpoint.nul_run(call)
    if nul:
        refuse_nul(request)
    if endpoint.run is not None:
        return endpoint.run(call)
    parsed = parse_request(endpoint, operation.request, request, kwargs, key)
    result = service.call(operation.name, parsed, actor=call.actor, service=call.service)
    if endpoint.finish is not None:
        return endpoint.finish(call, result)
    if endpoint.render is not None:
        return endpoint.render(result)
    return endpoint.status, to_wire(result)


def parse_request(
    endpoint: Endpoint,
    schema: type[BaseModel],
    request: HttpRequest,
    kwargs: dict[str, str],
    idempotency_key: str | None,
) -> BaseModel:
    if endpoint.body and not (endpoint.query or endpoint.path_fields or endpoint.adapt or idempotency_key):
        # The hot path (ingestion): pydantic reads the bytes directly.
        try:
            return schema.model_validate_json(request.body or b"{}")
        except ValidationError as exc:
            raise _invalid(exc) from None
    payload: dict[str, Any] = {}
    if endpoint.body:
        body = read_json(request)
        if not isinstance(body, dict):
            raise InvalidInputError("the request body must be a JSON object")
        payload = endpoint.adapt(body) if endpoint.adapt else body
    for query in endpoint.query:
        raw = request.GET.get(query.name)
        if raw == "":
            raise InvalidInputError.for_field(query.name, "empty; give a value or leave the parameter out")
        if raw is not None:
            payload[query.field] = query_value(query, raw)
    for name, field in endpoint.path_fields.items():
        if endpoint.body and field in payload and payload[field] != kwargs[name]:
            raise InvalidInputError.for_field(field, f"given in the path as {name}; leave it out of the body")
        payload[field] = kwargs[name]
    if "idempotencyKey" in schema.model_fields:
        merge_key(payload, idempotency_key)
    return service.parse_request(endpoint.operation, payload)


def has_nul(request: HttpRequest, kwargs: dict[str, str]) -> bool:
    """NUL characters cannot be stored (PostgreSQL refuses them): one in the path or query is a 400
    naming the parameter; True when the body may hold one, for `refuse_nul` or the endpoint's own
    `nul_run` (a batch refuses only the events that hold one)."""
    for name, value in [*kwargs.items(), *request.GET.items()]:
        if "\x00" in value:
            raise InvalidInputError.for_field(name, NUL_PROBLEM)
    return b"\x00" in request.body or b"\\u0000" in request.body


def refuse_nul(request: HttpRequest) -> None:
    try:
        where = nul_path(read_json(request))
    except InvalidInputError:
        return  # not JSON: parsing the body says so
    if where is not None:
        raise InvalidInputError.for_field(where or "body", NUL_PROBLEM)


def _invalid(exc: ValidationError) -> InvalidInputError:
    for error in exc.errors(include_url=False):
        if error["type"] == "json_invalid":
            return InvalidInputError(f"the request body is not valid JSON ({error['msg']}); send a JSON object")
    return validation_error(exc)


@csrf_exempt
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    return json_response(
        {
            "message": f"no endpoint {request.method} /api/{rest}; see /api/docs for the endpoints",
            "code": "unknown_endpoint",
        },
        404,
    )
