"""A backend write runs whole or not at all. Idempotency records and the audit row are the boundary's
(`billing_admin.boundary`), in this same transaction when the boundary opened it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.db import transaction

R = TypeVar("R")


def atomic_write(write: Callable[[], R]) -> R:
    with transaction.atomic():
        return write()
