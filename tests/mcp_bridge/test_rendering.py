"""The text rendering: every fact of the structured result, in fewer tokens than its JSON."""

from __future__ import annotations

import json
import re

from mcp_bridge.rendering import render

TOKEN = re.compile(r"\w+|[^\w\s]")


def tokens(text: str) -> int:
    return len(TOKEN.findall(text))


PAGE = {
    "data": [
        {"id": "inv_1", "ownerId": "acc_1", "status": "DRAFT", "currency": "USD", "totalAmount": "470.00"},
        {"id": "inv_2", "ownerId": "acc_2", "status": "DRAFT", "currency": "USD", "totalAmount": "12.50"},
    ],
    "nextToken": None,
}


def test_a_page_becomes_a_table_with_shared_values_hoisted():
    assert render(PAGE) == (
        "data (2):\n"
        "  each: status=DRAFT, currency=USD\n"
        "  id | ownerId | totalAmount\n"
        "  inv_1 | acc_1 | 470.00\n"
        "  inv_2 | acc_2 | 12.50"
    )


def test_an_object_becomes_key_value_lines_with_nested_objects_indented():
    text = render({"accountId": "acc_1", "balance": {"currency": "USD", "amount": "5.00"}, "tags": ["a", "b"]})
    assert text == "accountId: acc_1\nbalance:\n  currency: USD\n  amount: 5.00\ntags: [a; b]"


def test_nulls_and_empty_lists_are_left_out():
    assert render({"id": "x", "address": None, "tags": [], "metadata": {}}) == "id: x"


def test_booleans_are_written_in_json_spelling():
    assert render({"entitled": False}) == "entitled: false"


def test_a_pipe_in_a_table_cell_is_escaped():
    text = render({"data": [{"name": "A | B"}, {"name": "C"}]})
    assert "A \\| B" in text


def test_nested_objects_in_a_table_cell_stay_on_one_line():
    text = render({"data": [{"id": "c1", "address": {"city": "Berlin", "country": "DE"}}]})
    assert "c1 | {city=Berlin, country=DE}" in text


def test_an_empty_result_says_so():
    assert render({}) == "(empty)"


def test_the_text_is_far_shorter_than_the_json():
    assert tokens(render(PAGE)) < 0.6 * tokens(json.dumps(PAGE, separators=(",", ":")))


def test_nested_objects_in_rows_become_dotted_columns_when_that_is_shorter():
    rows = [
        {"id": f"evt_{n}", "payload": {"schemaName": "api_call", "accountId": "acc_1", "units": str(n)}}
        for n in range(3)
    ]
    assert render({"data": rows}) == (
        "data (3):\n"
        "  each: payload.schemaName=api_call, payload.accountId=acc_1\n"
        "  id | payload.units\n"
        "  evt_0 | 0\n"
        "  evt_1 | 1\n"
        "  evt_2 | 2"
    )


def test_items_nesting_items_under_the_same_key_are_one_indented_tree():
    invoice = {
        "lineItems": [
            {
                "description": "Charges",
                "value": "306.60",
                "lineItems": [
                    {"description": "API calls", "value": "257.60", "quantity": "2970", "lineItems": []},
                    {"description": "Platform fee", "value": "49.00", "quantity": "1", "lineItems": []},
                ],
            }
        ]
    }
    assert render(invoice) == (
        "lineItems (tree of 3; each child indented under its parent):\n"
        "  description | value | quantity\n"
        "  Charges | 306.60\n"
        "    API calls | 257.60 | 2970\n"
        "    Platform fee | 49.00 | 1"
    )


def test_parallel_lists_are_written_side_by_side():
    series = {"timestamps": ["2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z"], "metricValues": ["231", "390"]}
    assert render(series) == (
        "timestamps | metricValues (2):\n  2026-11-01T00:00:00Z | 231\n  2026-11-02T00:00:00Z | 390"
    )


def test_a_list_of_one_object_holding_lists_is_written_as_that_object():
    page = {"data": [{"id": "pp_1", "rateCards": [{"name": "a", "rate": "1"}, {"name": "b", "rate": "2"}]}]}
    assert render(page) == "data (1):\n  id: pp_1\n  rateCards (2):\n    name | rate\n    a | 1\n    b | 2"


def test_trailing_empty_cells_are_left_out():
    text = render({"data": [{"id": "a", "note": "x"}, {"id": "b", "note": None}]})
    assert text.splitlines()[-1] == "  b"


def test_an_empty_page_says_it_has_no_items():
    assert render({"data": [], "nextToken": None}) == "data (0): none"
