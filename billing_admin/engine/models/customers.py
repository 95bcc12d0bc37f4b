from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models

if TYPE_CHECKING:
    from billing_admin.schemas.accounts import AccountStatus
    from billing_admin.schemas.customers import CustomerStatus


class Customer(models.Model):
    """Who is billed. `customer_id` is the caller's id (Togai `id`); `togai_id` is ours."""

    STATUSES = [("ACTIVE", "Active"), ("ARCHIVED", "Archived")]

    customer_id = models.CharField(max_length=50, unique=True)
    togai_id = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=255, db_index=True)
    primary_email = models.CharField(max_length=320)
    address = models.JSONField(default=dict, blank=True)
    status: models.CharField[CustomerStatus, CustomerStatus] = models.CharField(
        max_length=10, choices=STATUSES, default="ACTIVE"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["customer_id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.customer_id})"


class Account(models.Model):
    """A billing account of a customer: its own currency, plan, cycles, wallet and invoices."""

    STATUSES = [("ACTIVE", "Active"), ("DRAFT", "Draft"), ("ARCHIVED", "Archived")]

    account_id = models.CharField(max_length=512, unique=True)
    togai_id = models.CharField(max_length=40, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="accounts")
    name = models.CharField(max_length=255)
    invoice_currency = models.CharField(max_length=3)
    primary_email = models.CharField(max_length=320, blank=True, default="")
    address = models.JSONField(default=dict, blank=True)
    net_term_days = models.PositiveIntegerField(default=30)
    metadata = models.JSONField(default=dict, blank=True)
    tags = models.JSONField(default=list, blank=True)
    status: models.CharField[AccountStatus, AccountStatus] = models.CharField(
        max_length=10, choices=STATUSES, default="ACTIVE", db_index=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["account_id"]
        indexes = [models.Index(fields=["customer", "status"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.account_id})"


class AccountAlias(models.Model):
    """Another name events may use for an account; unique across the organisation."""

    alias = models.CharField(max_length=512, unique=True)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="aliases")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.alias
