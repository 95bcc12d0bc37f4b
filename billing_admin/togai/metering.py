"""Usage meters, ingestion, events and metrics over the Togai API (togai-api.md §4, §5, §7, §17)."""

from __future__ import annotations

import re
import uuid
from typing import Any

from billing_admin import schemas as s
from billing_admin.actors import Actor
from billing_admin.errors import InvalidInputError, NotFoundError
from billing_admin.schemas.event_bounds import attributes_problem

from . import shapes
from .client import TogaiClient

LIST_LIMIT = 50  # Togai's documented page-size maximum on the newer lists
UNITS_INVALID = "INGESTION_FAILED_UNITS_INVALID"
FIELD_REF = re.compile(r"\b(attribute|dimension)s?\.([A-Za-z0-9_-]+)")


class MeteringOps:
    client: TogaiClient

    def create_usage_meter(self, request: s.CreateUsageMeterRequest, *, actor: Actor) -> s.UsageMeter:
        if not self.client.extended:
            self._ensure_schema(request)
        body = self.client.request(
            "POST", "/usage_meters", json=shapes.body_of(request), headers=shapes.idempotency(request)
        )
        if body.get("status") == "DRAFT":  # hosted Togai creates meters as drafts: activate it
            body = self.client.request("POST", f"/usage_meters/{body['id']}/activate")
        body.setdefault("eventSchemaName", request.eventSchemaName)
        return shapes.parse(s.UsageMeter, shapes.meter(body))

    def _ensure_schema(self, request: s.CreateUsageMeterRequest) -> None:
        """Hosted Togai meters need an ACTIVE event schema first (togai-api.md §6); create it from the
        attribute and dimension names the meter uses, as the tool promises."""
        name = request.eventSchemaName
        try:
            schema = self.client.get(f"/event_schema/{name}")
        except NotFoundError:
            attributes, dimensions = _fields_named(request)
            schema = self.client.request(
                "POST",
                "/event_schema",
                json={
                    "name": name,
                    "description": f"created for usage meter {request.name}",
                    "attributes": [{"name": a} for a in attributes],
                    "dimensions": [{"name": d} for d in dimensions],
                },
            )
        if schema.get("status") != "ACTIVE":
            self.client.request("POST", f"/event_schema/{name}/activate")

    def list_usage_meters(self, request: s.ListUsageMetersRequest, *, actor: Actor) -> s.UsageMeterPage:
        body = self.client.get(
            "/usage_meters",
            pageSize=request.pageSize,
            nextToken=request.nextToken,
            status=request.status,
            aggregations=request.aggregation,
        )
        data = [shapes.parse(s.UsageMeter, shapes.meter(m)) for m in body.get("data") or []]
        return s.UsageMeterPage(data=data, nextToken=body.get("nextToken"))

    def ingest_event(self, request: s.IngestEventRequest, *, actor: Actor) -> s.IngestEventResponse:
        units = attributes_problem(request.event.attributes)
        if units is not None:  # refused as the embedded engine refuses it
            where, _, problem = units.partition(": ")
            raise InvalidInputError(
                units, details={"fields": {f"event.{where}": problem}, "status": "INGESTION_FAILED_UNITS_INVALID"}
            )
        event = _with_id(request.event)
        body = self.client.request("POST", "/ingest", json={"event": event})
        # hosted Togai answers only {"success": true}: the outcome is processed asynchronously
        body.setdefault("eventId", event["id"])
        body.setdefault("status", "INGESTION_IN_PROGRESS")
        return shapes.parse(s.IngestEventResponse, body)

    def ingest_batch_events(self, request: s.IngestBatchRequest, *, actor: Actor) -> s.IngestBatchResponse:
        """Malformed events were set aside when the request was read: they are named by their index in
        the request as sent, and so is each event the server refuses."""
        failed = [
            s.FailedEvent(index=index, eventId=aside.event_id, status="INGESTION_FAILED", message=aside.reason)
            for index, aside in request.malformed.items()
        ]
        numbered = []
        for index, event in request.numbered():
            units = attributes_problem(event.attributes)
            if units is None:
                numbered.append((index, _with_id(event)))
            else:  # refused as the embedded engine refuses it
                failed.append(s.FailedEvent(index=index, eventId=event.id, status=UNITS_INVALID, message=units))
        accepted = duplicates = 0
        if numbered:
            body = self.client.request("POST", "/ingestBatch", json={"events": [e for _, e in numbered]})
            refused = self._refused(body, numbered)
            failed += refused
            accepted = len(numbered) - len(refused)
            duplicates = int(body.get("duplicates") or 0)
        failed.sort(key=lambda f: f.index)
        return s.IngestBatchResponse(success=not failed, accepted=accepted, duplicates=duplicates, failed=failed)

    def _refused(self, body: dict[str, Any], numbered: list[tuple[int, dict[str, Any]]]) -> list[s.FailedEvent]:
        if "failed" in body:  # a Billing Admin names each refused event by its index in what was sent
            return [
                s.FailedEvent.model_validate({**f, "index": numbered[f["index"]][0]})
                for f in body["failed"]
                if isinstance(f, dict) and isinstance(f.get("index"), int) and 0 <= f["index"] < len(numbered)
            ]
        # hosted Togai: 207 with {"details": {"errors": [{"message", "eventPayload"}]}}
        positions = {event["id"]: index for index, event in numbered}
        refused = []
        for error in (body.get("details") or {}).get("errors") or []:
            event_id = (error.get("eventPayload") or {}).get("id")
            refused.append(
                s.FailedEvent(
                    index=positions.get(event_id, -1),
                    eventId=event_id,
                    status="INGESTION_FAILED",
                    message=str(error.get("message") or "refused by the Togai API"),
                )
            )
        return refused

    def list_events(self, request: s.ListEventsRequest, *, actor: Actor) -> s.EventPage:
        params = {
            "status": request.status,
            "account_id": request.accountId,
            "schema_name": request.schemaName,
        }
        if self.client.extended or not (request.startTime or request.endTime):
            body = self.client.get(
                "/events",
                pageSize=min(request.pageSize, LIST_LIMIT),
                nextToken=request.nextToken,
                start_time=shapes.epoch_ms(request.startTime),
                end_time=shapes.epoch_ms(request.endTime),
                **params,
            )
            items, token = body.get("events") or [], body.get("nextToken")
        else:  # hosted Togai's event list has no time filter: apply it here
            items, token = shapes.filtered_pages(
                self.client,
                "/events",
                page_size=request.pageSize,
                next_token=request.nextToken,
                keep=lambda item: _within(item, request),
                key="events",
                **params,
            )
        return s.EventPage(data=[_event(item) for item in items], nextToken=token)

    def get_metrics(self, request: s.GetMetricsRequest, *, actor: Actor) -> s.GetMetricsResponse:
        return shapes.parse(s.GetMetricsResponse, self.client.request("POST", "/metrics", json=shapes.body_of(request)))


