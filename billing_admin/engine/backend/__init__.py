"""The embedded engine behind the service interface: thin adapters from request schemas to the
engine's services and selectors, one mixin per area."""

from __future__ import annotations

from billing_admin.limits import MoneyCeilings

from .customers import CustomerOps
from .invoices import InvoiceOps
from .metering import MeteringOps
from .money import MoneyOps
from .plans import PlanOps


class EngineOps(CustomerOps, MeteringOps, PlanOps, InvoiceOps, MoneyOps):
    """Every operation on this project's own database (SQLite or PostgreSQL)."""


class EngineService(MoneyCeilings, EngineOps):
    """The engine behind the service interface. `MoneyCeilings` comes first so its checks run before
    the money moves of `MoneyOps` and `InvoiceOps`."""

    name = "engine"
    writes_locally = True  # the boundary puts the audit row in the write's own transaction
