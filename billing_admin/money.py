"""Money: exact decimals with a currency, one rounding rule, integer minor units for posted amounts.

Posted amounts (ledger entries, invoice totals) are stored as integer minor units so SQL sums are
exact on SQLite as well as PostgreSQL; rates keep their full Decimal precision until a line is priced.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

# ISO-4217 minor-unit exponents for the currencies a price plan may support.
CURRENCY_EXPONENTS: dict[str, int] = {
    **dict.fromkeys(
        [
            "USD",
            "EUR",
            "GBP",
            "INR",
            "AUD",
            "CAD",
            "CHF",
            "CNY",
            "HKD",
            "SGD",
            "NZD",
            "SEK",
            "NOK",
            "DKK",
            "PLN",
            "CZK",
            "HUF",
            "ZAR",
            "BRL",
            "MXN",
            "AED",
            "SAR",
            "ILS",
            "THB",
            "MYR",
            "PHP",
            "IDR",
            "TRY",
            "RUB",
            "TWD",
        ],
        2,
    ),
    **dict.fromkeys(["JPY", "KRW", "VND", "CLP", "ISK", "XOF", "XAF"], 0),
    **dict.fromkeys(["BHD", "KWD", "OMR", "JOD", "TND"], 3),
}
ROUNDING = ROUND_HALF_UP


def check_currency(code: str) -> str:
    """Return the upper-cased ISO code, or raise ValueError naming the supported ones."""
    upper = (code or "").upper()
    if upper not in CURRENCY_EXPONENTS:
        raise ValueError(f"unknown currency '{code}'; use an ISO-4217 code such as USD, EUR, GBP, INR or JPY")
    return upper


def exponent(currency: str) -> int:
    return CURRENCY_EXPONENTS[check_currency(currency)]


def to_decimal(value: Any) -> Decimal:
    """Accept Decimal, int or a numeric string; refuse floats, which cannot hold money exactly."""
    if isinstance(value, (bool, float)):
        raise TypeError("money must not be a float or bool; pass a Decimal or a numeric string")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int | str):
        try:
            result = Decimal(str(value).strip())
        except InvalidOperation as exc:
            raise ValueError(f"'{value}' is not a number") from exc
    else:
        raise TypeError(f"cannot use {type(value).__name__} as money")
    if not result.is_finite():
        raise ValueError(f"'{value}' is not a finite number")
    return result


def quantize(amount: Decimal, currency: str) -> Decimal:
    """The one rounding rule: half-up to the currency's minor unit."""
    return amount.quantize(Decimal(1).scaleb(-exponent(currency)), rounding=ROUNDING)


def to_minor(amount: Decimal, currency: str) -> int:
    return int(quantize(amount, currency).scaleb(exponent(currency)))


def from_minor(minor: int, currency: str) -> Decimal:
    return quantize(Decimal(minor).scaleb(-exponent(currency)), currency)


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", to_decimal(self.amount))
        object.__setattr__(self, "currency", check_currency(self.currency))

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency)

    @classmethod
    def from_minor(cls, minor: int, currency: str) -> Money:
        return cls(from_minor(minor, currency), currency)

    @property
    def minor(self) -> int:
        return to_minor(self.amount, self.currency)

    def rounded(self) -> Money:
        return Money(quantize(self.amount, self.currency), self.currency)

    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError("can only combine Money with Money")
        if other.currency != self.currency:
            raise ValueError(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def __str__(self) -> str:
        """The wire form: a decimal string at the currency's precision, e.g. "150.00"."""
        return format(quantize(self.amount, self.currency), "f")


def money_str(amount: Decimal, currency: str) -> str:
    return format(quantize(amount, currency), "f")
