"""Usage meters and price plans: lists, details with slab tables, the meter form and the plan builder,
whose request is exactly a create_price_plan request."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from billing_admin import schemas as s
from billing_admin.service import call
from tests.dashboard.conftest import HTMX
from tests.dashboard.factories import meter, tiered_plan

pytestmark = pytest.mark.django_db


class TestMeters:
    def test_the_list_links_each_meter(self, viewer, actor):
        meter_id = meter(actor)
        page = viewer.get(reverse("dashboard:meter-list")).content.decode()
        assert "API requests" in page and reverse("dashboard:meter-detail", args=[meter_id]) in page

    def test_the_detail_shows_the_definition_and_a_usage_chart(self, viewer, actor):
        meter_id = meter(actor)
        page = viewer.get(reverse("dashboard:meter-detail", args=["api_requests"])).content.decode()
        assert meter_id in page and "attribute.units" in page and "Usage, last 30 days" in page
        assert '<svg class="chart"' in page

    def test_an_unknown_meter_is_a_404(self, viewer, db):
        assert viewer.get(reverse("dashboard:meter-detail", args=["nope"])).status_code == 404

    def test_a_finance_admin_creates_a_sum_meter(self, admin, db):
        data = {"name": "gb_stored", "eventSchemaName": "storage", "aggregation": "SUM", "attribute": "gb",
                "filters": "dimension.region=eu", "billableName": "Storage"}  # fmt: skip
        response = admin.post(reverse("dashboard:meter-create"), data, **HTMX)
        made = call("list_usage_meters", {}, actor=None).data[0]
        assert response["HX-Redirect"] == reverse("dashboard:meter-detail", args=[made.id])
        assert (made.aggregation, made.computations[0].computation) == ("SUM", '{"var": "attribute.gb"}')
        assert [(f.field, f.value) for f in made.filters] == [("dimension.region", "eu")]

    def test_a_sum_meter_without_an_attribute_is_an_inline_error(self, admin, db):
        data = {"name": "gb", "eventSchemaName": "storage", "aggregation": "SUM"}
        response = admin.post(reverse("dashboard:meter-create"), data, **HTMX)
        assert "a SUM meter needs the attribute it adds up" in response.content.decode()

    def test_a_taken_name_is_an_inline_error(self, admin, actor):
        meter(actor)
        data = {"name": "api_requests", "eventSchemaName": "api_requests", "aggregation": "COUNT"}
        response = admin.post(reverse("dashboard:meter-create"), data, **HTMX)
        assert response.status_code == 200 and 'id="id_name_errors"' in response.content.decode()


class TestPlans:
    def test_the_list_shows_each_plan(self, viewer, actor):
        plan_id = tiered_plan(actor, meter(actor))
        page = viewer.get(reverse("dashboard:plan-list")).content.decode()
        assert "Growth" in page and reverse("dashboard:plan-detail", args=[plan_id]) in page

    def test_the_detail_shows_rate_cards_as_slab_tables(self, viewer, actor):
        plan_id = tiered_plan(actor, meter(actor))
        page = viewer.get(reverse("dashboard:plan-detail", args=[plan_id])).content.decode()
        assert "Tiered pricing" in page and "<strong>API requests</strong>" in page
        assert "$0.10" in page and "$0.08" in page and "1,000" in page and "and beyond" in page
        assert "Platform fee" in page and "$49.00" in page

    def test_the_detail_is_found_by_name_too(self, viewer, actor):
        tiered_plan(actor, meter(actor))
        assert viewer.get(reverse("dashboard:plan-detail", args=["Growth"])).status_code == 200

    def test_an_unknown_plan_is_a_404(self, viewer, db):
        assert viewer.get(reverse("dashboard:plan-detail", args=["pp.nope"])).status_code == 404


def builder_data(meter_id: str, **extra) -> dict:
    data = {
        "name": "Growth", "currency": "usd", "interval": "MONTHLY", "gracePeriod": "0", "fixedFee": "49",
        "cards-TOTAL_FORMS": "1", "cards-INITIAL_FORMS": "0", "cards-MIN_NUM_FORMS": "0", "cards-MAX_NUM_FORMS": "20",
        "cards-0-usageMeterId": meter_id, "cards-0-displayName": "API requests", "cards-0-pricingModel": "TIERED",
        "cards-0-slabs": "0 0.10\n1000 0.08",
    }  # fmt: skip
    return {**data, **extra}


class TestPlanBuilder:
    url = reverse("dashboard:plan-create")

    def test_the_preview_is_a_create_price_plan_request(self, admin, actor):
        meter_id = meter(actor)
        response = admin.post(self.url, builder_data(meter_id, preview="1"), **HTMX)
        preview = json.loads(response.context["preview"])
        request = s.CreatePricePlanRequest.model_validate(preview)  # the operation's own schema accepts it
        assert request.supportedCurrencies == ["USD"]
        usage = request.rateCards[0].rateCardDetails.usageRateCard
        assert [str(slab.startAfter) for slab in usage.ratePlan.slabs] == ["0", "1000"]
        assert [str(rate.rate) for rate in usage.rateValues[0].slabRates] == ["0.10", "0.08"]
        assert [card.type for card in request.rateCards] == ["USAGE", "FIXED_FEE"]
        assert not call("list_price_plans", {}, actor=actor).data  # a preview creates nothing

    def test_it_creates_the_plan_it_previewed(self, admin, actor):
        meter_id = meter(actor)
        response = admin.post(self.url, builder_data(meter_id), **HTMX)
        plan = call("list_price_plans", {}, actor=actor).data[0]
        assert response["HX-Redirect"] == reverse("dashboard:plan-detail", args=[plan.id])
        built = call("list_rate_cards", {"pricePlanId": plan.id}, actor=actor).data
        assert [card.type for card in built] == ["USAGE", "FIXED_FEE"]

    def test_adding_a_card_keeps_what_was_typed_and_shows_no_errors(self, admin, actor):
        meter_id = meter(actor)
        response = admin.post(self.url, builder_data(meter_id, name="", add_card="1"), **HTMX)
        body = response.content.decode()
        assert "Usage card 2" in body and 'value="49"' in body
        assert "This field is required." not in body

    def test_bad_slabs_are_an_inline_error(self, admin, actor):
        response = admin.post(self.url, builder_data(meter(actor), **{"cards-0-slabs": "5 0.10"}), **HTMX)
        assert "the first slab must start at 0" in response.content.decode()

    def test_a_plan_without_any_card_is_an_inline_error(self, admin, actor):
        data = builder_data("", fixedFee="", **{"cards-0-slabs": "0 0.10", "cards-0-displayName": ""})
        response = admin.post(self.url, data, **HTMX)
        assert "Add at least one rate card" in response.content.decode()

    def test_a_taken_name_comes_back_from_the_service_on_the_name_field(self, admin, actor):
        meter_id = meter(actor)
        tiered_plan(actor, meter_id)
        response = admin.post(self.url, builder_data(meter_id), **HTMX)
        assert response.status_code == 200 and 'id="id_name_errors"' in response.content.decode()
