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


def database_cpu_seconds() -> float | None:
    """CPU time used so far by the PostgreSQL server's processes (every backend, background workers too),
    when the server runs on this machine and /proc shows them; None otherwise. Beside this process's own
    CPU it tells where an operation's time goes."""
    if connection.vendor != "postgresql" or connection.settings_dict.get("HOST") not in ("127.0.0.1", "localhost", ""):
        return None
    ticks = 0
    try:
        pids = [entry for entry in os.listdir("/proc") if entry.isdigit()]
    except OSError:
        return None
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                name, _, rest = stat.read().partition(") ")
            if name.endswith("(postgres"):
                fields = rest.split()
                # utime and stime, and for the server's parent the same of the backends that have ended
                ticks += int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])
        except (OSError, ValueError, IndexError):
            continue  # a process that ended meanwhile
    return ticks / os.sysconf("SC_CLK_TCK") if ticks else None


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def p50(samples: list[float]) -> float:
    return statistics.median(samples)
