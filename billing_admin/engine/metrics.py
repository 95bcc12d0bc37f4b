"""get_metrics over the hourly and daily rollups, folded in from the metric backlog first so every committed
event counts: EVENTS, METER_USAGE and REVENUE series in HOUR/DAY/WEEK/MONTH buckets, grouped and filtered
as Togai's /metrics is. Hours are the finest grain."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from django.db.models import BigIntegerField, CharField, F, Func, Model, QuerySet, Sum, Value
from django.db.models.expressions import Combinable

from billing_admin import schemas as s
from billing_admin.errors import InvalidInputError
from billing_admin.schemas.metrics import GroupedBy

from . import metric_backlog
from .metering import from_micros
from .models import EventRollup, UsageRollup

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler, _AsSqlType

M = TypeVar("M", bound=Model)
Total = TypeVar("Total", int, Decimal)  # event counts and usage micros are integers, revenue is Decimal

MAX_POINTS = 300
PROCESSED_PREFIX = "INGESTION_COMPLETED"

# How each groupBy / filter field reads off a rollup row, per metric.
EVENT_FIELDS = {
    "ACCOUNT_ID": "account__account_id",
    "CUSTOMER_ID": "account__customer__customer_id",
    "SCHEMA_NAME": "schema__name",
    "EVENT_STATUS": "status",
}
USAGE_FIELDS = {
    "ACCOUNT_ID": "account__account_id",
    "CUSTOMER_ID": "account__customer__customer_id",
    "USAGE_METER_ID": "meter__meter_id",
    "BILLABLE_ID": "meter__meter_id",
}


def bucket_start(at: datetime, period: str) -> datetime:
    at = at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    if period == "HOUR":
        return at
    at = at.replace(hour=0)
    if period == "WEEK":
        return at - timedelta(days=at.weekday())
    if period == "MONTH":
        return at.replace(day=1)
    return at


def next_bucket(at: datetime, period: str) -> datetime:
    if period == "MONTH":
        return at.replace(year=at.year + at.month // 12, month=at.month % 12 + 1)
    return at + {"HOUR": timedelta(hours=1), "DAY": timedelta(days=1), "WEEK": timedelta(weeks=1)}[period]


def buckets(start: datetime, end: datetime, period: str) -> list[datetime]:
    out, at = [], bucket_start(start, period)
    while at < end:
        out.append(at)
        if len(out) > MAX_POINTS:
            raise InvalidInputError.for_field(
                "aggregationPeriod",
                f"more than {MAX_POINTS} {period} buckets in this range; use a longer period or a shorter range",
            )
        at = next_bucket(at, period)
    return out


def _filtered(queryset: QuerySet[M], query: s.MetricQuery, fields: dict[str, str]) -> QuerySet[M]:
    for f in query.filters:
        if f.fieldName == "EVENT_STATUS" and "EVENT_STATUS" in fields:
            wanted = set(f.fieldValues)
            if wanted & {"PROCESSED", "UNPROCESSED"}:
                # Only processed events are stored: PROCESSED means every completed status.
                if "PROCESSED" in wanted:
                    queryset = queryset.filter(status__startswith=PROCESSED_PREFIX)
                else:
                    queryset = queryset.none()
            else:
                queryset = queryset.filter(status__in=wanted)
            continue
        column = fields.get(f.fieldName)
        if column is None:
            raise InvalidInputError.for_field(
                "metricQueries.filters.fieldName",
                f"{query.name} cannot be filtered by {f.fieldName}; use one of {', '.join(sorted(fields))}",
            )
        queryset = queryset.filter(**{f"{column}__in": f.fieldValues})
    return queryset


def _series(
    rows: Iterable[tuple[datetime | int, str | None, Total]],
    query: s.MetricQuery,
    slots: list[datetime],
    value: Callable[[Total], Decimal],
) -> list[s.MetricSeries]:
    # Raw totals (integer micros for usage) are summed first and converted once per point: a grouped
    # month of days is thousands of rows but only as many points as the chart shows.
    grouped: dict[str | None, dict[datetime, Total]] = defaultdict(dict)
    slot_of: dict[datetime | int, datetime] = {}
    for at, group, total in rows:
        slot = slot_of.get(at)
        if slot is None:
            if isinstance(at, int):
                utc = datetime.fromtimestamp(at, UTC)
            else:
                utc = at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC)
            slot = slot_of[at] = bucket_start(utc, query.aggregationPeriod)
        points = grouped[group]
        points[slot] = points.get(slot, 0) + total
    if not grouped and query.groupBy is None:
        grouped[None] = {}
    zero = Decimal(0)
    series = []
    for group in sorted(grouped, key=lambda g: (g is None, str(g))):
        points = grouped[group]
        series.append(
            s.MetricSeries(
                groupedBy=GroupedBy(fieldName=query.groupBy, fieldValue=str(group)) if query.groupBy else None,
                timestamps=slots,
                metricValues=[value(points[at]) if at in points else zero for at in slots],
            )
        )
    return series


def _rollup_query(
    model: type[EventRollup | UsageRollup],
    fields: dict[str, str],
    total: str,
    query: s.MetricQuery,
    start: datetime,
    end: datetime,
) -> QuerySet[Any, tuple[int, str | None, int]]:
    """Rows of (bucket, group, total) from the hourly grain for HOUR and the daily grain otherwise;
    weeks and months are summed from days in Python (a few rows), so SQL never truncates dates."""
    hourly = query.aggregationPeriod == "HOUR"
    first = bucket_start(start, "HOUR" if hourly else "DAY")
    grain = model.objects.filter(grain="H" if hourly else "D", bucket__gte=first, bucket__lt=end)
    rows = _filtered(grain, query, fields)
    names: dict[str, Combinable] = {"at": _Epoch("bucket")}
    if query.groupBy:
        if query.groupBy not in fields:
            raise InvalidInputError.for_field(
                "metricQueries.groupBy",
                f"{query.name} cannot be grouped by {query.groupBy}; use one of {', '.join(sorted(fields))}",
            )
        names["group"] = F(fields[query.groupBy])
    else:
        names["group"] = Value(None, output_field=CharField())
    return rows.values(**names).annotate(total=Sum(total)).order_by().values_list("at", "group", "total")


class _Epoch(Func):
    """A UTC timestamp column as whole seconds since 1970: a month of points grouped by account is
    thousands of rows, and a number loads several times faster than a timestamp."""

    output_field = BigIntegerField()

    def as_postgresql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any) -> _AsSqlType:
        return self.as_sql(compiler, connection, template="EXTRACT(EPOCH FROM %(expressions)s)::bigint", **extra)

    def as_sqlite(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any) -> _AsSqlType:
        return self.as_sql(compiler, connection, template="unixepoch(%(expressions)s)", **extra)


def metrics_get(*, request: s.GetMetricsRequest) -> s.GetMetricsResponse:
    start, end = request.startTime.astimezone(UTC), request.endTime.astimezone(UTC)
    if end <= start:
        raise InvalidInputError.for_field("endTime", "must be after startTime")
    if any(query.name != "REVENUE" for query in request.metricQueries):
        metric_backlog.fold()
    results = []
    for query in request.metricQueries:
        slots = buckets(start, end, query.aggregationPeriod)
        if query.name == "EVENTS":
            rows = _rollup_query(EventRollup, EVENT_FIELDS, "events", query, start, end)
            data = _series(rows, query, slots, Decimal)
        elif query.name in ("METER_USAGE", "USAGE"):
            rows = _rollup_query(UsageRollup, USAGE_FIELDS, "quantity_micros", query, start, end)
            data = _series(rows, query, slots, from_micros)
        else:
            data = _revenue(query, slots, start, end)
        results.append(s.MetricResult(id=query.id, name=query.name, data=data))
    return s.GetMetricsResponse(results=results)


def _revenue(query: s.MetricQuery, slots: list[datetime], start: datetime, end: datetime) -> list[s.MetricSeries]:
    from .revenue import revenue_rows

    rows = revenue_rows(query=query, start=start, end=end)
    return _series([(r["at"], r["group"], r["total"]) for r in rows], query, slots, lambda v: v)
