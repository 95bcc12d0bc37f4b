from __future__ import annotations

import pytest

from billing_admin import schemas as s
from billing_admin.engine.models import AuditLog, EventSchema, UsageMeter
from billing_admin.errors import ConflictError, InvalidInputError
from billing_admin.service import call

pytestmark = pytest.mark.django_db


def test_a_sum_meter_creates_its_schema_from_the_fields_it_names(service, actor):
    meter = service.create_usage_meter(
        s.CreateUsageMeterRequest(
            name="rides",
            aggregation="SUM",
            eventSchemaName="ride_completed",
            filters=[{"field": "dimension.region", "value": "eu"}],
            computations=[
                {
                    "matcher": '{"in":[{"var":"dimension.city"},["chennai","mumbai"]]}',
                    "computation": '{"*":[{"var":"attribute.distance"},0.4]}',
                    "order": 1,
                }
            ],
        ),
        actor=actor,
    )
    assert meter.id.startswith("um.") and meter.status == "ACTIVE"
    schema = EventSchema.objects.get(name="ride_completed")
    assert schema.attributes == [{"name": "distance"}]
    assert schema.dimensions == [{"name": "city"}, {"name": "region"}]
    assert AuditLog.objects.filter(action="create_usage_meter", object_id=meter.id).exists()


def test_a_second_meter_extends_an_existing_schema_additively(service, actor):
    call(
        "create_usage_meter",
        {
            "name": "a",
            "aggregation": "COUNT",
            "eventSchemaName": "calls",
            "filters": [{"field": "dimension.plan", "value": "pro"}],
        },
        actor=actor,
    )
    call(
        "create_usage_meter",
        {
            "name": "b",
            "aggregation": "SUM",
            "eventSchemaName": "calls",
            "computations": [{"computation": '{"var":"attributes.seconds"}'}],
        },
        actor=actor,
    )
    schema = EventSchema.objects.get(name="calls")
    assert (schema.version, schema.attributes, schema.dimensions) == (2, [{"name": "seconds"}], [{"name": "plan"}])


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"aggregation": "SUM"}, "computations"),
        ({"aggregation": "SUM", "computations": [{"computation": "{not json"}]}, "computations[0].computation"),
        ({"aggregation": "SUM", "computations": [{"computation": '{"eval":[1]}'}]}, "computations[0].computation"),
        (
            {"aggregation": "COUNT", "computations": [{"computation": '{"var":"attribute.x"}'}]},
            "computations[0].computation",
        ),
        ({"aggregation": "MAX"}, "aggregation"),
        ({"aggregation": "COUNT", "filters": [{"field": "region", "value": "eu"}]}, "filters[0].field"),
    ],
)
def test_a_bad_meter_is_refused_by_field_and_nothing_is_written(actor, payload, field):
    with pytest.raises(InvalidInputError) as info:
        call("create_usage_meter", {"name": "m", "eventSchemaName": "calls", **payload}, actor=actor)
    assert field in info.value.details["fields"]
    assert not UsageMeter.objects.exists() and not EventSchema.objects.exists()


def test_meter_names_are_unique(service, actor):
    request = s.CreateUsageMeterRequest(name="api_requests", aggregation="COUNT", eventSchemaName="api_requests")
    service.create_usage_meter(request, actor=actor)
    with pytest.raises(ConflictError, match="already exists"):
        service.create_usage_meter(request, actor=actor)


def test_meters_are_listed_by_aggregation(service, actor):
    service.create_usage_meter(
        s.CreateUsageMeterRequest(name="c", aggregation="COUNT", eventSchemaName="x"), actor=actor
    )
    service.create_usage_meter(
        s.CreateUsageMeterRequest(
            name="s", aggregation="SUM", eventSchemaName="x", computations=[{"computation": '{"var":"attribute.n"}'}]
        ),
        actor=actor,
    )
    page = service.list_usage_meters(s.ListUsageMetersRequest(aggregation="SUM"), actor=actor)
    assert [m.name for m in page.data] == ["s"]
