from __future__ import annotations

from django.db import models

from .billing import Invoice
from .customers import Account


class Credit(models.Model):
    """Granted credit: applied to invoices by priority (lower first), then earliest expiry."""

    STATUSES = [("ACTIVE", "Active"), ("CONSUMED", "Consumed"), ("EXPIRED", "Expired"), ("VOIDED", "Voided")]

    credit_id = models.CharField(max_length=40, unique=True)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="credits")
    purpose = models.CharField(max_length=255)
    currency = models.CharField(max_length=3)
    amount_minor = models.BigIntegerField()
    consumed_minor = models.BigIntegerField(default=0)
    hold_minor = models.BigIntegerField(default=0)
    priority = models.PositiveSmallIntegerField(default=50)
    effective_from = models.DateField()
    effective_until = models.DateField(null=True, blank=True)
    applicable_entity_ids = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=STATUSES, default="ACTIVE")
    source = models.CharField(max_length=20, default="MANUAL")  # MANUAL | RATE_CARD
    grantor = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["priority", "effective_until", "id"]
        indexes = [models.Index(fields=["account", "status"])]

    def __str__(self) -> str:
        return self.credit_id


class CreditTransaction(models.Model):
    TYPES = [("CREDITED", "Credited"), ("DEBITED", "Debited"), ("EXPIRED", "Expired"), ("VOIDED", "Voided")]

    credit = models.ForeignKey(Credit, on_delete=models.PROTECT, related_name="transactions")
    transaction_type = models.CharField(max_length=10, choices=TYPES)
    amount_minor = models.BigIntegerField()
    invoice = models.ForeignKey(Invoice, null=True, blank=True, on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]


class Wallet(models.Model):
    """One prepaid wallet per account. `balance_minor` is the running total of the ledger below,
    kept on this row so a balance read is one row and writers serialize on its lock."""

    STATUSES = [("ACTIVE", "Active"), ("INACTIVE", "Inactive")]

    wallet_id = models.CharField(max_length=40, unique=True)
    account = models.OneToOneField(Account, on_delete=models.PROTECT, related_name="wallet")
    currency = models.CharField(max_length=3)
    balance_minor = models.BigIntegerField(default=0)
    hold_minor = models.BigIntegerField(default=0)
    status = models.CharField(max_length=10, choices=STATUSES, default="ACTIVE")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.wallet_id


class WalletEntry(models.Model):
    """Append-only ledger row; every change to a wallet balance is explained by one."""

    TYPES = [("CREDITED", "Credited"), ("DEBITED", "Debited")]
    STATUSES = [("COMPLETED", "Completed"), ("ON_HOLD", "On hold")]

    wallet = models.ForeignKey(Wallet, on_delete=models.PROTECT, related_name="entries")
    transaction_type = models.CharField(max_length=10, choices=TYPES)
    status = models.CharField(max_length=10, choices=STATUSES, default="COMPLETED")
    amount_minor = models.BigIntegerField()
    closing_balance_minor = models.BigIntegerField()
    entity_id = models.CharField(max_length=64, blank=True, default="")
    description = models.CharField(max_length=255, blank=True, default="")
    idempotency_key = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001 - NULL keys never collide
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["wallet", "idempotency_key"], name="wallet_entry_idempotency"),
        ]
