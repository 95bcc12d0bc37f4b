"""A small hosted-Togai look-alike for the client tests: Togai's paths, bodies, status codes and
answers as `togai-api.md` describes them, kept in memory and served over real HTTP from a thread.

It is deliberately as strict as hosted Togai where the client must adapt: it has no OpenAPI
document, refuses fields Togai does not know (`pricePlanId` on accounts, `rateCards` on a plan, a
`reason` on an invoice update), creates meters, schemas and plans as drafts, answers a created
customer without timestamps, lists accounts unfiltered and ingests batches with 207 `details.errors`.
Tests queue faults (`fail`, `stall`) to see retries, backoff and error mapping.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

API_KEY = "togai-test-key"
READ_ONLY_KEY = "togai-read-only-key"
NOW = "2026-11-01T00:00:00Z"


class Refusal(Exception):
    def __init__(self, status: int, message: str) -> None:
        self.status, self.message = status, message


@dataclass
class Fault:
    method: str
    path: str
    status: int
    times: int
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    headers: dict[str, str]
    at: float


def _page(items: list[dict], query: dict[str, str], key: str = "data") -> dict[str, Any]:
    size = int(query.get("pageSize") or 50)
    start = 0
    if query.get("nextToken"):
        start = json.loads(base64.b64decode(query["nextToken"]))["lastItemId"]
    chunk = items[start : start + size]
    more = start + size < len(items)
    token = base64.b64encode(json.dumps({"lastItemId": start + size, "pageSize": size}).encode()).decode()
    return {key: chunk, "nextToken": token if more else None}


def _numbers(value: Any) -> Any:
    """Decimals as JSON numbers, the way hosted Togai sends money."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_numbers(v) for v in value]
    return value


def _only(body: dict[str, Any], allowed: set[str], what: str) -> None:
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise Refusal(400, f"Unrecognized field '{unknown[0]}' in {what}")


