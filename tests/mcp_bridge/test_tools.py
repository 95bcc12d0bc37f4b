"""Every tool is well formed, and bad input comes back as an error result the model can act on."""

from __future__ import annotations

import anyio
import pytest

from billing_admin import schemas as s
from billing_admin.engine.models import Customer, Event, PricePlan
from billing_admin.operations import BY_NAME, OPERATIONS, TOOL_NAMES_19
from mcp_bridge.tool_schema import walk_objects

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def tools(connect_http, write_token):
    async def scenario():
        async with connect_http(write_token.raw) as client:
            return (await client.list_tools()).tools

    return {tool.name: tool for tool in anyio.run(scenario)}


def test_there_is_one_tool_per_operation_including_the_19(tools):
    assert set(tools) == {op.name for op in OPERATIONS}
    assert set(TOOL_NAMES_19) <= set(tools)


def test_every_tool_has_a_title_and_a_description_written_for_a_model(tools):
    for tool in tools.values():
        assert tool.title, tool.name
        assert len(tool.description) >= 60, tool.name
        assert tool.description.startswith(BY_NAME[tool.name].description), tool.name


def test_every_input_schema_is_closed_and_self_contained(tools):
    for tool in tools.values():
        schema = tool.input_schema
        assert schema["type"] == "object", tool.name
        assert "$defs" not in schema and "$ref" not in str(schema), tool.name
        for path, obj in walk_objects(schema):
            assert obj.get("additionalProperties") is False, f"{tool.name}: {path} is open"


def test_every_input_field_has_a_description(tools):
    missing = [
        f"{tool.name}: {path}.{name}"
        for tool in tools.values()
        for path, obj in walk_objects(tool.input_schema)
        for name, prop in obj["properties"].items()
        if not prop.get("description")
    ]
    assert not missing, missing


def test_every_tool_has_an_output_schema(tools):
    for tool in tools.values():
        assert tool.output_schema and tool.output_schema["type"] == "object", tool.name


def test_reads_are_marked_read_only_and_writes_carry_destructive_and_idempotent_hints(tools):
    for op in OPERATIONS:
        hints = tools[op.name].annotations
        if op.kind == "read":
            assert hints.read_only_hint is True, op.name
        else:
            assert hints.read_only_hint is False, op.name
            assert hints.destructive_hint is op.destructive, op.name
            assert hints.idempotent_hint is op.idempotent, op.name


BAD_INPUT = [
    # (tool, arguments, words the message must contain)
    ("list_customers", {"colour": "red"}, ["colour", "unknown field"]),
    ("list_customers", {"pageSize": "many"}, ["pageSize"]),
    ("list_customers", {"pageSize": 500}, ["pageSize"]),
    ("get_customer", {}, ["customerId", "required"]),
    ("get_customer", {"customerId": "cust_nope"}, ["not_found", "cust_nope", "list_customers"]),
    ("get_account", {"accountId": "acc_nope"}, ["not_found", "acc_nope"]),
    ("create_customer", {"id": "cust_1", "name": "Acme Corp", "primaryEmail": "not-an-email"}, ["primaryEmail"]),
    # PostgreSQL cannot store a NUL character: the same field error as the REST API, not an internal failure.
    ("create_customer", {"id": "cust_2", "name": "Ac\u0000me", "primaryEmail": "ap@acme.example"}, ["name", "NUL"]),
    ("get_customer", {"customerId": "cust\u0000"}, ["customerId", "NUL"]),
    (
        "create_account",
        {"id": "acc_9", "name": "Acme Ops", "customerId": "cust_nope", "invoiceCurrency": "XYZ"},
        ["invoiceCurrency"],
    ),
    ("grant_credit", {"accountId": "acc_1", "creditAmount": "-5", "purpose": "Refund"}, ["creditAmount"]),
    (
        "ingest_event",
        {"event": {"schemaName": "api_call", "timestamp": "yesterday", "accountId": "acc_1"}},
        ["event.timestamp"],
    ),
    (
        "create_price_plan",
        {
            "name": "Usage Pro",
            "supportedCurrencies": ["USD"],
            "pricingCycleConfig": {"interval": "MONTHLY"},
            "rateCards": [
                {
                    "type": "USAGE",
                    "rateCardDetails": {
                        "usageRateCard": {
                            "usageMeterId": "um_nope",
                            "ratePlan": {"pricingModel": "TIERED", "slabs": [{"order": 1, "startAfter": "0"}]},
                            "rateValues": [{"currency": "USD", "slabRates": [{"order": 1, "rate": "0.10"}]}],
                        }
                    },
                }
            ],
        },
        ["usageMeterId", "list_usage_meters"],
    ),
    ("check_entitlement", {"accountId": "acc_nope", "featureId": "ai_queries"}, ["not_found", "acc_nope"]),
    ("list_invoices", {"status": "OPEN"}, ["status", "DRAFT", "call list_invoices again"]),
    ("no_such_tool", {}, ["unknown tool", "no_such_tool"]),
]


