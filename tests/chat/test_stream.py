"""The streaming path the panel uses: server-sent events from the async view."""

from __future__ import annotations

import anyio
import pytest
from django.test import AsyncClient
from django.urls import reverse

from dashboard.chat import transcript
from dashboard.models import Conversation

from .fake_messages_api import say, use

pytestmark = pytest.mark.django_db(transaction=True)


def events_of(body: str) -> list[tuple[str, str]]:
    frames = [f for f in body.split("\n\n") if f.strip()]
    return [tuple(line.split(": ", 1)[1] for line in frame.splitlines()) for frame in frames]


def stream(user, conversation: Conversation) -> str:
    async def fetch():
        client = AsyncClient()
        await client.aforce_login(user)
        response = await client.get(reverse("dashboard:chat:stream", args=[conversation.pk]))
        assert response["Content-Type"] == "text/event-stream"
        return b"".join([chunk async for chunk in response.streaming_content]).decode()

    return anyio.run(fetch)


def test_the_stream_sends_text_as_it_arrives_then_tool_cards_then_done(fiona, fake_api, org):
    conversation = transcript.conversation_start(user=fiona)
    transcript.question_ask(conversation, text="List the first 10 customers in my Togai account.")
    fake_api.script(use("list_customers", {"pageSize": 10}, text="Checking the customer list now."), say("Two."))

    events = events_of(stream(fiona, conversation))

    kinds = [kind for kind, _ in events]
    assert kinds[0] == "text" and kinds.count("text") > 2  # the first sentence arrives in pieces
    assert kinds[-1] == "done" and "tool" in kinds
    card = next(data for kind, data in events if kind == "tool")
    assert "list_customers" in card and "Acme Corp" in card
    conversation.refresh_from_db()
    assert conversation.state == Conversation.State.IDLE


def test_a_second_stream_for_a_finished_turn_runs_nothing(fiona, fake_api, org):
    conversation = transcript.conversation_start(user=fiona)
    transcript.question_ask(conversation, text="hello")
    fake_api.script(say("Hi."))
    stream(fiona, conversation)
    # The browser's EventSource reconnects on its own; that must not ask the model again.
    assert events_of(stream(fiona, conversation)) == [("done", '""')]
    assert len(fake_api.requests) == 1
