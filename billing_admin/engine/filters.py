"""Optional filters: a list operation narrows by each argument the caller gave and ignores the rest."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet


def filter_given(queryset: QuerySet, **lookups: Any) -> QuerySet:
    """`queryset` filtered by every lookup whose value is given (None and "" mean "not asked for")."""
    return queryset.filter(**{lookup: value for lookup, value in lookups.items() if value is not None and value != ""})
