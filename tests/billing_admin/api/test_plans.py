from __future__ import annotations

import pytest

from .conftest import plan_body

pytestmark = pytest.mark.django_db


def test_a_plan_is_created_finalized_with_togais_reference_ids(pro):
    assert pro["status"] == "ACTIVE" and pro["id"].startswith("pp.") and pro["referenceId"] == pro["id"]
    assert [c["type"] for c in pro["rateCards"]] == ["USAGE", "BILLING_ENTITLEMENT"]
    assert all(c["referenceId"] == pro["id"] and c["referenceType"] == "PRICE_PLAN" for c in pro["rateCards"])
    usage = pro["rateCards"][0]["rateCardDetails"]["usageRateCard"]
    assert usage["rateValues"][0]["slabRates"][0]["rate"] == 0.1  # a JSON number, as Togai sends it


def test_a_plan_without_rate_cards_is_a_400_that_explains_the_one_call_create(api, meter):
    body = plan_body(meter["id"])
    del body["rateCards"]
    response = api.post("v2/price_plans", body)
    assert response.status_code == 400
    assert response.json()["message"].startswith("rateCards: required")


@pytest.mark.parametrize(
    ("change", "field"),
    [({"type": "PURCHASE"}, "type"), ({"deferredRevenue": True}, "deferredRevenue"), ({"name": ""}, "name")],
)
def test_what_the_engine_does_not_offer_is_a_400_naming_the_field(api, meter, change, field):
    response = api.post("v2/price_plans", {**plan_body(meter["id"]), **change})
    assert response.status_code == 400
    assert field in response.json()["message"]


def test_a_rate_card_naming_an_unknown_meter_is_a_400_naming_the_field(api, meter):
    response = api.post("v2/price_plans", plan_body("um.nothing.here"))
    assert response.status_code == 400
    assert "rateCards[0].rateCardDetails.usageRateCard.usageMeterId" in response.json()["message"]


def test_plans_are_listed_and_found_by_id_or_name(api, pro):
    listed = api.get("v2/price_plans").json()
    assert [p["id"] for p in listed["data"]] == [pro["id"]] and listed["data"][0]["referenceId"] == pro["id"]
    assert api.get(f"v2/price_plans/{pro['id']}").json()["name"] == "Pro"
    assert api.get("v2/price_plans/Pro").json()["id"] == pro["id"]
    assert api.get("v2/price_plans/pp.unknown").status_code == 404


def test_rate_cards_are_listed_in_togais_page(api, pro):
    body = api.get(f"v2/price_plans/{pro['id']}/rate_cards").json()
    assert body["nextToken"] is None and len(body["data"]) == 2
    assert body["data"][0]["referenceType"] == "PRICE_PLAN"


def test_finalizing_a_plan_succeeds_because_it_already_is(api, pro):
    response = api.post(f"v2/price_plans/{pro['id']}/finalize")
    assert response.status_code == 200 and response.json() == {"success": True}
    assert api.post("v2/price_plans/pp.unknown/finalize").status_code == 404


def test_editing_a_finalized_plans_rate_cards_is_a_409_that_says_what_to_do(api, pro):
    response = api.post(f"v2/price_plans/{pro['id']}/rate_cards", {"operations": []})
    assert response.status_code == 409
    assert "create a new plan" in response.json()["message"]


def test_a_meter_is_found_by_id_and_activating_it_is_a_no_op(api, meter, reader):
    assert api.get(f"usage_meters/{meter['id']}").json()["name"] == "api_units"
    response = api.post(f"usage_meters/{meter['id']}/activate")
    assert response.status_code == 200 and response.json()["status"] == "ACTIVE"
    assert reader.post(f"usage_meters/{meter['id']}/activate").status_code == 403
    assert api.get("usage_meters/um.none").status_code == 404


def test_an_account_is_assigned_a_plan_with_a_patch(api, on_pro):
    assert api.get("accounts/acc_987").json()["pricePlanId"] == on_pro["id"]


def test_a_plan_is_assigned_with_togais_schedule_edit_and_finalize(api, pro):
    edit = {"mode": "ASSOCIATE", "effectiveFrom": "2026-01-01", "effectiveUntil": "9999-01-01",
            "associationConfig": {"pricePlanId": pro["id"]}}  # fmt: skip
    response = api.post("v2/accounts/acc_987/edit_schedules", {"edits": [edit]})
    assert response.status_code == 200, response.content
    assert response.json()["pricingSchedules"][0]["pricePlanId"] == pro["id"]
    [schedule] = api.post("v2/accounts/acc_987/finalize_schedules", {}).json()["data"]
    assert schedule["pricePlanInfo"]["name"] == "Pro" and schedule["startDate"] == "2026-01-01T00:00:00Z"
    assert api.get("v2/accounts/acc_987/schedules", mode="ACTIVE").json()["data"] == [schedule]
    assert api.get("v2/accounts/acc_987/schedules").json()["data"][0]["pricePlanId"] == pro["id"]


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        ({"mode": "DISASSOCIATE"}, "edits.0.mode"),
        ({"effectiveUntil": "2027-01-01"}, "edits.0.effectiveUntil"),
        ({"effectiveFrom": "soon"}, "edits.0.effectiveFrom"),
        ({"associationConfig": {}}, "edits.0.associationConfig.pricePlanId"),
    ],
)
def test_schedule_edits_this_engine_cannot_make_are_400s_naming_the_field(api, pro, edit, field):
    body = {"effectiveFrom": "2026-01-01", "associationConfig": {"pricePlanId": pro["id"]}, **edit}
    response = api.post("v2/accounts/acc_987/edit_schedules", {"edits": [body]})
    assert response.status_code == 400 and field in response.json()["details"]["fields"]


def test_an_account_without_a_plan_has_no_schedule(api, acme):
    assert api.get("v2/accounts/acc_987/schedules").json()["data"] == []
