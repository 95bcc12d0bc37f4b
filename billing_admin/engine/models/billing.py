from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models

from .customers import Account, Customer
from .events import UsageMeter

if TYPE_CHECKING:
    from billing_admin.schemas.invoices import InvoiceStatus
    from billing_admin.schemas.plans import Interval, RateCardType


class PricePlan(models.Model):
    """A finalized (ACTIVE) price plan: cycle configuration plus rate cards."""

    STATUSES = [("DRAFT", "Draft"), ("ACTIVE", "Active"), ("ARCHIVED", "Archived")]
    INTERVALS = [
        ("WEEKLY", "Weekly"),
        ("MONTHLY", "Monthly"),
        ("QUARTERLY", "Quarterly"),
        ("HALF_YEARLY", "Half-yearly"),
        ("ANNUALLY", "Annually"),
    ]

    plan_id = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=50, unique=True)
    description = models.CharField(max_length=500, blank=True, default="")
    supported_currencies = models.JSONField(default=list)
    interval: models.CharField[Interval, Interval] = models.CharField(max_length=12, choices=INTERVALS)
    day_offset = models.CharField(max_length=4, default="1")
    month_offset = models.CharField(max_length=5, default="NIL")
    grace_period_days = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=STATUSES, default="ACTIVE")
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RateCard(models.Model):
    """One rate card of a plan; `details` is Togai's `rateCardDetails`, validated on the way in."""

    TYPES = [
        ("USAGE", "Usage"),
        ("FIXED_FEE", "Fixed fee"),
        ("BILLING_ENTITLEMENT", "Billing entitlement"),
        ("ENTITLEMENT_OVERAGE", "Entitlement overage"),
        ("CREDIT_GRANT", "Credit grant"),
        ("MINIMUM_COMMITMENT", "Minimum commitment"),
    ]

    plan = models.ForeignKey(PricePlan, on_delete=models.CASCADE, related_name="rate_cards")
    name = models.CharField(max_length=50)
    type: models.CharField[RateCardType, RateCardType] = models.CharField(max_length=20, choices=TYPES)
    display_name = models.CharField(max_length=255, blank=True, default="")
    billable_id = models.CharField(max_length=64, blank=True, default="")
    invoice_timing = models.CharField(max_length=12, default="IN_ARREARS")
    details = models.JSONField()
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["plan", "position"]
        constraints = [models.UniqueConstraint(fields=["plan", "name"], name="rate_card_name_per_plan")]

    def __str__(self) -> str:
        return f"{self.plan.name}: {self.name}"


class PlanAssignment(models.Model):
    """An account's schedule on a plan from `effective_from` until `effective_until` (open when null)."""

    schedule_id = models.CharField(max_length=40, unique=True)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="assignments")
    plan = models.ForeignKey(PricePlan, on_delete=models.PROTECT, related_name="assignments")
    effective_from = models.DateTimeField()
    effective_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["account", "effective_from"]
        indexes = [models.Index(fields=["account", "effective_from"])]


class BillingCycle(models.Model):
    """One billing period of an account under an assignment. Its row is the lock that orders
    ingestion against closing: ingestion holds it shared, closing holds it exclusively."""

    STATUSES = [("OPEN", "Open"), ("CLOSED", "Closed")]

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="cycles")
    assignment = models.ForeignKey(PlanAssignment, on_delete=models.PROTECT, related_name="cycles")
    start = models.DateTimeField()
    end = models.DateTimeField()
    grace_ends = models.DateTimeField(db_index=True)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=6, choices=STATUSES, default="OPEN", db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["account", "start"]
        constraints = [models.UniqueConstraint(fields=["account", "start"], name="one_cycle_per_start")]
        indexes = [models.Index(fields=["status", "grace_ends"])]


class CloseFailure(models.Model):
    """Why an account's due cycle could not be closed on the last try. The cycle stays OPEN, every
    other account's close goes on, and the row is deleted when the cycle closes."""

    cycle = models.OneToOneField(BillingCycle, on_delete=models.CASCADE, related_name="close_failure")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="close_failures")
    code = models.CharField(max_length=40)
    message = models.CharField(max_length=1000)
    first_failed_at = models.DateTimeField()
    last_failed_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-last_failed_at", "-id"]


class CycleUsage(models.Model):
    """Running metered quantity of one meter in one cycle, incremented at ingestion."""

    cycle = models.ForeignKey(BillingCycle, on_delete=models.CASCADE, related_name="usage")
    meter = models.ForeignKey(UsageMeter, on_delete=models.PROTECT)
    quantity_micros = models.BigIntegerField(default=0)
    events = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cycle", "meter"], name="cycle_usage_key")]


class Invoice(models.Model):
    """DRAFT while its cycle is open (totals kept current), then DUE with a frozen line-item tree."""

    STATUSES = [
        ("DRAFT", "Draft"),
        ("DUE", "Due"),
        ("PAID", "Paid"),
        ("PARTIALLY_PAID", "Partially paid"),
        ("VOID", "Void"),
        ("UN_COLLECTIBLE", "Uncollectible"),
    ]

    invoice_id = models.CharField(max_length=40, unique=True)
    sequence_id = models.CharField(max_length=40, blank=True, default="")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="invoices")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="invoices")
    cycle = models.OneToOneField(BillingCycle, null=True, blank=True, on_delete=models.PROTECT, related_name="invoice")
    price_plan = models.ForeignKey(PricePlan, null=True, blank=True, on_delete=models.PROTECT)
    invoice_type = models.CharField(max_length=20, default="STANDARD")
    status: models.CharField[InvoiceStatus, InvoiceStatus] = models.CharField(
        max_length=16, choices=STATUSES, default="DRAFT"
    )
    currency = models.CharField(max_length=3)
    start_date = models.DateTimeField()
    end_date = models.DateTimeField()
    invoice_date = models.DateTimeField()
    due_date = models.DateTimeField(null=True, blank=True)
    net_term_days = models.PositiveIntegerField(default=30)
    total_minor = models.BigIntegerField(default=0)
    paid_minor = models.BigIntegerField(default=0)
    line_items = models.JSONField(default=dict)  # the InvoiceLineItem tree of togai-api.md §14
    status_reason = models.CharField(max_length=500, blank=True, default="")
    finalized_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-invoice_date", "-id"]
        indexes = [
            # A month's invoices share one date: the id breaks the tie so a sorted page needs no sort.
            models.Index(fields=["status", "-invoice_date", "-id"]),
            models.Index(fields=["-total_minor", "-id"]),
            models.Index(fields=["account", "-invoice_date"]),
            models.Index(fields=["customer", "-invoice_date"]),
            models.Index(fields=["-invoice_date", "-id"]),
        ]

    def __str__(self) -> str:
        return self.invoice_id
