"""Who is calling the tools, and with which scope.

Three ways in, one answer (a `Caller`: an `Actor` for the audit log plus a scope):

- streamable HTTP: `BearerTokenAuth` wraps the MCP ASGI app, checks `Authorization: Bearer <token>`
  against the hashed API tokens and answers 401 with `WWW-Authenticate` when it is missing, unknown
  or revoked. The caller rides on the ASGI scope into the tool handler.
- stdio: `manage.py mcp_stdio` sets the caller once for the whole process (`acting_as`).
- in-process (the chat panel): `mcp.Client(server_for(actor, scope))`, or `acting_as(actor, scope)` around
  `mcp.Client(get_mcp())` (both in `mcp_bridge.server`).
"""

from __future__ import annotations

import contextlib
import contextvars
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from asgiref.sync import sync_to_async
from django.db import close_old_connections

from billing_admin.actors import Actor
from billing_admin.client_ip import scope_client_ip
from billing_admin.engine.tokens import TokenRefusedError, token_actor, token_authenticate
from billing_admin.errors import TooManyRequestsError

Scope = Literal["read", "write"]
SCOPE_KEY = "billing_admin.caller"  # where BearerTokenAuth leaves the caller in the ASGI scope
REALM = "billing-admin"
MISSING_TOKEN = "send Authorization: Bearer <token>; create one with manage.py create_api_token"


@dataclass(frozen=True, slots=True)
class Caller:
    actor: Actor
    scope: Scope

    def may_call(self, kind: str) -> bool:
        return kind == "read" or self.scope == "write"


_current: contextvars.ContextVar[Caller | None] = contextvars.ContextVar("billing_admin_mcp_caller", default=None)


@contextlib.contextmanager
def acting_as(actor: Actor, scope: Scope = "write") -> Iterator[Caller]:
    """Run in-process tool calls as `actor`, e.g. `with acting_as(Actor.agent_for(request.user)):`."""
    caller = Caller(actor=actor, scope=scope)
    reset = _current.set(caller)
    try:
        yield caller
    finally:
        _current.reset(reset)


def current_caller(asgi_scope: Mapping[str, Any] | None = None) -> Caller | None:
    """The caller of this tool call: the HTTP request's token first, else the one set by `acting_as`."""
    if asgi_scope is not None and (caller := asgi_scope.get(SCOPE_KEY)) is not None:
        return caller
    return _current.get()


def caller_for_token(raw: str, client: str = "unknown") -> Caller:
    """The caller for a bearer token; raises TokenRefusedError (401) or TooManyRequestsError (429)."""
    close_old_connections()
    try:
        token = token_authenticate(raw, client=client)
        return Caller(actor=token_actor(token, door="mcp"), scope=token.scope)
    finally:
        close_old_connections()


def bearer_token(headers: list[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:
        if name == b"authorization":
            scheme, _, credentials = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and credentials.strip():
                return credentials.strip()
            return None
    return None


class BearerTokenAuth:
    """ASGI middleware: only requests with a live API token reach the wrapped MCP app."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw = bearer_token(scope.get("headers", []))
        if raw is None:
            await _unauthorized(send, None, MISSING_TOKEN)
            return
        try:
            caller = await sync_to_async(caller_for_token, thread_sensitive=False)(raw, scope_client_ip(scope))
        except TokenRefusedError as exc:
            await _unauthorized(send, "invalid_token", exc.message)
            return
        except TooManyRequestsError as exc:
            await _too_many(send, exc)
            return
        scope[SCOPE_KEY] = caller
        reset = _current.set(caller)
        try:
            await self.app(scope, receive, send)
        finally:
            _current.reset(reset)


async def _unauthorized(send: Any, error: str | None, description: str) -> None:
    # RFC 6750 §3: no error code when the request carried no credentials at all.
    challenge = f'Bearer realm="{REALM}"'
    if error:
        # A quoted-string: the description must not end it early.
        challenge += f', error="{error}", error_description="{description.replace(chr(34), chr(39))}"'
    body = {"error": error or "unauthorized", "message": description}
    await _answer(send, 401, body, [(b"www-authenticate", challenge.encode())])


async def _too_many(send: Any, exc: TooManyRequestsError) -> None:
    body = {"error": exc.code, "message": exc.message}
    await _answer(send, 429, body, [(b"retry-after", str(exc.retry_after).encode())])


async def _answer(send: Any, status: int, payload: dict[str, str], headers: list[tuple[bytes, bytes]]) -> None:
    body = json.dumps(payload).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
