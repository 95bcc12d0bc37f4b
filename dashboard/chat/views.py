"""The chat panel: beside every page (loaded by htmx), and as a full page that works without JS.

The panel posts a question, gets the transcript back with a live region, and the browser opens the
`stream` view (server-sent events) that runs the model turn: text deltas, then a card per tool call,
then `done`, on which the panel reloads the transcript from the database. Without JavaScript the
same POST runs the turn to the end (non-streaming) and redirects to the conversation.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from asgiref.sync import async_to_sync, sync_to_async
from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpResponse, HttpResponseForbidden, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from mcp_bridge.agent import is_configured

from ..access import can_read, can_write, finance_admin_required, signed_in, viewer_required
from ..models import Conversation, ToolCall
from ..rendering import HtmxHttpRequest, render_page
from . import display, runner, transcript
from .forms import MessageForm

if TYPE_CHECKING:
    from django.contrib.auth.models import User

BODY = "dashboard/chat/_body.html"
PAGE = "dashboard/chat/page.html"


def _body_context(
    request: HtmxHttpRequest, conversation: Conversation | None, form: MessageForm | None = None
) -> dict[str, Any]:
    if conversation is not None:
        conversation.refresh_from_db()
    return {
        "conversation": conversation,
        "entries": display.entries(conversation) if conversation else [],
        "live": bool(conversation and transcript.needs_reply(conversation) and is_configured()),
        "configured": is_configured(),
        "form": form or MessageForm(initial={"conversation": conversation.pk if conversation else None}),
        "can_write": can_write(request.user),
        "recent": Conversation.objects.filter(user=signed_in(request))[:8],
    }


def _body(
    request: HtmxHttpRequest, conversation: Conversation | None, form: MessageForm | None = None, *, status: int = 200
) -> HttpResponse:
    """The transcript fragment under htmx; the whole chat page otherwise."""
    context = _body_context(request, conversation, form)
    if request.htmx and not request.htmx.boosted:
        return render_page(request, BODY, context, status=status)
    return render_page(request, PAGE, {**context, "nav": "chat", "chat_page": True}, status=status)


def _own(request: HtmxHttpRequest, pk: int) -> Conversation:
    conversation = transcript.conversation_for(user=signed_in(request), pk=pk)
    if conversation is None:
        raise Http404("no such conversation")
    return conversation


@viewer_required
@require_GET
def panel(request: HtmxHttpRequest) -> HttpResponse:
    """The side panel's contents: the person's latest conversation, or a fresh start (`?new=1`)."""
    conversation = None if request.GET.get("new") else transcript.conversation_latest(user=signed_in(request))
    return _body(request, conversation)


@viewer_required
@require_GET
def page(request: HtmxHttpRequest, pk: int | None = None) -> HttpResponse:
    conversation = _own(request, pk) if pk else transcript.conversation_latest(user=signed_in(request))
    return _body(request, conversation)


@viewer_required
@require_POST
def send(request: HtmxHttpRequest) -> HttpResponse:
    form = MessageForm(request.POST)
    conversation = None
    if form.is_valid() and form.cleaned_data["conversation"]:
        conversation = _own(request, form.cleaned_data["conversation"])
    if form.is_valid():
        _check_can_ask(form, conversation)
    if not form.is_valid():
        # htmx swaps only 2xx answers, so the form with its errors comes back as 200 there.
        return _body(request, conversation, form, status=200 if request.htmx else 422)
    if conversation is None:
        conversation = transcript.conversation_start(user=signed_in(request))
    transcript.question_ask(conversation, text=form.cleaned_data["text"])
    return _after_change(request, conversation)


def _check_can_ask(form: MessageForm, conversation: Conversation | None) -> None:
    if not is_configured():
        form.add_error(None, "The chat needs ANTHROPIC_API_KEY. Use the tool console meanwhile.")
    elif conversation and conversation.state == Conversation.State.WAITING:
        form.add_error("text", "Approve or reject the waiting tool call first.")
    elif conversation and conversation.state == Conversation.State.REPLYING:
        form.add_error("text", "Wait for the current reply to finish.")


@viewer_required
@require_POST
def retry(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _after_change(request, _own(request, pk))


@finance_admin_required
@require_POST
def approve(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    call = _own_call(request, pk)
    async_to_sync(runner.approve)(call.pk, signed_in(request))
    return _after_change(request, call.conversation)


@finance_admin_required
@require_POST
def reject(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    call = _own_call(request, pk)
    runner.reject(call.pk, signed_in(request))
    return _after_change(request, call.conversation)


def _own_call(request: HtmxHttpRequest, pk: int) -> ToolCall:
    call = ToolCall.objects.select_related("conversation").filter(pk=pk, conversation__user=signed_in(request)).first()
    if call is None:
        raise Http404("no such tool call")
    return call


def _after_change(request: HtmxHttpRequest, conversation: Conversation) -> HttpResponse:
    """htmx: the transcript, whose live region starts the stream. Plain HTML: run the turn here."""
    conversation.refresh_from_db()  # the change just made (an approval resuming the turn) is in the row
    if request.htmx:
        return _body(request, conversation)
    if is_configured():
        async_to_sync(_drain)(conversation, signed_in(request))
    return redirect(reverse("dashboard:chat:conversation", args=[conversation.pk]))


async def _drain(conversation: Conversation, user: User) -> None:
    async for _ in runner.reply(conversation, user, streaming=False):
        pass


async def stream(request: HtmxHttpRequest, pk: int) -> HttpResponseBase:
    user = await request.auser()
    if isinstance(user, AnonymousUser) or not await sync_to_async(can_read)(user):
        return HttpResponseForbidden("Log in with a dashboard role to use the chat.")
    conversation = await sync_to_async(transcript.conversation_for)(user=user, pk=pk)
    if conversation is None:
        raise Http404("no such conversation")
    response = StreamingHttpResponse(_events(conversation, user), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # a proxy must pass each event on at once
    return response


async def _events(conversation: Conversation, user: User) -> AsyncIterator[str]:
    async for kind, value in runner.reply(conversation, user):
        if kind == "tool":
            value = await sync_to_async(_card_html)(conversation, value)
        yield f"event: {kind}\ndata: {json.dumps(value)}\n\n"


def _card_html(conversation: Conversation, tool_use_id: str) -> str:
    call = ToolCall.objects.get(conversation=conversation, tool_use_id=tool_use_id)
    return render_to_string("dashboard/chat/_tool_card.html", {"call": display.card(call), "can_write": False})
