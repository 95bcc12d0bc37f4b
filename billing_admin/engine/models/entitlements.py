from __future__ import annotations

from django.db import models

from .billing import BillingCycle
from .customers import Account


class Feature(models.Model):
    """An entitled capability; its use is counted from the schema attributes it is mapped to."""

    feature_id = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=255)
    billable_name = models.CharField(max_length=255, blank=True, default="")
    schema_associations = models.JSONField(default=list)  # [{"schemaName", "attributeName"}]
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class FeatureGrant(models.Model):
    """A feature credit entry: what a cycle (or a manual grant) allows."""

    SOURCES = [("PRICE_PLAN", "Price plan"), ("ENTITLEMENT", "Entitlement"), ("OVERAGE", "Overage")]
    STATUSES = [("ACTIVE", "Active"), ("EXPIRED", "Expired"), ("VOIDED", "Voided")]

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="feature_grants")
    feature = models.ForeignKey(Feature, on_delete=models.PROTECT, related_name="grants")
    cycle = models.ForeignKey(BillingCycle, null=True, blank=True, on_delete=models.CASCADE)
    source = models.CharField(max_length=12, choices=SOURCES, default="PRICE_PLAN")
    granted_micros = models.BigIntegerField()
    overage_limit_micros = models.BigIntegerField(null=True, blank=True)  # null = unlimited overage
    effective_from = models.DateTimeField()
    effective_until = models.DateTimeField()
    status = models.CharField(max_length=10, choices=STATUSES, default="ACTIVE")

    class Meta:
        indexes = [models.Index(fields=["account", "feature", "effective_from"])]


class FeatureUsage(models.Model):
    """Running use of a feature in a cycle, incremented at ingestion from mapped attributes."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE)
    feature = models.ForeignKey(Feature, on_delete=models.PROTECT)
    cycle = models.ForeignKey(BillingCycle, on_delete=models.CASCADE)
    used_micros = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "feature", "cycle"], name="feature_usage_key"),
        ]
