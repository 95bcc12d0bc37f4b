"""The tool console: the chat's tools without a model. Pick a tool, fill a form generated from its
input schema, run it. Reads run at once; a write first shows the exact arguments to approve, signed
so they cannot be altered in between and carrying an idempotency key, so approving twice (a double
click, a resubmitted form) changes nothing twice."""

from __future__ import annotations

import uuid
from typing import Any

from asgiref.sync import async_to_sync
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods
from mcp import Client, types

from billing_admin.actors import Actor
from billing_admin.errors import BillingError
from billing_admin.service import parse_request
from mcp_bridge.agent import ToolOutcome, call_tool, with_idempotency_key
from mcp_bridge.server import Scope, acting_as, get_mcp, tool_catalog

from ..access import can_write, viewer_required
from ..calls import attach_error
from ..rendering import render_page
from .display import pretty
from .forms import ToolForm

SALT = "dashboard.chat.console"
APPROVAL_MAX_AGE = 3600  # seconds an approval card stays valid


def _is_write(tool: types.Tool) -> bool:
    return not (tool.annotations and tool.annotations.read_only_hint)


def _actor(request: HttpRequest) -> Actor:
    return Actor.staff(request.user, door="chat")


@viewer_required
def tool_list(request: HttpRequest) -> HttpResponse:
    catalog = sorted(tool_catalog().values(), key=lambda t: (_is_write(t), t.name))
    tools = [{"tool": t, "write": _is_write(t)} for t in catalog]
    return render_page(request, "dashboard/chat/console.html", {"tools": tools, "nav": "chat", "chat_page": True})


@viewer_required
@require_http_methods(["GET", "POST"])
def tool_run(request: HttpRequest, name: str) -> HttpResponse:
    tool = tool_catalog().get(name)
    if tool is None:
        raise Http404(f"no tool named '{name}'")
    write = _is_write(tool)
    context: dict[str, Any] = {"tool": tool, "write": write, "nav": "chat", "chat_page": True}
    if request.method == "POST" and write and not can_write(request.user):
        context["form"] = ToolForm(tool.input_schema)
        context["problem"] = "Only finance admins can run write tools."
        return render_page(request, "dashboard/chat/console_tool.html", context, status=403)
    if request.method == "POST" and "approval" in request.POST:
        return _run_approved(request, context)
    form = ToolForm(tool.input_schema, request.POST or None)
    context["form"] = form
    if request.method == "POST" and form.is_valid():
        arguments = form.arguments()
        try:
            parse_request(name, arguments)  # field errors land on the form before anything runs
        except BillingError as exc:
            attach_error(form, exc)
        else:
            if write:
                arguments = with_idempotency_key(name, arguments, tool.input_schema, f"console-{uuid.uuid4().hex}")
                context["approval"] = signing.dumps({"name": name, "arguments": arguments}, salt=SALT)
                context["arguments"] = pretty(arguments)
            else:
                context["outcome"] = _call(request, name, arguments)
    status = 422 if form.errors else 200
    return render_page(request, "dashboard/chat/console_tool.html", context, status=status)


def _run_approved(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    name = context["tool"].name
    context["form"] = ToolForm(context["tool"].input_schema)
    try:
        signed = signing.loads(request.POST["approval"], salt=SALT, max_age=APPROVAL_MAX_AGE)
    except signing.BadSignature:
        context["problem"] = "This approval expired or was altered; fill the form again."
        return render_page(request, "dashboard/chat/console_tool.html", context, status=400)
    if signed.get("name") != name:
        raise Http404("the approval names another tool")
    context["outcome"] = _call(request, name, signed["arguments"])
    context["arguments"] = pretty(signed["arguments"])
    return render_page(request, "dashboard/chat/console_tool.html", context)


def _call(request: HttpRequest, name: str, arguments: dict[str, Any]) -> ToolOutcome:
    scope: Scope = "write" if can_write(request.user) else "read"

    async def run() -> ToolOutcome:
        with acting_as(_actor(request), scope=scope):
            async with Client(get_mcp()) as session:
                return await call_tool(session, name, arguments, "console")

    return async_to_sync(run)()
