from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .common import Quantity, Request, Response, UtcDatetime

MetricName = Literal["EVENTS", "METER_USAGE", "USAGE", "REVENUE"]
MetricField = Literal[
    "ACCOUNT_ID", "CUSTOMER_ID", "SCHEMA_NAME", "EVENT_STATUS", "USAGE_METER_ID", "BILLABLE_ID", "CURRENCY"
]


class MetricFilter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fieldName: MetricField = Field(description="Field to filter on, e.g. ACCOUNT_ID.")
    fieldValues: list[str] = Field(min_length=1, max_length=50, description="Accepted values (any of).")


class MetricQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=50, description="Your label for this query, echoed in the result.")
    name: MetricName = Field(
        description="EVENTS (event counts), METER_USAGE (metered units) or REVENUE (finalized invoice totals by "
        "invoice date, in the organisation's currency unless filtered or grouped by CURRENCY).",
    )
    aggregationPeriod: Literal["HOUR", "DAY", "WEEK", "MONTH"] = Field(description="Bucket size.")
    groupBy: MetricField | None = Field(default=None, description="Split the series by this field.")
    filters: list[MetricFilter] = Field(default_factory=list, max_length=5, description="Filters, ANDed.")


class GetMetricsRequest(Request):
    startTime: UtcDatetime = Field(description="Start of the range (inclusive), ISO-8601.")
    endTime: UtcDatetime = Field(description="End of the range (exclusive), ISO-8601.")
    metricQueries: list[MetricQuery] = Field(min_length=1, max_length=5, description="1 to 5 queries.")


class GroupedBy(Response):
    fieldName: str = Field(description="The groupBy field.")
    fieldValue: str = Field(description="The group's value.")


class MetricSeries(Response):
    groupedBy: GroupedBy | None = Field(default=None, description="Present when the query had a groupBy.")
    timestamps: list[datetime] = Field(description="Bucket starts.")
    metricValues: list[Quantity] = Field(description="One value per timestamp.")


class MetricResult(Response):
    id: str = Field(description="The query's id.")
    name: str = Field(description="The metric name.")
    data: list[MetricSeries] = Field(description="One series per group (one when ungrouped).")


class GetMetricsResponse(Response):
    results: list[MetricResult] = Field(description="One result per query, in order.")


__all__ = ["Decimal"]
