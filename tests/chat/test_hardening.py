"""What the model emits is checked before anything runs: a tool it was not shown is refused, a
tool_use id it re-emits is refused and never overwrites the record of the call that had it, and a
money move above its ceiling approved in the chat becomes a request for a second finance admin."""

from __future__ import annotations

import pytest
from django.urls import reverse

from billing_admin.approvals.models import Approval
from billing_admin.engine.models import AuditLog, Credit, Customer
from dashboard.models import Conversation, ToolCall

from .fake_messages_api import last_tool_result, say, tool_results, use, use_as

pytestmark = pytest.mark.django_db(transaction=True)

SEND = reverse("dashboard:chat:send")


def ask(client, text: str, conversation: Conversation | None = None):
    return client.post(SEND, {"text": text, "conversation": conversation.pk if conversation else ""})


def latest(user) -> Conversation:
    return Conversation.objects.filter(user=user).latest("id")


def shown(client, conversation: Conversation) -> str:
    return client.get(reverse("dashboard:chat:conversation", args=[conversation.pk])).content.decode()


def test_a_tool_name_that_was_not_listed_is_refused_and_never_run(fiona_client, fiona, fake_api, org):
    fake_api.script(
        use("delete_everything", {"confirm": True}),
        say(lambda r: "Told: " + last_tool_result(r)),
    )
    ask(fiona_client, "clean up")

    conversation = latest(fiona)
    tried = ToolCall.objects.get(conversation=conversation)
    assert tried.status == ToolCall.Status.DONE and tried.is_error
    sent = tool_results(fake_api.requests[1])[0]
    assert sent["is_error"] is True
    assert sent["content"].startswith("unknown tool 'delete_everything'; it did not run. The tools are: ")
    assert "grant_credit" in sent["content"] and "list_customers" in sent["content"]
    assert conversation.state == Conversation.State.IDLE
    assert not AuditLog.objects.filter(action="delete_everything").exists()


def test_a_write_tool_not_listed_to_a_viewer_is_refused_without_reaching_the_server(
    victor_client, victor, fake_api, org
):
    fake_api.script(
        use("create_customer", {"id": "cust_x", "name": "X", "primaryEmail": "x@x.example"}),
        say("I can only read."),
    )
    ask(victor_client, "make a customer")

    tried = ToolCall.objects.get(conversation=latest(victor))
    assert tried.is_error and tried.result_text.startswith("unknown tool 'create_customer'")
    assert "read-only session" in tried.result_text
    assert not Customer.objects.filter(customer_id="cust_x").exists()


def test_a_re_emitted_tool_use_id_is_refused_and_the_executed_record_keeps_its_arguments(
    fiona_client, fiona, fake_api, org
):
    fake_api.script(
        use_as("toolu_same", "get_account", {"accountId": "acc_987"}),
        say("Acme Production it is."),
        use_as("toolu_same", "grant_credit", {"accountId": "acc_987", "creditAmount": "900", "purpose": "Sneaky"}),
        say(lambda r: "Told: " + last_tool_result(r)),
    )
    ask(fiona_client, "show acme")
    conversation = latest(fiona)
    first = ToolCall.objects.get(conversation=conversation, tool_use_id="toolu_same")
    first_result = first.result_text

    ask(fiona_client, "now give them credit", conversation)

    first.refresh_from_db()
    assert (first.name, first.arguments, first.result_text) == ("get_account", {"accountId": "acc_987"}, first_result)
    refused = ToolCall.objects.get(conversation=conversation, name="grant_credit")
    assert refused.tool_use_id == "toolu_same_reused_1" and refused.status == ToolCall.Status.DONE
    assert refused.is_error and "tool_use id 'toolu_same' was already used" in refused.result_text
    sent = tool_results(fake_api.requests[3])[0]
    assert sent["tool_use_id"] == "toolu_same_reused_1" and sent["is_error"] is True
    ids = [b["id"] for m in fake_api.requests[3]["messages"] for b in m["content"] if b.get("type") == "tool_use"]
    assert ids == ["toolu_same", "toolu_same_reused_1"]  # the history the model sees stays valid
    assert not Credit.objects.exists()
    assert latest(fiona).state == Conversation.State.IDLE


