"""Load a realistic demo organisation. Running it twice changes nothing."""

from __future__ import annotations

import importlib.util
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

from django.core.management.base import BaseCommand

from billing_admin.actors import Actor
from billing_admin.engine import metric_backlog
from billing_admin.engine.demo.organisation import seed_organisation
from billing_admin.engine.demo.usage import seed_usage


class Command(BaseCommand):
    help = "Create demo customers, accounts, meters, plans, 90 days of usage, invoices, credits and wallets."

    def handle(self, *args: Any, **options: Any) -> None:
        actor = Actor.cli("seed_demo")
        now = datetime.now(UTC)
        today = now.replace(hour=0, minute=0, second=0, microsecond=0)
        seed_organisation(actor=actor)
        money = _optional("billing_admin.engine.demo.money")
        if money is not None:
            money.seed_plans(now=now, actor=actor)
        added = seed_usage(today=today, actor=actor)
        if money is not None:
            money.seed_money(now=now, actor=actor)
        metric_backlog.fold()  # the metrics pages open on the whole history
        self.stdout.write(f"Demo organisation ready ({added} new events).")


def _optional(module: str) -> ModuleType | None:
    return importlib.import_module(module) if importlib.util.find_spec(module) else None
