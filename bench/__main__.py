"""`make bench`: run every `bench/bench_*.py` (or those named on the command line) and print figures.

Each module has `run(report: Report) -> None` and calls `report.figure(...)` for each number.
Benchmarks create their own data in a separate database (`bench_` prefix) and drop it afterwards.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
import time
from pathlib import Path


class Report:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str]] = []

    def figure(self, name: str, value: float | str, unit: str = "", target: str = "") -> None:
        shown = f"{value:,.1f}" if isinstance(value, float) else str(value)
        self.rows.append((name, shown, unit, target))
        print(f"  {name:<58} {shown:>14} {unit:<10} {target}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(prog="make bench")
    parser.add_argument("names", nargs="*", help="benchmarks to run (e.g. ingest metrics); default all")
    parser.add_argument(
        "--scale",
        type=float,
        default=float(os.environ.get("BENCH_SCALE", "1")),
        help="multiply data sizes (0.1 for a quick run; 10 for 10M events where offered)",
    )
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "billing_admin.settings")
    os.environ["BENCH_SCALE"] = str(args.scale)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()
    from django.db import connection

    modules = sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if m.name.startswith("bench_"))
    if args.names:
        modules = [m for m in modules if m.removeprefix("bench_") in args.names]
    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']}); scale {args.scale}", flush=True)
    report = Report()
    for name in modules:
        print(f"\n{name.removeprefix('bench_')}", flush=True)
        started = time.perf_counter()
        importlib.import_module(f"bench.{name}").run(report)
        print(f"  ({time.perf_counter() - started:.1f} s)", flush=True)


if __name__ == "__main__":
    main()
