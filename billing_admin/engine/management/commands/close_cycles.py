"""Close every billing cycle whose grace period is over into a DUE invoice; for cron. Idempotent.

An account whose cycle cannot be closed gets one line on stderr and the run goes on with every other
account; the command then exits non-zero, so cron reports it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from billing_admin import schemas as s
from billing_admin.actors import Actor
from billing_admin.errors import BillingError
from billing_admin.service import get_service, parse_request


class Command(BaseCommand):
    help = "Finalize billing cycles past their grace period into DUE invoices and open the next cycles."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--account", help="Close this account's ended cycles now, ignoring the grace period.")
        parser.add_argument("--as-of", help="Close as of this past ISO-8601 moment (default: now; never the future).")

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = None
        if options["as_of"]:
            try:
                as_of = datetime.fromisoformat(options["as_of"])
            except ValueError as exc:
                raise CommandError(f"--as-of: {exc}") from None
            if timezone.is_naive(as_of):
                as_of = timezone.make_aware(as_of, UTC)
        try:
            request = parse_request(
                "generate_invoices", {"accountId": options["account"], "all": not options["account"], "asOf": as_of}
            )
            assert isinstance(request, s.GenerateInvoicesRequest)
            result = get_service().generate_invoices(request, actor=Actor.cli("close_cycles"))
        except BillingError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"closed {result.closedCycles} cycle(s)")
        for invoice_id in result.invoiceIds:
            self.stdout.write(f"  {invoice_id}")
        for failure in result.failed:
            self.stderr.write(
                f"FAILED {failure.accountId} cycle {failure.cycleStart:%Y-%m-%d}..{failure.cycleEnd:%Y-%m-%d} "
                f"(attempt {failure.attempts}): {failure.message}"
            )
        if result.failed:
            raise CommandError(
                f"{len(result.failed)} account(s) could not be closed and stay OPEN; every other account was "
                "closed. Correct their data and run close_cycles again."
            )
