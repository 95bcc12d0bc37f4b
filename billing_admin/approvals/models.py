from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models

from billing_admin.money import from_minor


class Approval(models.Model):
    """A money move above its ceiling, waiting for a second finance admin. `arguments` is the request
    exactly as it will run (an idempotency key included), so what is approved is what runs."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for approval"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        EXPIRED = "expired", "Expired"

    operation = models.CharField(max_length=64)
    arguments = models.JSONField()
    fingerprint = models.CharField(max_length=64)  # of operation and arguments: a resubmitted form asks once
    target = models.CharField(max_length=512)  # the account or invoice the money moves on
    amount_minor = models.BigIntegerField()
    limit_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_by_name = models.CharField(max_length=255)
    requested_via = models.CharField(max_length=10)  # the door: page | chat
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by_name = models.CharField(max_length=255, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)  # why it was rejected
    result = models.JSONField(null=True, blank=True)  # the write's answer, once approved

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-created_at"]),
            models.Index(fields=["fingerprint"]),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.operation} on {self.target} ({self.status})"

    @property
    def amount(self) -> Decimal:
        return from_minor(self.amount_minor, self.currency)

    @property
    def limit(self) -> Decimal:
        return from_minor(self.limit_minor, self.currency)
