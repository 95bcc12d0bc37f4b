from __future__ import annotations

from billing_admin import schemas as s
from billing_admin.actors import Actor

from ..atomic import atomic_write
from ..events_query import event_list, event_to_schema
from ..ingestion import ingest_batch, ingest_one
from ..meters import meter_create, meter_list, meter_to_schema
from ..metrics import metrics_get
from ..pagination import paginate


class MeteringOps:
    def create_usage_meter(self, request: s.CreateUsageMeterRequest, *, actor: Actor) -> s.UsageMeter:
        return atomic_write(
            lambda: meter_to_schema(meter_create(request=request, actor=actor)),
        )

    def list_usage_meters(self, request: s.ListUsageMetersRequest, *, actor: Actor) -> s.UsageMeterPage:
        data, token = paginate(
            meter_list(status=request.status, aggregation=request.aggregation),
            key="name",
            page_size=request.pageSize,
            next_token=request.nextToken,
            render=meter_to_schema,
        )
        return s.UsageMeterPage(data=data, nextToken=token)

    def ingest_event(self, request: s.IngestEventRequest, *, actor: Actor) -> s.IngestEventResponse:
        return ingest_one(event=request.event, actor=actor)

    def ingest_batch_events(self, request: s.IngestBatchRequest, *, actor: Actor) -> s.IngestBatchResponse:
        return ingest_batch(request=request, actor=actor)

    def list_events(self, request: s.ListEventsRequest, *, actor: Actor) -> s.EventPage:
        data, token = paginate(
            event_list(
                account_ref=request.accountId,
                schema_name=request.schemaName,
                status=request.status,
                start=request.startTime,
                end=request.endTime,
            ),
            key="id",
            descending=True,
            page_size=request.pageSize,
            next_token=request.nextToken,
            render=event_to_schema,
        )
        return s.EventPage(data=data, nextToken=token)

    def get_metrics(self, request: s.GetMetricsRequest, *, actor: Actor) -> s.GetMetricsResponse:
        return metrics_get(request=request)
