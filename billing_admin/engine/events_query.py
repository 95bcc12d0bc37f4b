"""Reading events back: the events explorer and list_events."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from billing_admin import schemas as s
from billing_admin.schemas.events import IngestionStatusInfo

from .accounts import account_resolve
from .filters import filter_given
from .ingestion import STATUS_TEXT
from .models import Event


def event_list(
    *,
    account_ref: str | None = None,
    schema_name: str | None = None,
    status: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> QuerySet[Event]:
    return filter_given(
        Event.objects.select_related("account__customer", "schema"),
        account=account_resolve(account_ref) if account_ref else None, schema__name=schema_name, status=status,
        timestamp__gte=start, timestamp__lt=end,
    )  # fmt: skip


def event_to_schema(event: Event) -> s.EventWithStatus:
    return s.EventWithStatus(
        referenceId=f"event.{event.pk}",
        eventPayload=s.Event(
            id=event.event_id,
            schemaName=event.schema.name,
            timestamp=event.timestamp,
            accountId=event.account_ref,
            attributes=event.attributes,
            dimensions=event.dimensions,
        ),
        ingestionStatus=IngestionStatusInfo(
            status=event.status, statusDescription=STATUS_TEXT.get(event.status, event.status)
        ),
        customerId=event.account.customer.customer_id,
        meters=[s.MeterCount(usageMeterId=m["id"], name=m["name"], units=m["units"]) for m in event.meters],
        createdAt=event.ingested_at,
    )