def test_bad_input_comes_back_as_an_error_result_naming_the_problem(connect_http, write_token, text_of):
    async def scenario():
        async with connect_http(write_token.raw) as client:
            return [await client.call_tool(tool, arguments) for tool, arguments, _ in BAD_INPUT]

    for (tool, _, words), result in zip(BAD_INPUT, anyio.run(scenario), strict=True):
        text = text_of(result)
        assert result.is_error, f"{tool}: {text}"
        for word in words:
            assert word in text, f"{tool}: {word!r} not in {text!r}"
        assert "Traceback" not in text and "billing_admin." not in text and ".py" not in text
    assert not Customer.objects.exists() and not PricePlan.objects.exists()


def test_a_repeated_id_is_a_conflict_that_names_the_next_step(connect_http, write_token, text_of):
    customer = {"id": "cust_dup", "name": "Acme Corp", "primaryEmail": "ap@acme.example"}

    async def scenario():
        async with connect_http(write_token.raw) as client:
            await client.call_tool("create_customer", customer)
            return await client.call_tool("create_customer", {**customer, "name": "Acme Again"})

    result = anyio.run(scenario)
    assert result.is_error
    assert "conflict" in text_of(result) and "cust_dup" in text_of(result)
    assert Customer.objects.get().name == "Acme Corp"


def test_a_result_is_structured_with_a_text_rendering_that_carries_every_fact(
    connect_http, write_token, assert_text_carries_every_fact
):
    async def scenario():
        async with connect_http(write_token.raw) as client:
            await client.call_tool(
                "create_customer",
                {
                    "id": "cust_1",
                    "name": "Acme | Partners",
                    "primaryEmail": "ap@acme.example",
                    "address": {"city": "Berlin", "country": "DE"},
                    "account": {"id": "acc_1", "name": "Acme Production", "aliases": ["acme-prod"]},
                },
            )
            return await client.call_tool("get_customer", {"customerId": "cust_1"})

    result = anyio.run(scenario)
    assert result.structured_content["accounts"][0]["id"] == "acc_1"
    assert_text_carries_every_fact(result)


def test_a_batch_refuses_only_the_events_holding_a_nul_character(connect_http, write_token, customer, service, actor):
    service.create_usage_meter(
        s.CreateUsageMeterRequest(name="api_calls", aggregation="COUNT", eventSchemaName="api_requests"), actor=actor
    )

    def event(event_id: str, region: str) -> dict:
        return {"id": event_id, "schemaName": "api_requests", "accountId": "acc_987",
                "timestamp": "2026-11-20T12:00:00Z", "dimensions": {"region": region}}  # fmt: skip

    async def scenario():
        async with connect_http(write_token.raw) as client:
            return await client.call_tool(
                "ingest_batch_events", {"events": [event("nul-1", "e\u0000u"), event("ok-1", "eu")]}
            )

    result = anyio.run(scenario)
    assert not result.is_error
    answer = result.structured_content
    assert answer["accepted"] == 1
    [refused] = answer["failed"]
    assert refused["index"] == 0 and refused["eventId"] == "nul-1" and "dimensions.region" in refused["message"]
    assert list(Event.objects.values_list("event_id", flat=True)) == ["ok-1"]


def test_text_that_spells_the_nul_escape_is_ingested_as_sent(connect_http, write_token, customer, service, actor):
    service.create_usage_meter(
        s.CreateUsageMeterRequest(name="api_calls", aggregation="COUNT", eventSchemaName="api_requests"), actor=actor
    )
    spelled = "\\u0000"  # a backslash and five characters, not a NUL: nothing to refuse

    async def scenario():
        async with connect_http(write_token.raw) as client:
            return await client.call_tool("ingest_batch_events", {"events": [
                {"id": f"id {spelled}", "schemaName": "api_requests", "accountId": "acc_987",
                 "timestamp": "2026-11-20T12:00:00Z", "dimensions": {"region": spelled}},
            ]})  # fmt: skip

    result = anyio.run(scenario)
    assert not result.is_error and result.structured_content["accepted"] == 1
    stored = Event.objects.get()
    assert stored.event_id == f"id {spelled}" and stored.dimensions == {"region": spelled}
