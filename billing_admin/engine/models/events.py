from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models

from .customers import Account

if TYPE_CHECKING:
    from billing_admin.schemas.events import IngestionStatus
    from billing_admin.schemas.meters import Aggregation

# Usage quantities are stored as integer millionths so sums stay exact on SQLite too.
QUANTITY_SCALE = 6


class EventSchema(models.Model):
    STATUSES = [("DRAFT", "Draft"), ("ACTIVE", "Active"), ("INACTIVE", "Inactive"), ("ARCHIVED", "Archived")]

    name = models.CharField(max_length=50, unique=True)
    description = models.CharField(max_length=500, blank=True, default="")
    attributes = models.JSONField(default=list)  # [{"name": ..., "defaultUnit": ...}]
    dimensions = models.JSONField(default=list)  # [{"name": ...}]
    status = models.CharField(max_length=10, choices=STATUSES, default="ACTIVE")
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.name


class UsageMeter(models.Model):
    STATUSES = [("DRAFT", "Draft"), ("ACTIVE", "Active"), ("INACTIVE", "Inactive"), ("ARCHIVED", "Archived")]
    AGGREGATIONS = [("COUNT", "Count"), ("SUM", "Sum")]

    meter_id = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=50, unique=True)
    billable_name = models.CharField(max_length=255, blank=True, default="")
    description = models.CharField(max_length=500, blank=True, default="")
    type = models.CharField(max_length=10, default="COUNTER")
    aggregation: models.CharField[Aggregation, Aggregation] = models.CharField(max_length=5, choices=AGGREGATIONS)
    event_schema = models.ForeignKey(EventSchema, on_delete=models.PROTECT, related_name="meters")
    filters = models.JSONField(default=list)  # [{"field": "dimension.region", "value": "eu"}]
    computations = models.JSONField(default=list)  # [{"matcher": str, "computation": str, "order": int}]
    status = models.CharField(max_length=10, choices=STATUSES, default="ACTIVE")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Event(models.Model):
    """One accepted usage event. `event_id` is the caller's idempotency key, unique forever.

    The event log is the one table that grows with usage, so each row costs as few index entries and
    checks as serve its readers. Its references carry no database constraint: only ingestion writes
    rows, resolving the account, schema and cycle in the same transaction; those rows are archived,
    never deleted (Django's PROTECT still guards an ORM delete); and a per-row check would lock the
    account row for every event. The composite indexes serve lookups by account and by schema."""

    event_id = models.CharField(max_length=512)  # unique through Meta: no pattern index beside it
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="events", db_constraint=False, db_index=False
    )
    schema = models.ForeignKey(
        EventSchema, on_delete=models.PROTECT, related_name="events", db_constraint=False, db_index=False
    )
    # The cycle the event was billed in; a closing cycle locks its row, so an event lands in one invoice.
    # No index of its own: a cycle's events are its account's over its span, which the account index
    # finds (`engine.assignments`, the one reader, asks that way), and every event would pay for one.
    cycle = models.ForeignKey(
        "engine.BillingCycle", null=True, blank=True, on_delete=models.PROTECT, related_name="events",
        db_constraint=False, db_index=False,
    )  # fmt: skip
    timestamp = models.DateTimeField()
    ingested_at = models.DateTimeField()
    account_ref = models.CharField(max_length=512)  # the id or alias the sender used
    attributes = models.JSONField(default=list)  # [{"name", "value", "unit"}] as sent
    dimensions = models.JSONField(default=dict)
    status: models.CharField[IngestionStatus, IngestionStatus] = models.CharField(max_length=50)
    meters = models.JSONField(default=list)  # [{"id": meter_id, "units": "12.5"}]

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event_id"], name="event_id_unique")]
        indexes = [
            models.Index(fields=["account", "-timestamp"]),
            models.Index(fields=["schema", "-timestamp"]),
        ]

    def __str__(self) -> str:
        return self.event_id


GRAINS = [("H", "Hour"), ("D", "Day")]


class UsageRollup(models.Model):
    """Metered usage per account and meter per hour and per day, so metrics read a few pre-aggregated
    rows instead of the events. Folded in from `MetricBacklog` (see `engine.metric_backlog`)."""

    # Derived rows, written only by folding: no database constraint, whose per-row check on insert costs
    # more than the insert itself (accounts and meters are archived, never deleted), and no index of
    # their own beside the key and the (grain, bucket, meter) index that every read uses.
    account = models.ForeignKey(Account, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False)
    meter = models.ForeignKey(UsageMeter, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False)
    grain = models.CharField(max_length=1, choices=GRAINS, default="H")
    bucket = models.DateTimeField()
    quantity_micros = models.BigIntegerField(default=0)
    events = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "meter", "grain", "bucket"], name="usage_rollup_key"),
        ]
        indexes = [models.Index(fields=["grain", "bucket", "meter"])]


class EventRollup(models.Model):
    """Event counts per account, schema and ingestion status, per hour and per day."""

    account = models.ForeignKey(Account, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False)  # as above
    schema = models.ForeignKey(EventSchema, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False)
    status = models.CharField(max_length=50)
    grain = models.CharField(max_length=1, choices=GRAINS, default="H")
    bucket = models.DateTimeField()
    events = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "schema", "status", "grain", "bucket"], name="event_rollup_key"),
        ]
        indexes = [models.Index(fields=["grain", "bucket"])]


class MetricBacklog(models.Model):
    """One committed batch's hourly metric deltas, waiting to be folded into the rollups. A batch writes
    one row here instead of a thousand rollup upserts; folding many batches at once touches each hour
    once. `payload` is compact JSON text: {"u": [[account, meter, hour, micros, events], …],
    "e": [[account, schema, status, hour, events], …]} with hours in epoch seconds."""

    payload = models.TextField()
