"""The billing tools as an MCP server: one tool per operation in `billing_admin.operations`.

Built on the SDK's low-level `Server` (the layer `MCPServer` stands on), because every tool here is
generated from the operation list and its pydantic schemas rather than from a Python signature: the
published input schema is exactly the request model's (closed, every field described), arguments
are validated by the same model the REST API uses, and each result is structured content plus a
short text rendering.

What a caller sees depends on its scope: a read caller is shown, and may call, only read tools.
Who the caller is comes from a resolver given to `build_server` (see there). The shared instance,
`get_mcp()`, mounted at `/mcp`, resolves the bearer token of the HTTP request, else the caller set
with `acting_as(...)`. `server_for(actor, scope)` is a server with one fixed caller: `mcp_stdio` serves
one, and an in-process client acting for one person needs no context manager with it:

    from mcp import Client
    async with Client(server_for(Actor.agent_for(request.user), scope="write")) as client:
        result = await client.call_tool("get_account", {"accountId": "acc_987"})
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

import anyio
import mcp_types as types
from django.conf import settings
from django.db import close_old_connections
from mcp.server import Server
from mcp.server.context import ServerRequestContext

from billing_admin import service
from billing_admin.actors import Actor
from billing_admin.engine.tokens import token_is_live
from billing_admin.errors import BillingError, InvalidInputError, PermissionDeniedError
from billing_admin.operations import BY_NAME, OPERATIONS, Operation

from .auth import Caller, Scope, acting_as, current_caller
from .rendering import render
from .tool_schema import input_schema, output_schema

__all__ = ["INSTRUCTIONS", "CallerResolver", "acting_as", "build_server", "get_mcp", "server_for", "tool_catalog"]

logger = logging.getLogger(__name__)

SERVER_NAME = "billing-admin"
SERVER_VERSION = "0.1.0"

INSTRUCTIONS = """\
Usage-based billing in Togai's shapes: customers own accounts; events are metered by usage meters;
price plans rate the meters; each account's open billing cycle is a DRAFT invoice.

Key path, in order: create_customer (pass `account` to create its first account too) ->
create_usage_meter (COUNT or SUM over an event schema) -> create_price_plan (a USAGE rate card naming
the meter id) -> assign the plan with update_account or create_account (pricePlanId + effectiveFrom)
-> ingest_event / ingest_batch_events -> list_invoices(status=DRAFT) shows the charges so far ->
get_invoice for line items. Money on account: grant_credit, top_up_wallet, get_wallet_balance.
A credit, top-up or invoice status change above its limit is refused (above_limit): do not split it
into smaller calls; a finance admin asks for it in the dashboard, where a second one approves it.
Feature limits: get_entitlements, check_entitlement.

