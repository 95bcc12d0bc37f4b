"""Django admin over a few engine tables, for support staff and as the benchmark's baseline."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from billing_admin.engine.models import Account, AuditLog, Customer, Invoice


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    list_display = ("invoice_id", "status", "account", "customer", "currency", "total_minor", "invoice_date")
    list_filter = ("status",)
    search_fields = ("invoice_id",)
    list_select_related = ("account", "customer")
    raw_id_fields = ("account", "customer", "cycle", "price_plan")
    readonly_fields = ("line_items",)


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("customer_id", "name", "primary_email", "status", "created_at")
    search_fields = ("customer_id", "name", "primary_email")


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ("account_id", "name", "customer", "invoice_currency", "status")
    list_filter = ("status",)
    list_select_related = ("customer",)
    search_fields = ("account_id", "name")
    raw_id_fields = ("customer",)


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ("at", "actor_name", "door", "action", "object_type", "object_id")
    list_filter = ("door", "action")
    search_fields = ("object_id", "actor_name")

    def has_add_permission(self, request: HttpRequest) -> bool:  # the trail is written by the services only
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditLog | None = None) -> bool:
        return False
