"""Ninety days of usage with a daily and a weekly shape, ingested as if each day arrived on that day."""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta
from typing import Any

from billing_admin import schemas as s
from billing_admin.actors import Actor
from billing_admin.engine.ingestion import ingest_batch

from .organisation import TICKETS, accounts_with_volume

DAYS = 90
REGIONS = ("us-east", "eu-west", "ap-south")


def _shape(at: datetime) -> float:
    """Busy in working hours, quiet at night; weekends at 40%."""
    daily = 0.35 + 0.65 * max(0.0, math.sin(math.pi * (at.hour - 6) / 16)) if 6 <= at.hour <= 22 else 0.35
    weekly = 0.4 if at.weekday() >= 5 else 1.0
    return daily * weekly


def day_events(day: datetime, rng: random.Random) -> list[dict[str, Any]]:
    events = []
    for account_id, base in accounts_with_volume():
        for hour in range(24):
            at = day + timedelta(hours=hour, minutes=rng.randrange(60))
            units = max(1, round(base * _shape(at) * rng.uniform(0.8, 1.2)))
            events.append({
                "id": f"demo-{account_id}-api-{at:%Y%m%d%H}", "schemaName": "api_requests", "accountId": account_id,
                "timestamp": at.isoformat(), "attributes": [{"name": "units", "value": str(units), "unit": "requests"}],
                "dimensions": {"region": REGIONS[hour % 3], "endpoint": "/v1/query" if hour % 2 else "/v1/ingest"},
            })  # fmt: skip
        events.append({
            "id": f"demo-{account_id}-storage-{day:%Y%m%d}", "schemaName": "storage_usage", "accountId": account_id,
            "timestamp": (day + timedelta(hours=23)).isoformat(),
            "attributes": [{"name": "gb_hours", "value": str(round(base * 2.4 * rng.uniform(0.95, 1.05), 2))}],
        })  # fmt: skip
        if rng.random() < TICKETS.get(account_id, 0):
            events.append({
                "id": f"demo-{account_id}-tickets-{day:%Y%m%d}", "schemaName": "support_ticket",
                "accountId": account_id, "timestamp": (day + timedelta(hours=10)).isoformat(),
                "attributes": [{"name": "tickets", "value": str(rng.randint(1, 2))}],
            })  # fmt: skip
    return events


def seed_usage(*, today: datetime, actor: Actor) -> int:
    """Ingest DAYS whole days before `today` (midnight UTC); replays change nothing. Returns events accepted."""
    accepted = 0
    for offset in range(DAYS, 0, -1):
        day = today - timedelta(days=offset)
        rng = random.Random(day.toordinal())  # the same day always gets the same usage
        events = day_events(day, rng)
        for start in range(0, len(events), 1000):
            request = s.IngestBatchRequest.model_validate({"events": events[start : start + 1000]})
            answer = ingest_batch(request=request, actor=actor, now=day + timedelta(days=1))
            accepted += answer.accepted - answer.duplicates
    return accepted
