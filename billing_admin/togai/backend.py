"""The hosted backend: every BillingService operation answered by a Togai REST API through httpx.

Point it at api.togai.com (or the sandbox) with an API key, or at another server of this project
(`<base>/api`), which adds what hosted Togai lacks (one-call plans, plan assignment on accounts,
closing cycles, balances on accounts). Where hosted Togai has no endpoint for an operation, the answer
says so plainly (UnsupportedError, 501).
"""

from __future__ import annotations

from django.conf import settings

from billing_admin.limits import MoneyCeilings

from .billing import BillingOps
from .client import TogaiClient
from .customers import CustomerOps
from .metering import MeteringOps
from .money import MoneyOps


class TogaiOps(CustomerOps, MeteringOps, BillingOps, MoneyOps):
    """Every operation over a Togai API."""


class TogaiService(MoneyCeilings, TogaiOps):
    name = "togai"
    writes_locally = False  # the boundary audits right after the remote call, with Togai's ids

    def __init__(self, client: TogaiClient) -> None:
        self.client = client

    @classmethod
    def from_settings(cls) -> TogaiService:
        return cls(
            TogaiClient(
                settings.TOGAI_BASE_URL,
                settings.TOGAI_API_KEY,
                timeout=getattr(settings, "TOGAI_TIMEOUT", 10.0),
                retries=getattr(settings, "TOGAI_RETRIES", 3),
            )
        )

    @classmethod
    def connect(cls, base_url: str, api_key: str, **options: float) -> TogaiService:
        return cls(TogaiClient(base_url, api_key, **options))  # type: ignore[arg-type]
