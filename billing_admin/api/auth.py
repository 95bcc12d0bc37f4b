"""Bearer-token access to the REST API: the same tokens and scopes as the MCP endpoint."""

from __future__ import annotations

from django.http import HttpRequest

from billing_admin.actors import Actor
from billing_admin.client_ip import request_client_ip
from billing_admin.engine.models import ApiToken
from billing_admin.engine.tokens import TokenRefusedError, token_actor, token_authenticate
from billing_admin.errors import BillingError, PermissionDeniedError
from billing_admin.operations import Kind


class NotAuthenticatedError(BillingError):
    """No usable bearer token: answered 401 with `WWW-Authenticate: Bearer`."""

    code = "not_authenticated"
    status = 401


def bearer_token(request: HttpRequest) -> ApiToken:
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    if not header:
        raise NotAuthenticatedError(
            "missing credentials; send 'Authorization: Bearer <token>' with an API token "
            "(an administrator creates tokens, read or write scoped)"
        )
    if scheme.lower() != "bearer" or not raw.strip():
        raise NotAuthenticatedError("the Authorization header must be 'Bearer <token>'")
    try:
        return token_authenticate(raw.strip(), client=request_client_ip(request) or "unknown")
    except TokenRefusedError as exc:  # unknown, revoked or expired: the reason is the message
        raise NotAuthenticatedError(exc.message) from None


def api_actor(request: HttpRequest, *, kind: Kind) -> Actor:
    """The acting token for a call of this kind; read tokens may only read."""
    token = bearer_token(request)
    if kind == "write" and token.scope != "write":
        raise PermissionDeniedError(
            f"token '{token.name}' is read-only; this call changes data and needs a write token"
        )
    return token_actor(token, door="api")
