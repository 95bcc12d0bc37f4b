"""The overview: billed revenue this month against last, what is owed, who uses the most, ingestion
over the last 24 hours and the latest changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from billing_admin import schemas as s

from .. import togai_reads
from ..access import viewer_required
from ..backend_mode import engine_tables_answer
from ..calls import Unavailable, read
from ..charts import bar_chart, summed
from ..rendering import render_page
from ..selectors import overview as figures
from ..selectors.overview import Owed, OwedInvoice, UsageLeader


@dataclass(frozen=True)
class Revenue:
    currency: str
    this_month: Decimal
    last_month: Decimal

    @property
    def change(self) -> Decimal | None:
        """Percent change against last month; None when last month billed nothing."""
        if not self.last_month:
            return None
        return ((self.this_month - self.last_month) / self.last_month * 100).quantize(Decimal("0.1"))


def month_starts(now: datetime) -> tuple[datetime, datetime, datetime]:
    """(last month's start, this month's start, next month's start), in UTC like the metrics buckets."""
    this = now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    last = (this - timedelta(days=1)).replace(day=1)
    following = (this + timedelta(days=32)).replace(day=1)
    return last, this, following


def revenue_by_currency(result: s.MetricResult, last: datetime, this: datetime) -> list[Revenue]:
    """Per currency, billed revenue in this month's bucket and last month's."""
    rows = []
    for series in result.data:
        by_month = dict(zip(series.timestamps, series.metricValues, strict=False))
        currency = series.groupedBy.fieldValue if series.groupedBy else settings.BILLING_CURRENCY
        rows.append(Revenue(currency, Decimal(by_month.get(this, 0)), Decimal(by_month.get(last, 0))))
    rows.sort(key=lambda r: (r.currency != settings.BILLING_CURRENCY, r.currency))
    return rows or [Revenue(settings.BILLING_CURRENCY, Decimal(0), Decimal(0))]


@viewer_required
def overview(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    last, this, following = month_starts(now)
    hour = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    revenue = read(
        request,
        "get_metrics",
        {
            "startTime": last,
            "endTime": following,
            "metricQueries": [
                {"id": "revenue", "name": "REVENUE", "aggregationPeriod": "MONTH", "groupBy": "CURRENCY"}
            ],
        },
    )
    ingestion = read(
        request,
        "get_metrics",
        {
            "startTime": hour - timedelta(hours=24),
            "endTime": hour,
            "metricQueries": [{"id": "events", "name": "EVENTS", "aggregationPeriod": "HOUR"}],
        },
    )
    chart, ingested = ingestion, None
    if not isinstance(ingestion, Unavailable):
        stamps, values = summed(ingestion.results[0].data)
        chart = bar_chart("Events ingested per hour, last 24 hours", stamps, values, label_format="%H:%M")
        ingested = sum(values, Decimal(0))
    owed: list[Owed] | Unavailable
    oldest_owed: list[OwedInvoice] | Unavailable
    leaders: list[UsageLeader] | Unavailable
    if engine_tables_answer():
        owed, oldest_owed, owed_note = figures.outstanding_totals(), figures.oldest_outstanding(), ""
        leaders = figures.usage_leaders(since=this)
        close_failures, close_failure_count = figures.close_failures()
    else:
        owed, oldest_owed, owed_note = togai_reads.owed(request)
        leaders = togai_reads.usage_leaders(request, since=this, until=following)
        close_failures, close_failure_count = [], 0  # hosted Togai closes cycles itself
    context = {
        "revenue": revenue if isinstance(revenue, Unavailable) else revenue_by_currency(revenue.results[0], last, this),
        "this_month": this,
        "owed": owed,
        "oldest_owed": oldest_owed,
        "owed_note": owed_note,
        "leaders": leaders,
        "ingestion_chart": chart,
        "ingested": ingested,
        "recent": figures.recent_changes(),
        "close_failures": close_failures,
        "close_failure_count": close_failure_count,
        "nav": "overview",
    }
    return render_page(request, "dashboard/overview.html", context)
