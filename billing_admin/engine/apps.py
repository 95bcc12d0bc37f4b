from __future__ import annotations

from django.apps import AppConfig


class EngineConfig(AppConfig):
    name = "billing_admin.engine"
    label = "engine"
    verbose_name = "Billing engine"
