"""Create a named API token for /mcp and /api and print it once; only its hash is stored."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from billing_admin.actors import Actor
from billing_admin.engine.tokens import SCOPES, token_create, token_expiry_parse
from billing_admin.errors import BillingError


class Command(BaseCommand):
    help = "Create an API token (read or write scope) and print it once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="A unique name for the token, e.g. claude-desktop.")
        parser.add_argument("--scope", choices=SCOPES, required=True, help="read: read tools only; write: all tools.")
        parser.add_argument(
            "--expires",
            default="",
            help="When it stops working: a duration (30d, 12h, 2w) or a date (2027-01-01, midnight UTC). "
            "Default: never (until revoked).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            issued = token_create(
                name=options["name"],
                scope=options["scope"],
                expires_at=token_expiry_parse(options["expires"]),
                actor=Actor.cli("create_api_token"),
            )
        except BillingError as exc:
            raise CommandError(exc.message) from None
        expiry = issued.token.expires_at
        until = f"expires {expiry:%Y-%m-%d %H:%M} UTC" if expiry else "does not expire"
        self.stderr.write(
            f"Created {issued.token.scope} token '{issued.token.name}' ({until}). It is shown once; store it now."
        )
        self.stdout.write(issued.raw)
