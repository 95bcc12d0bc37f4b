"""Benchmarks run against a throw-away database named after the configured one (`bench_<name>`)."""

from __future__ import annotations

import contextlib
import os
import statistics
from collections.abc import Iterator

from django.db import connection
from django.test.utils import setup_databases, teardown_databases


@contextlib.contextmanager
def bench_database() -> Iterator[None]:
    """Create and migrate a fresh database for one benchmark, then drop it (Django's test-DB machinery)."""
    settings_dict = connection.settings_dict
    settings_dict.setdefault("TEST", {})
    original = settings_dict["TEST"].get("NAME")
    if connection.vendor == "sqlite":
        # A file, so threads and workers share it; one per process, so two benchmarks never share one.
        settings_dict["TEST"]["NAME"] = f"bench-db-{os.getpid()}.sqlite3"
    else:
        settings_dict["TEST"]["NAME"] = f"bench_{settings_dict['NAME']}"
    config = setup_databases(verbosity=0, interactive=False, keepdb=False)
    try:
        yield
    finally:
        teardown_databases(config, verbosity=0)
        settings_dict["TEST"]["NAME"] = original


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def p50(samples: list[float]) -> float:
    return statistics.median(samples)
