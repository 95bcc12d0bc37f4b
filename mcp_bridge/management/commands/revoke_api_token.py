"""Revoke an API token by name: it stops working at once, everywhere."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from billing_admin.actors import Actor
from billing_admin.engine.tokens import token_revoke
from billing_admin.errors import BillingError


class Command(BaseCommand):
    help = "Revoke an API token by name."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="The token's name (see list_api_tokens).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            token = token_revoke(name=options["name"], actor=Actor.cli("revoke_api_token"))
        except BillingError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"Revoked token '{token.name}' ({token.prefix}…) at {token.revoked_at:%Y-%m-%d %H:%M} UTC.")
