from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.core import checks


class ApprovalsConfig(AppConfig):
    name = "billing_admin.approvals"
    label = "approvals"
    verbose_name = "Approvals"

    def ready(self) -> None:
        checks.register(check_ceilings, checks.Tags.compatibility)


def check_ceilings(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """A ceiling that is not an amount would refuse every money move at run time: say so at start-up."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    from billing_admin.limits import SETTING_FOR, ceiling_for

    currencies = ["USD", *(getattr(settings, "BILLING_MAX_AMOUNT_BY_CURRENCY", None) or {})]
    problems = []
    for operation in SETTING_FOR:
        for currency in currencies:
            try:
                ceiling_for(operation, currency)
            except ImproperlyConfigured as exc:
                problems.append(checks.Error(str(exc), id="approvals.E001"))
    return list({p.msg: p for p in problems}.values())