class FakeTogai:
    def __init__(self) -> None:
        self.customers: dict[str, dict] = {}
        self.accounts: dict[str, dict] = {}
        self.schemas: dict[str, dict] = {}
        self.meters: dict[str, dict] = {}
        self.plans: dict[str, dict] = {}
        self.rate_cards: dict[str, list[dict]] = {}
        self.schedules: dict[str, list[dict]] = {}
        self.staged: dict[str, list[dict]] = {}
        self.events: list[dict] = []
        self.invoices: dict[str, dict] = {}
        self.wallets: dict[str, dict] = {}
        self.credits: list[dict] = []
        self.features: dict[tuple[str, str], dict] = {}
        self.seen: list[Seen] = []
        self.faults: list[Fault] = []
        self.stalls: dict[str, float] = {}
        self.bare_credit_array = False
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)

    # test controls ---------------------------------------------------------------------------

    def start(self) -> FakeTogai:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fail(
        self,
        method: str,
        path: str,
        status: int,
        *,
        times: int = 1,
        headers: dict[str, str] | None = None,
        body: Any = None,
    ) -> None:
        self.faults.append(Fault(method, path, status, times, headers or {}, body))

    def stall(self, path: str, seconds: float) -> None:
        self.stalls[path] = seconds

    def calls(self, method: str, path: str) -> list[Seen]:
        return [s for s in self.seen if s.method == method and s.path == path]

    def add_invoice(self, **fields: Any) -> dict:
        invoice = {
            "id": f"inv.{next(self._ids)}.x",
            "invoiceClass": "INVOICE",
            "invoiceType": "STANDARD",
            "status": "DUE",
            "totalAmount": 100,
            "paidAmount": 0,
            "netTermDays": 30,
            "invoiceDate": "2026-10-01T00:00:00Z",
            "startDate": "2026-09-01T00:00:00Z",
            "endDate": "2026-10-01T00:00:00Z",
            "updatedAt": "2026-10-01T00:00:00Z",
            **fields,
        }
        self.invoices[invoice["id"]] = invoice
        return invoice

    # HTTP ------------------------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                # headers and body go out as separate writes: without this, Nagle and delayed ACKs
                # add ~40 ms to every answer
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def log_message(self, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                url = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(url.query).items()}
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw, parse_float=Decimal) if raw else None
                except ValueError:
                    body = raw
                status, answer, headers = fake.answer(self.command, url.path, query, body, dict(self.headers))
                if isinstance(answer, bytes):
                    data = answer
                else:
                    data = json.dumps(_numbers(answer)).encode() if answer is not None else b""
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_DELETE = _serve

        return Handler

    def answer(self, method: str, path: str, query: dict, body: Any, headers: dict) -> tuple[int, Any, dict]:
        with self._lock:
            self.seen.append(Seen(method, path, query, body, headers, time.monotonic()))
            fault = next((f for f in self.faults if f.method == method and f.path == path and f.times), None)
            if fault:
                fault.times -= 1
        if path in self.stalls:
            time.sleep(self.stalls[path])
        if fault:
            return fault.status, fault.body or {"message": f"fault {fault.status}"}, fault.headers
        token = headers.get("Authorization", "").removeprefix("Bearer ")
        if token not in (API_KEY, READ_ONLY_KEY):
            return 401, {"message": "Invalid credentials"}, {}
        if token == READ_ONLY_KEY and method != "GET":
            return 403, {"message": "This token has no access to the resource"}, {}
        for verb, pattern, handler in ROUTES:
            match = re.fullmatch(pattern, path)
            if verb == method and match:
                try:
                    with self._lock:
                        status, answer = handler(self, *match.groups(), query=query, body=body or {})
                except Refusal as refusal:
                    return refusal.status, {"message": refusal.message}, {}
                return status, answer, {}
        return 404, {"message": "Not Found"}, {}

    # customers and accounts ------------------------------------------------------------------

    def _account_of(self, ref: str) -> dict:
        for account in self.accounts.values():
            if ref == account["id"] or ref in [a["alias"] for a in account.get("aliases", [])]:
                return account
        raise Refusal(404, f"Account with id {ref} not found")

    def create_customer(self, *, query: dict, body: dict) -> tuple[int, Any]:
        _only(body, {"id", "name", "primaryEmail", "address", "settings", "account"}, "CreateCustomerRequest")
        for required in ("id", "name", "primaryEmail", "address"):
            if required not in body:
                raise Refusal(400, f"{required} is required")
        if body["id"] in self.customers:
            raise Refusal(409, f"Customer with id {body['id']} already exists")
        address = body["address"]
        customer = {
            "id": body["id"],
            "togaiCustomerId": f"customer.{next(self._ids)}.x",
            "name": body["name"],
            "primaryEmail": body["primaryEmail"],
            "billingAddress": ", ".join(str(v) for v in address.values()),
            "address": address,
            "status": "ACTIVE",
            "createdAt": NOW,
            "updatedAt": NOW,
        }
        self.customers[customer["id"]] = customer
        shown = ("id", "togaiCustomerId", "name", "primaryEmail", "billingAddress", "address")
        answer = {k: customer[k] for k in shown}  # no status, no timestamps
        if body.get("account"):
            _, answer["account"] = self.create_account(query={}, body={**body["account"], "customerId": body["id"]})
        return 201, answer

    def get_customer(self, customer_id: str, *, query: dict, body: dict) -> tuple[int, Any]:
        if customer_id not in self.customers:
            raise Refusal(404, "Customer not found")
        return 200, self.customers[customer_id]

    def patch_customer(self, customer_id: str, *, query: dict, body: dict) -> tuple[int, Any]:
        _only(body, {"name", "primaryEmail", "address"}, "UpdateCustomerRequest")
        _, customer = self.get_customer(customer_id, query=query, body=body)
        customer.update(body, updatedAt="2026-11-02T00:00:00Z")
        return 200, customer

    def list_customers(self, *, query: dict, body: dict) -> tuple[int, Any]:
        return 200, _page(list(self.customers.values()), query)

    def create_account(self, *, query: dict, body: dict) -> tuple[int, Any]:
        allowed = {"id", "name", "customerId", "invoiceCurrency", "aliases", "address", "primaryEmail", "netTermDays",
                   "metadata", "tags", "status", "settings", "billingInformation"}  # fmt: skip
        _only(body, allowed, "CreateAccountRequest")
        if body["customerId"] not in self.customers:
            raise Refusal(404, f"Customer with id {body['customerId']} not found")
        if body["id"] in self.accounts:
            raise Refusal(409, f"Account with id {body['id']} already exists")
        account = {
            **{k: v for k, v in body.items() if k != "aliases"},
            "togaiAccountId": f"account.{next(self._ids)}.x",
            "togaiCustomerId": self.customers[body["customerId"]]["togaiCustomerId"],
            "invoiceCurrency": body.get("invoiceCurrency", "USD"),
            "aliases": [{"alias": a} for a in body.get("aliases", [])],
            "status": body.get("status", "ACTIVE"),
        }
        self.accounts[account["id"]] = account
        return 201, account

    def get_account(self, account_id: str, *, query: dict, body: dict) -> tuple[int, Any]:
        return 200, self._account_of(account_id)

    def patch_account(self, account_id: str, *, query: dict, body: dict) -> tuple[int, Any]:
        allowed = {"name", "status", "invoiceCurrency", "netTermDays", "primaryEmail", "billingInformation", "address",
                   "metadata", "tags"}  # fmt: skip
        _only(body, allowed, "UpdateAccountRequest")
        account = self._account_of(account_id)
        account.update(body)
        return 200, account

    def list_accounts(self, *, query: dict, body: dict) -> tuple[int, Any]:
        return 200, _page(list(self.accounts.values()), query)  # org-wide: no customer filter

    def edit_schedules(self, account_id: str, *, query: dict, body: dict) -> tuple[int, Any]:
        self._account_of(account_id)
        for edit in body["edits"]:
            if edit["associationConfig"]["pricePlanId"] not in self.plans:
                raise Refusal(400, "Price plan not found")
        self.staged[account_id] = body["edits"]
        return 200, {"accountId": account_id, "pricingSchedules": []}

    def finalize_schedules(self, account_id: str, *, query: dict, body: dict) -> tuple[int, Any]:
        edits = self.staged.pop(account_id, [])
        for edit in edits:
            self.schedules.setdefault(account_id, []).append(
                {
                    "id": f"sch.{next(self._ids)}.x",
                    "accountId": account_id,
                    "pricePlanId": edit["associationConfig"]["pricePlanId"],
                    "startDate": edit["effectiveFrom"],
                    "endDate": edit["effectiveUntil"],
                }  # fmt: skip
            )
        return 200, {"data": self.schedules.get(account_id, [])}

    # metering --------------------------------------------------------------------------------

    def get_schema(self, name: str, *, query: dict, body: dict) -> tuple[int, Any]:
        if name not in self.schemas:
            raise Refusal(404, f"Event schema {name} not found")
        return 200, self.schemas[name]

    def create_schema(self, *, query: dict, body: dict) -> tuple[int, Any]:
        self.schemas[body["name"]] = {**body, "version": 1, "status": "DRAFT"}
        return 201, self.schemas[body["name"]]

    def activate_schema(self, name: str, *, query: dict, body: dict) -> tuple[int, Any]:
        self.schemas[name]["status"] = "ACTIVE"
        return 200, self.schemas[name]

    def create_meter(self, *, query: dict, body: dict) -> tuple[int, Any]:
        schema = self.schemas.get(body.get("eventSchemaName"))
        if schema is None or schema["status"] != "ACTIVE":
            raise Refusal(400, f"Event schema {body.get('eventSchemaName')} is not active")
        meter = {**body, "id": f"um.{next(self._ids)}.x", "displayName": body.get("billableName") or body["name"],
                 "status": "DRAFT", "createdAt": NOW}  # fmt: skip
        self.meters[meter["id"]] = meter
        return 201, meter

    def activate_meter(self, meter_id: str, *, query: dict, body: dict) -> tuple[int, Any]:
        self.meters[meter_id]["status"] = "ACTIVE"
        return 200, self.meters[meter_id]

    def list_meters(self, *, query: dict, body: dict) -> tuple[int, Any]:
        return 200, _page(list(self.meters.values()), query)

    def _event_status(self, event: dict) -> str:
        try:
            self._account_of(event["accountId"])
        except Refusal:
            return "INGESTION_FAILED_ACCOUNT_NOT_FOUND"
        return "INGESTION_COMPLETED_EVENT_METERED"

    def ingest(self, *, query: dict, body: dict) -> tuple[int, Any]:
        event = body["event"]
        self.events.append({"referenceId": f"event.{next(self._ids)}.x", "eventPayload": event,
                            "ingestionStatus": {"status": self._event_status(event)}, "createdAt": NOW})  # fmt: skip
        return 202, {"success": True}

    def ingest_batch(self, *, query: dict, body: dict) -> tuple[int, Any]:
        errors = []
        for event in body["events"]:
            if self._event_status(event) == "INGESTION_FAILED_ACCOUNT_NOT_FOUND":
                errors.append({"message": f"Account {event['accountId']} not found", "eventPayload": event})
            else:
                self.ingest(query=query, body={"event": event})
        if errors:
            return 207, {"success": False, "statusCode": 207, "details": {"errors": errors}}
        return 202, {"success": True}

    def list_events(self, *, query: dict, body: dict) -> tuple[int, Any]:
        events = [e for e in self.events if query.get("account_id") in (None, e["eventPayload"]["accountId"])]
        return 200, _page(events, query, key="events")

    def metrics(self, *, query: dict, body: dict) -> tuple[int, Any]:
        results = []
        for q in body["metricQueries"]:
            if q.get("groupBy") == "ACCOUNT_ID":  # one series per account, in one bucket
                counts: dict[str, int] = {}
                for event in self.events:
                    account = event["eventPayload"]["accountId"]
                    counts[account] = counts.get(account, 0) + 1
                data = [{"groupedBy": {"fieldName": "ACCOUNT_ID", "fieldValue": account},
                         "timestamps": [body["startTime"]], "metricValues": [count]}
                        for account, count in counts.items()]  # fmt: skip
            else:
                data = [{"timestamps": [body["startTime"]], "metricValues": [len(self.events)]}]
            results.append({"id": q["id"], "name": q["name"], "data": data})
        return 200, {"results": results}

    # price plans -----------------------------------------------------------------------------

    def create_plan(self, *, query: dict, body: dict) -> tuple[int, Any]:
        allowed = {"name", "description", "type", "pricingCycleConfig", "supportedCurrencies", "deferredRevenue",
                   "allowOngoingCycleUpdates"}  # fmt: skip
        _only(body, allowed, "CreatePricePlanV2Request")
        plan = {**body, "id": f"pp.{next(self._ids)}.x", "referenceId": "ref", "version": 1, "status": "DRAFT",
                "createdAt": NOW, "updatedAt": NOW}  # fmt: skip
        self.plans[plan["id"]] = plan
        self.rate_cards[plan["id"]] = []
        return 200, plan

    def plan_rate_cards(self, plan_id: str, *, query: dict, body: dict) -> tuple[int, Any]:
        cards = []
        for op in body["operations"]:
            if not op["rateCard"].get("billableId"):
                raise Refusal(400, "billableId is required")
            cards.append({**op["rateCard"], "name": op["rateCardName"], "pricePlanId": plan_id,
                          "referenceId": plan_id, "referenceType": "PRICE_PLAN"})  # fmt: skip
        self.rate_cards[plan_id].extend(cards)
        return 200, {"rateCards": cards}

    def finalize_plan(self, plan_id: str, *, query: dict, body: dict) -> tuple[int, Any]:
        self.plans[plan_id]["status"] = "ACTIVE"
        return 200, {"success": True}

    def get_plan(self, plan_id: str, *, query: dict, body: dict) -> tuple[int, Any]:
        if plan_id not in self.plans:
            raise Refusal(404, "Price plan not found")
        return 200, self.plans[plan_id]

    def list_plan_rate_cards(self, plan_id: str, *, query: dict, body: dict) -> tuple[int, Any]:
        if plan_id not in self.plans:
            raise Refusal(404, "Price plan not found")
        return 200, _page(self.rate_cards[plan_id], query)

    def list_plans(self, *, query: dict, body: dict) -> tuple[int, Any]:
        return 200, _page(list(self.plans.values()), query)

    # invoices and money ----------------------------------------------------------------------

    def list_invoices(self, *, query: dict, body: dict) -> tuple[int, Any]:
        invoices = [
            i for i in self.invoices.values()
            if query.get("status") in (None, i["status"]) and query.get("owner_id") in (None, i.get("ownerId"))
            and query.get("customer_id") in (None, i.get("customerId"))
        ]  # fmt: skip
        return 200, _page(invoices, query)

    def get_invoice(self, invoice_id: str, *, query: dict, body: dict) -> tuple[int, Any]:
        if invoice_id not in self.invoices:
            raise Refusal(404, "Invoice not found")
        return 200, self.invoices[invoice_id]

    def patch_invoice(self, invoice_id: str, *, query: dict, body: dict) -> tuple[int, Any]:
        _only(body, {"status"}, "UpdateInvoiceRequest")
        _, invoice = self.get_invoice(invoice_id, query=query, body=body)
        invoice["status"] = body["status"]
        return 200, invoice

    def get_wallet(self, account_id: str, *, query: dict, body: dict) -> tuple[int, Any]:
        account = self._account_of(account_id)
        if account["id"] not in self.wallets:
            raise Refusal(404, "Wallet not found")
        return 200, self.wallets[account["id"]]

    def top_up(self, account_id: str, *, query: dict, body: dict) -> tuple[int, Any]:
        _only(body, {"topupAmount"}, "WalletTopupRequest")
        account = self._account_of(account_id)
        wallet = self.wallets.setdefault(
            account["id"],
            {
                "id": f"wallet.{next(self._ids)}.x",
                "accountId": account["id"],
                "customerId": account["customerId"],
                "balance": Decimal(0),
                "creditUnit": account["invoiceCurrency"],
                "status": "ACTIVE",
                "holdAmount": 0,
                "effectiveFrom": NOW,
            },  # fmt: skip
        )
        wallet["balance"] += Decimal(body["topupAmount"])
        return 200, wallet

    def credit_balance(self, account_id: str, *, query: dict, body: dict) -> tuple[int, Any]:
        account = self._account_of(account_id)
        active = sum((Decimal(c["creditAmount"]) for c in self.credits if c["accountId"] == account["id"]), Decimal(0))
        return 200, {"activeCredits": active, "availableBalance": active, "runningBalance": active,
                     "inapplicableCredits": 0, "unit": account["invoiceCurrency"], "lastUpdatedAt": NOW}  # fmt: skip

    def grant_credits(self, *, query: dict, body: dict) -> tuple[int, Any]:
        granted = []
        for request in body["creditRequests"]:
            account = self._account_of(request["accountId"])
            credit = {**request, "id": f"cred.{next(self._ids)}.x", "customerId": account["customerId"],
                      "status": "ACTIVE", "creditUnit": account["invoiceCurrency"], "holdAmount": 0,
                      "consumedAmount": 0, "createdAt": NOW}  # fmt: skip
            self.credits.append(credit)
            granted.append(credit)
        return 200, granted if self.bare_credit_array else {"credits": granted}

    def entitlements(self, account_id: str, *, query: dict, body: dict) -> tuple[int, Any]:
        account = self._account_of(account_id)
        values = [{"featureId": fid, "value": "true"} for (acc, fid) in self.features if acc == account["id"]]
        return 200, {"data": values}

    def feature(self, account_id: str, feature_id: str, *, query: dict, body: dict) -> tuple[int, Any]:
        account = self._account_of(account_id)
        if (account["id"], feature_id) not in self.features:
            raise Refusal(404, "Feature not found")
        return 200, {"accountId": account["id"], "featureId": feature_id, **self.features[(account["id"], feature_id)]}


