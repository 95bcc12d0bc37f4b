"""List API tokens: name, prefix, scope, last use, revocation. Never the token itself."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from billing_admin.engine.tokens import token_list


def _when(value: datetime | None) -> str:
    return f"{value:%Y-%m-%d %H:%M}" if value else "-"


class Command(BaseCommand):
    help = "List API tokens (names, prefixes, scopes; never the secret)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--active", action="store_true", help="Leave out revoked tokens.")

    def handle(self, *args: Any, **options: Any) -> None:
        rows = [("name", "prefix", "scope", "created", "last used", "revoked")]
        for token in token_list(include_revoked=not options["active"]):
            rows.append(
                (
                    token.name,
                    token.prefix,
                    token.scope,
                    _when(token.created_at),
                    _when(token.last_used_at),
                    _when(token.revoked_at),
                )
            )
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        for row in rows:
            self.stdout.write("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
