"""The agent loop against a real Messages API server (scripted) through the real `anthropic` SDK,
with the tools reached through an in-process MCP session."""

from __future__ import annotations

from datetime import date

import anyio
import pytest

from billing_admin.actors import Actor
from billing_admin.operations import OPERATIONS
from mcp_bridge.agent import ApprovalNeeded, ChatAgent, Failed, Finished, TextDelta, ToolRan

from .fake_messages_api import fail, last_tool_result, overloaded, say, stall, tool_results, use

pytestmark = pytest.mark.django_db(transaction=True)

FIONA = Actor(kind="agent", name="chat agent for fiona", door="chat", user_id=1)


def run(agent: ChatAgent, question: str) -> list:
    async def collect():
        return [event async for event in agent.run([{"role": "user", "content": question}])]

    return anyio.run(collect)


def test_the_model_sees_every_published_tool_and_a_prompt_with_the_date_and_currency(fake_api, settings):
    settings.BILLING_CURRENCY = "EUR"
    fake_api.script(say("Hello."))
    run(ChatAgent(user_actor=FIONA, may_write=True, today=date(2026, 11, 23)), "hi")

    request = fake_api.requests[0]
    assert sorted(t["name"] for t in request["tools"]) == sorted(op.name for op in OPERATIONS)
    grant = next(t for t in request["tools"] if t["name"] == "grant_credit")
    assert grant["input_schema"]["additionalProperties"] is False
    assert "2026-11-23" in request["system"] and "EUR" in request["system"]
    assert "create_customer" in request["system"]  # the key path
    assert fake_api.headers[0]["authorization"] == "Bearer sk-test-chat"
    assert request["stream"] is True


def test_a_viewer_is_shown_only_the_read_tools(fake_api):
    fake_api.script(say("Hello."))
    run(ChatAgent(user_actor=FIONA, may_write=False), "hi")
    offered = {t["name"] for t in fake_api.requests[0]["tools"]}
    assert offered == {op.name for op in OPERATIONS if op.kind == "read"}
    assert "viewer" in fake_api.requests[0]["system"]


def test_text_streams_in_pieces_and_the_turn_ends_with_the_whole_answer(fake_api):
    fake_api.script(say("Acme Corp owes nothing this month."))
    events = run(ChatAgent(user_actor=FIONA, may_write=True), "what does acme owe?")
    deltas = [e.text for e in events if isinstance(e, TextDelta)]
    assert len(deltas) > 1 and "".join(deltas) == "Acme Corp owes nothing this month."
    assert isinstance(events[-1], Finished)


def test_a_tool_error_goes_back_to_the_model_which_recovers(fake_api, org):
    fake_api.script(
        use("get_account", {"accountId": "acme"}),
        use("list_accounts", {"customerId": "cust_123"}),
        say(lambda request: "Acme's account is acc_987." if "acc_987" in last_tool_result(request) else "lost"),
    )
    events = run(ChatAgent(user_actor=FIONA, may_write=True), "show me acme's account")

    ran = [e for e in events if isinstance(e, ToolRan)]
    assert ran[0].outcome.is_error and "not_found" in ran[0].outcome.text
    sent_back = tool_results(fake_api.requests[1])[0]
    assert sent_back["is_error"] is True and "list_accounts" in sent_back["content"]
    assert "".join(e.text for e in events if isinstance(e, TextDelta)).endswith("Acme's account is acc_987.")


def test_a_write_stops_the_turn_with_its_exact_arguments_and_a_repeat_safe_key(fake_api, org):
    fake_api.script(use("grant_credit", {"accountId": "acc_987", "creditAmount": "50", "purpose": "Outage"}))
    events = run(ChatAgent(user_actor=FIONA, may_write=True), "give acme 50 dollars of credit")

    waiting = events[-1]
    assert isinstance(waiting, ApprovalNeeded)
    (call,) = waiting.calls
    assert call.kind == "write" and call.name == "grant_credit"
    assert call.arguments == {
        "accountId": "acc_987",
        "creditAmount": "50",
        "purpose": "Outage",
        "idempotencyKey": f"chat-{call.id}",
    }
    assert len(fake_api.requests) == 1  # the model is not asked again until a person decides


def test_the_round_cap_stops_a_model_that_never_answers(fake_api, org):
    fake_api.script(*[use("list_customers", {"pageSize": 1}) for _ in range(3)])
    events = run(ChatAgent(user_actor=FIONA, may_write=True, max_rounds=3), "loop forever")
    assert isinstance(events[-1], Failed) and "3 rounds" in events[-1].message
    assert len(fake_api.requests) == 3


def test_an_overloaded_api_is_retried_then_reported_in_words(fake_api):
    fake_api.script(overloaded(), overloaded(), overloaded())
    events = run(ChatAgent(user_actor=FIONA, may_write=True), "hi")
    assert len(fake_api.requests) == 3  # the first try and the SDK's two retries
    assert isinstance(events[-1], Failed) and "overloaded" in events[-1].message.lower()
    assert not any(isinstance(e, TextDelta) for e in events)


def test_an_overload_that_clears_on_retry_goes_unnoticed(fake_api):
    fake_api.script(overloaded(), say("Back again."))
    events = run(ChatAgent(user_actor=FIONA, may_write=True), "hi")
    assert isinstance(events[-1], Finished)


def test_a_rate_limit_and_a_timeout_become_readable_messages(fake_api, settings):
    settings.ANTHROPIC_MAX_RETRIES = 0
    settings.ANTHROPIC_TIMEOUT = 0.5
    fake_api.script(fail(429, "rate_limit_error", "Too many requests"), stall(1.5))
    first = run(ChatAgent(user_actor=FIONA, may_write=True), "hi")[-1]
    second = run(ChatAgent(user_actor=FIONA, may_write=True), "hi")[-1]
    assert isinstance(first, Failed) and "rate limit" in first.message
    assert isinstance(second, Failed) and "did not answer in time" in second.message


def test_the_plain_json_api_works_the_same_as_the_stream(fake_api, org):
    fake_api.script(use("list_customers", {"pageSize": 10}), say(lambda r: last_tool_result(r)[:200]))
    events = run(ChatAgent(user_actor=FIONA, may_write=True, streaming=False), "customers?")
    assert "stream" not in fake_api.requests[0]
    assert "Acme Corp" in "".join(e.text for e in events if isinstance(e, TextDelta))
