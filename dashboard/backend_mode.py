"""Which backend answers the pages. A few figures have no service operation and are read straight
from the embedded engine's tables; those tables only hold the billing data when the engine is the
backend, so everything else must answer through the service."""

from __future__ import annotations

from django.conf import settings


def engine_tables_answer() -> bool:
    """True when the embedded engine is the backend (the service's own rule: anything but "togai")."""
    return settings.BILLING_BACKEND != "togai"