Find ids with the list_* tools before asking a person. Amounts are decimal strings with a currency,
never floats. Give writes an idempotencyKey so a retry changes nothing twice. An error result says
which field or id is wrong and which tool supplies the right one.
"""


def _annotations(op: Operation) -> types.ToolAnnotations:
    open_world = settings.BILLING_BACKEND == "togai"  # then every call reaches the hosted Togai API
    if not op.is_write:
        return types.ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=open_world)
    return types.ToolAnnotations(
        read_only_hint=False,
        destructive_hint=op.destructive,
        idempotent_hint=op.idempotent,
        open_world_hint=open_world,
    )


def _description(op: Operation) -> str:
    if op.is_write:
        return f"{op.description} (Write: needs a write token; recorded in the audit log.)"
    return op.description


@cache
def tool_catalog() -> dict[str, types.Tool]:
    """Every tool as published, by name (for all scopes; `tools/list` filters by the caller's)."""
    return {
        op.name: types.Tool(
            name=op.name,
            title=op.title,
            description=_description(op),
            input_schema=input_schema(op.request),
            output_schema=output_schema(op.response),
            annotations=_annotations(op),
        )
        for op in OPERATIONS
    }


CallerResolver = Callable[[Mapping[str, Any] | None], Caller | None]
"""Given the ASGI scope of the HTTP request (None over stdio and in-process), who is calling."""


def _asgi_scope(ctx: ServerRequestContext[Any, Any]) -> Mapping[str, Any] | None:
    request = getattr(ctx, "request", None)
    return getattr(request, "scope", None)


def _handlers(resolve_caller: CallerResolver) -> dict[str, Any]:
    async def list_tools(
        ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        caller = resolve_caller(_asgi_scope(ctx))
        catalog = tool_catalog()
        visible = [] if caller is None else [catalog[op.name] for op in OPERATIONS if caller.may_call(op.kind)]
        # The list depends on the caller's scope: a cache may reuse it only for the same credentials.
        return types.ListToolsResult(tools=visible, cache_scope="private")

    async def call_tool(
        ctx: ServerRequestContext[Any, Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        op = BY_NAME.get(params.name)
        asgi_scope = _asgi_scope(ctx)
        caller = resolve_caller(asgi_scope)
        if op is None:
            return _error(f"unknown tool '{params.name}'; list the tools to see the names")
        if caller is None:
            return _error("no caller: connect with an API token (Authorization: Bearer <token>)")
        if not caller.may_call(op.kind):
            denied = PermissionDeniedError(
                f"{op.name} changes data and this caller may only read (a read-only token or session); "
                "ask for a write token (manage.py create_api_token NAME --scope write)"
            )
            return _error(_error_text(denied))
        # An HTTP request's token was verified just now; a stdio or in-process session may outlive it.
        recheck = caller.actor.token_id if asgi_scope is None else None
        return await anyio.to_thread.run_sync(_run, op, params.arguments or {}, caller, recheck)

    return {"on_list_tools": list_tools, "on_call_tool": call_tool}


def _run(
    op: Operation, arguments: dict[str, Any], caller: Caller, recheck_token: int | None = None
) -> types.CallToolResult:
    """One operation in a worker thread, with Django's per-request connection hygiene around it."""
    close_old_connections()
    try:
        if recheck_token is not None and not token_is_live(recheck_token):
            return _error("unauthorized: this API token was revoked; ask for a new one (manage.py create_api_token)")
        try:
            request = service.parse_request(op.name, arguments)
        except InvalidInputError as exc:  # the arguments do not fit the input schema
            return _error(f"{exc.code}: {exc.message}. Fix the field(s) named and call {op.name} again.")
        response = service.call(op.name, request, actor=caller.actor)
        structured = response.model_dump(mode="json")
        return types.CallToolResult(
            content=[types.TextContent(type="text", text=render(structured))],
            structured_content=structured,
        )
    except BillingError as exc:  # the service refused: its message names the problem and the next step
        return _error(_error_text(exc))
    except Exception:
        logger.exception("tool %s failed", op.name)
        return _error(
            f"{op.name} failed inside the billing service; the details were logged. "
            "Check with a read tool whether it took effect before retrying."
        )
    finally:
        close_old_connections()


def _error_text(exc: BillingError) -> str:
    return f"{exc.code}: {exc.message}"


def _error(text: str) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(type="text", text=text)], is_error=True)


def build_server(resolve_caller: CallerResolver = current_caller) -> Server[Any]:
    """Build the billing MCP server: every operation as a tool, for whoever `resolve_caller` names.

    `resolve_caller(asgi_scope)` is asked on every `tools/list` and `tools/call`. It gets the ASGI
    scope of the HTTP request (None over stdio and for in-process clients) and returns a `Caller`
    (`auth.Caller(actor=..., scope="read"|"write")`) or None. The `Caller.actor` is recorded in the
    audit log for every write (its `door` says which door: "mcp", "chat", ...); a "read" scope lists
    and runs only read tools; None lists nothing and refuses every call.

    The default resolver, `auth.current_caller`, takes the bearer token's caller from the HTTP
    request, else the one set with `acting_as(actor, scope)`. `server_for(actor, scope)` builds a
    server with a fixed caller. Building one is cheap (the tool catalog is computed once per process);
    serve it with `mcp.Client(server)` in-process, or `server.run(...)` over any transport. Mount it
    over HTTP at most once (`streamable_http_app()` may be called once per instance).
    """
    return Server(
        SERVER_NAME,
        version=SERVER_VERSION,
        title="Billing Admin",
        instructions=INSTRUCTIONS,
        get_tool_input_schema=lambda name: tool_catalog()[name].input_schema if name in tool_catalog() else None,
        **_handlers(resolve_caller),
    )


def server_for(actor: Actor, scope: Scope = "write") -> Server[Any]:
    """A server whose every call is made as `actor` with `scope`, whatever the transport says.

    For in-process clients that act for one person, e.g. the chat panel:
    `async with Client(server_for(Actor.agent_for(user), "read")) as client: ...`.
    """
    caller = Caller(actor=actor, scope=scope)
    return build_server(lambda _asgi_scope: caller)


@cache
def get_mcp() -> Server[Any]:
    """The shared instance: mounted at /mcp, served over stdio, and used in-process with `acting_as`."""
    return build_server()
