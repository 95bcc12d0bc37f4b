"""Price plans and invoices over the Togai API (togai-api.md §11, §14)."""

from __future__ import annotations

from typing import Any

from billing_admin import schemas as s
from billing_admin.actors import Actor
from billing_admin.errors import NotFoundError, UnsupportedError

from . import shapes
from .client import TogaiClient

LIST_LIMIT = 50
# Hosted Togai statuses our invoice schema lacks, shown as the nearest one: a refund follows a payment,
# and a merged invoice lives on inside its composite invoice.
HOSTED_STATUSES = {"REFUND_INITIATED": "PAID", "REFUND_COMPLETED": "PAID", "MERGED": "VOID"}
BILLABLE_KEYS = ("usageMeterId", "featureId", "id")


class BillingOps:
    client: TogaiClient

    # price plans

    def create_price_plan(self, request: s.CreatePricePlanRequest, *, actor: Actor) -> s.PricePlan:
        if self.client.extended:  # a Billing Admin creates and finalizes a plan in one call
            body = self.client.request(
                "POST",
                "/v2/price_plans",
                json={"type": "BILLING", **shapes.body_of(request)},
                headers=shapes.idempotency(request),
            )
            return shapes.parse(s.PricePlan, shapes.price_plan(body))
        # hosted Togai: create the draft, add the rate cards, finalize (togai-api.md §11)
        payload = {"type": "BILLING", **shapes.body_of(request, exclude={"rateCards"})}
        plan_id = self.client.request("POST", "/v2/price_plans", json=payload)["id"]
        operations = [
            {"actionType": "CREATE", "rateCardName": card["name"], "rateCard": card}
            for card in _togai_rate_cards(request)
        ]
        self.client.request("POST", f"/v2/price_plans/{plan_id}/rate_cards", json={"operations": operations})
        self.client.request("POST", f"/v2/price_plans/{plan_id}/finalize", json={})
        body = self.client.get(f"/v2/price_plans/{plan_id}", version="ACTIVE")
        body["rateCards"] = list(self.client.pages(f"/v2/price_plans/{plan_id}/rate_cards"))
        return shapes.parse(s.PricePlan, shapes.price_plan(body))

    def list_price_plans(self, request: s.ListPricePlansRequest, *, actor: Actor) -> s.PricePlanPage:
        body = self.client.get("/v2/price_plans", pageSize=request.pageSize, nextToken=request.nextToken)
        data = [shapes.parse(s.PricePlan, shapes.price_plan(p)) for p in body.get("data") or []]
        return s.PricePlanPage(data=data, nextToken=body.get("nextToken"))

    def list_rate_cards(self, request: s.ListRateCardsRequest, *, actor: Actor) -> s.RateCardList:
        plan_id = request.pricePlanId
        try:
            cards = list(self.client.pages(f"/v2/price_plans/{plan_id}/rate_cards"))
        except NotFoundError:
            # the tool accepts a plan's name too; hosted Togai only knows ids
            plan = next((p for p in self.client.pages("/v2/price_plans") if p.get("name") == plan_id), None)
            if plan is None:
                raise
            plan_id = plan["id"]
            cards = list(self.client.pages(f"/v2/price_plans/{plan_id}/rate_cards"))
        plan_id = next((c["pricePlanId"] for c in cards if c.get("pricePlanId")), plan_id)
        data = [shapes.parse(s.plans.RateCard, shapes.rate_card(c, plan_id=plan_id)) for c in cards]
        return s.RateCardList(pricePlanId=plan_id, data=data)

    # invoices

    def list_invoices(self, request: s.ListInvoicesRequest, *, actor: Actor) -> s.InvoicePage:
        body = self.client.get(
            "/invoices",
            pageSize=min(request.pageSize, LIST_LIMIT),
            nextToken=request.nextToken,
            status=request.status,
            owner_id=request.accountId,
            customer_id=request.customerId,
            start_time=shapes.epoch_ms(request.startTime),
            end_time=shapes.epoch_ms(request.endTime),
        )
        currencies: dict[str, str] = {}
        data = [shapes.parse(s.invoices.InvoiceSummary, self._invoice(i, currencies)) for i in body.get("data") or []]
        return s.InvoicePage(data=data, nextToken=body.get("nextToken"))

    def get_invoice(self, request: s.GetInvoiceRequest, *, actor: Actor) -> s.Invoice:
        return shapes.parse(s.Invoice, self._invoice(self.client.get(f"/invoices/{request.invoiceId}"), {}))

    def update_invoice_status(self, request: s.UpdateInvoiceStatusRequest, *, actor: Actor) -> s.Invoice:
        # hosted Togai's invoice update takes the status alone; the reason stays in our audit trail
        exclude = {"invoiceId"} if self.client.extended else {"invoiceId", "reason"}
        body = self.client.request(
            "PATCH",
            f"/invoices/{request.invoiceId}",
            json=shapes.body_of(request, exclude=exclude),
            headers=shapes.idempotency(request),
        )
        return shapes.parse(s.Invoice, self._invoice(body, {}))

    def generate_invoices(self, request: s.GenerateInvoicesRequest, *, actor: Actor) -> s.GenerateInvoicesResponse:
        if not self.client.extended:
            raise UnsupportedError(
                "hosted Togai closes billing cycles on its own schedule and has no endpoint to close them now; "
                "its invoices turn DUE after each plan's grace period (see list_invoices)"
            )
        body = self.client.request(
            "POST",
            "/invoices/generate",
            json=shapes.body_of(request),
            headers=shapes.idempotency(request),
            extension=True,
        )
        return shapes.parse(s.GenerateInvoicesResponse, body)

    def _invoice(self, data: dict[str, Any], currencies: dict[str, str]) -> dict[str, Any]:
        """Hosted Togai's invoices carry no currency field: it is the owning account's."""
        data = dict(data)
        if "currency" not in data and data.get("ownerId"):
            owner = data["ownerId"]
            if owner not in currencies:
                account = shapes.account(self.client.get(f"/accounts/{owner}"))
                currencies[owner] = account["invoiceCurrency"]
            data["currency"] = currencies[owner]
        data.setdefault("customerId", "")
        data.setdefault("ownerId", "")
        data.setdefault("startDate", data.get("invoiceDate"))
        data.setdefault("endDate", data.get("invoiceDate"))
        status = data.get("status")
        data["status"] = HOSTED_STATUSES.get(status, status) if isinstance(status, str) else status
        if isinstance(data.get("revenueInfo"), dict):
            data["revenueInfo"] = _line(data["revenueInfo"])
        return data


def _line(item: dict[str, Any]) -> dict[str, Any]:
    """A hosted line item for our schema: metadata values as text, children likewise."""
    item = dict(item)
    if isinstance(item.get("metadata"), dict):
        item["metadata"] = {str(k): str(v) for k, v in item["metadata"].items()}
    item["lineItems"] = [_line(child) for child in item.get("lineItems") or [] if isinstance(child, dict)]
    return item


def _togai_rate_cards(request: s.CreatePricePlanRequest) -> list[dict[str, Any]]:
    """Togai's RateCardData needs `billableId` and a name; ours derives them from the details."""
    cards = []
    for index, card in enumerate(request.rateCards):
        body = card.model_dump(mode="python", exclude_none=True)
        details = next(iter(body["rateCardDetails"].values()))
        billable = body.get("billableId") or next((details[k] for k in BILLABLE_KEYS if details.get(k)), None)
        if billable:
            body["billableId"] = billable
        body.setdefault("name", f"{card.type.lower()}_{index + 1}")
        cards.append(body)
    return cards