def _fields_named(request: s.CreateUsageMeterRequest) -> tuple[list[str], list[str]]:
    texts = [f.field for f in request.filters]
    texts += [part for c in request.computations for part in (c.matcher or "", c.computation)]
    found = FIELD_REF.findall(" ".join(texts))
    attributes = sorted({name for kind, name in found if kind == "attribute"})
    dimensions = sorted({name for kind, name in found if kind == "dimension"})
    return attributes, dimensions


def _event(item: dict[str, Any]) -> s.EventWithStatus:
    item = dict(item)
    item.setdefault("customerId", "")
    info = item.get("ingestionStatus") or {}
    item["ingestionStatus"] = {
        "status": info.get("status", "UNKNOWN"),
        "statusDescription": info.get("statusDescription", ""),
    }
    return shapes.parse(s.EventWithStatus, item)


def _within(item: dict[str, Any], request: s.ListEventsRequest) -> bool:
    try:
        when = s.events.EventPayload.model_validate(item.get("eventPayload") or {}).timestamp
    except ValueError:
        return False
    return (request.startTime is None or when >= request.startTime) and (
        request.endTime is None or when < request.endTime
    )


def _with_id(event: s.events.Event) -> dict[str, Any]:
    """The event as Togai JSON with an id, so a retry is never counted twice and the answer can name it."""
    body = event.model_dump(mode="python", exclude_none=True)
    body.setdefault("id", str(uuid.uuid4()))
    return body
