from __future__ import annotations

from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "billing_admin.approvals"
    label = "approvals"
    verbose_name = "Approvals"