def test_an_id_repeated_within_one_message_runs_only_the_first_call(fiona_client, fiona, fake_api, org):
    turn = use_as("toolu_twice", "get_account", {"accountId": "acc_987"})
    turn.tools.append(("get_account", {"accountId": "acc_vink_01"}, "toolu_twice"))
    fake_api.script(turn, say("Done."))
    ask(fiona_client, "show both")

    calls = {c.tool_use_id: c for c in ToolCall.objects.filter(conversation=latest(fiona))}
    assert set(calls) == {"toolu_twice", "toolu_twice_reused_1"}
    assert not calls["toolu_twice"].is_error and calls["toolu_twice"].arguments == {"accountId": "acc_987"}
    assert calls["toolu_twice_reused_1"].is_error


def test_a_grant_above_the_ceiling_approved_in_chat_waits_for_a_second_admin(fiona_client, fiona, fake_api, org):
    fake_api.script(
        use("grant_credit", {"accountId": "acc_987", "creditAmount": "1000000", "purpose": "Big settlement"}),
        say(lambda r: "Status: " + last_tool_result(r)),
    )
    ask(fiona_client, "Give Acme a million dollars of credit.")
    conversation = latest(fiona)
    pending = ToolCall.objects.get(conversation=conversation)

    fiona_client.post(reverse("dashboard:chat:approve", args=[pending.pk]))

    assert not Credit.objects.exists()
    approval = Approval.objects.get()
    assert (approval.operation, approval.requested_by_name, approval.requested_via) == ("grant_credit", "fiona", "chat")
    assert approval.arguments["idempotencyKey"] == f"chat-{pending.tool_use_id}"
    sent = tool_results(fake_api.requests[1])[0]
    assert sent["is_error"] is False
    assert sent["content"].startswith(
        "Not run yet: grant_credit of 1,000,000.00 USD on acc_987 is above the 100,000.00 USD limit, "
        "so a second finance admin must approve it."
    )
    assert f"Request #{approval.pk} is waiting" in sent["content"]
    page = shown(fiona_client, conversation)
    assert "Waiting for a second finance admin" in page and "Status: Not run yet" in page
    assert AuditLog.objects.filter(action="approval_request", door="chat").exists()


def test_a_grant_below_the_ceiling_approved_in_chat_runs_as_before(fiona_client, fiona, fake_api, org):
    fake_api.script(
        use("grant_credit", {"accountId": "acc_987", "creditAmount": "100000", "purpose": "Settlement"}),
        say("Granted."),
    )
    ask(fiona_client, "Give Acme 100k of credit.")
    pending = ToolCall.objects.get(conversation=latest(fiona))
    fiona_client.post(reverse("dashboard:chat:approve", args=[pending.pk]))

    assert Credit.objects.count() == 1 and not Approval.objects.exists()


def test_the_chat_card_follows_the_second_admins_decision(fiona_client, fiona, fake_api, org):
    from billing_admin.actors import Actor
    from billing_admin.approvals.services import approval_approve
    from tests.dashboard import factories

    fake_api.script(
        use("grant_credit", {"accountId": "acc_987", "creditAmount": "200000", "purpose": "Settlement"}),
        say("It is waiting for a second finance admin."),
    )
    ask(fiona_client, "Give Acme 200k of credit.")
    conversation = latest(fiona)
    fiona_client.post(reverse("dashboard:chat:approve", args=[ToolCall.objects.get(conversation=conversation).pk]))

    approval_approve(approval_id=Approval.objects.get().pk, actor=Actor.staff(factories.finance_admin("greta")))

    assert "Approved by greta · done" in shown(fiona_client, conversation)
    assert Credit.objects.get().amount_minor == 20_000_000
