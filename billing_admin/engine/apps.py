from __future__ import annotations

from django.apps import AppConfig


class EngineConfig(AppConfig):
    name = "billing_admin.engine"
    label = "engine"
    verbose_name = "Billing engine"

    def ready(self) -> None:
        from . import lookups  # noqa: F401 - registers `__any`