_ID = r"([^/]+)"
ROUTES = [
    ("POST", "/customers", FakeTogai.create_customer),
    ("GET", "/customers", FakeTogai.list_customers),
    ("GET", f"/customers/{_ID}", FakeTogai.get_customer),
    ("PATCH", f"/customers/{_ID}", FakeTogai.patch_customer),
    ("POST", "/accounts", FakeTogai.create_account),
    ("GET", "/accounts", FakeTogai.list_accounts),
    ("GET", f"/accounts/{_ID}", FakeTogai.get_account),
    ("PATCH", f"/accounts/{_ID}", FakeTogai.patch_account),
    ("POST", f"/v2/accounts/{_ID}/edit_schedules", FakeTogai.edit_schedules),
    ("POST", f"/v2/accounts/{_ID}/finalize_schedules", FakeTogai.finalize_schedules),
    ("GET", f"/event_schema/{_ID}", FakeTogai.get_schema),
    ("POST", "/event_schema", FakeTogai.create_schema),
    ("POST", f"/event_schema/{_ID}/activate", FakeTogai.activate_schema),
    ("POST", "/usage_meters", FakeTogai.create_meter),
    ("GET", "/usage_meters", FakeTogai.list_meters),
    ("POST", f"/usage_meters/{_ID}/activate", FakeTogai.activate_meter),
    ("POST", "/ingest", FakeTogai.ingest),
    ("POST", "/ingestBatch", FakeTogai.ingest_batch),
    ("GET", "/events", FakeTogai.list_events),
    ("POST", "/metrics", FakeTogai.metrics),
    ("POST", "/v2/price_plans", FakeTogai.create_plan),
    ("GET", "/v2/price_plans", FakeTogai.list_plans),
    ("GET", f"/v2/price_plans/{_ID}", FakeTogai.get_plan),
    ("POST", f"/v2/price_plans/{_ID}/rate_cards", FakeTogai.plan_rate_cards),
    ("GET", f"/v2/price_plans/{_ID}/rate_cards", FakeTogai.list_plan_rate_cards),
    ("POST", f"/v2/price_plans/{_ID}/finalize", FakeTogai.finalize_plan),
    ("GET", "/invoices", FakeTogai.list_invoices),
    ("GET", f"/invoices/{_ID}", FakeTogai.get_invoice),
    ("PATCH", f"/invoices/{_ID}", FakeTogai.patch_invoice),
    ("GET", f"/accounts/{_ID}/wallet", FakeTogai.get_wallet),
    ("POST", f"/accounts/{_ID}/wallet_topup", FakeTogai.top_up),
    ("GET", f"/accounts/{_ID}/credit_balance", FakeTogai.credit_balance),
    ("POST", "/credits", FakeTogai.grant_credits),
    ("GET", f"/accounts/{_ID}/entitlements", FakeTogai.entitlements),
    ("GET", f"/accounts/{_ID}/features/{_ID}", FakeTogai.feature),
]
