from __future__ import annotations

from decimal import Decimal

from pydantic import Field

from .common import Quantity, Request, Response


class CheckEntitlementRequest(Request):
    accountId: str = Field(max_length=512, description="The account's id or alias.")
    featureId: str = Field(max_length=64, description="The feature, e.g. ai_queries (see get_entitlements).")
    quantity: Decimal = Field(default=Decimal(1), gt=0, description="How much the caller wants to use now.")


class EntitlementCheck(Response):
    entitled: bool = Field(description="True when the account may use `quantity` more of the feature now.")
    accountId: str = Field(description="The account.")
    featureId: str = Field(description="The feature.")
    granted: Quantity = Field(description="Granted this cycle.")
    used: Quantity = Field(description="Used this cycle.")
    remaining: Quantity = Field(description="Granted minus used (not below 0).")
    overageLimit: Quantity | None = Field(
        default=None, description="Overage allowed beyond the grant; null = unlimited."
    )
    usedOverage: Quantity = Field(default=Decimal(0), description="Overage used this cycle.")
    reason: str = Field(description="Why entitled or not, in words.")


class GetEntitlementsRequest(Request):
    accountId: str = Field(max_length=512, description="The account's id or alias.")


class Entitlement(Response):
    featureId: str = Field(description="The feature.")
    name: str = Field(description="Readable name.")
    granted: Quantity = Field(description="Granted this cycle.")
    used: Quantity = Field(description="Used this cycle.")
    remaining: Quantity = Field(description="Still available within the grant.")
    overageLimit: Quantity | None = Field(default=None, description="Overage allowed; null = unlimited.")
    usedOverage: Quantity = Field(default=Decimal(0), description="Overage used.")


class Entitlements(Response):
    accountId: str = Field(description="The account.")
    data: list[Entitlement] = Field(description="Every feature the account has this cycle.")
