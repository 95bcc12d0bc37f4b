"""Serve the billing tools over stdio for a local MCP client (Claude Desktop, Cursor, …).

stdout carries only the MCP protocol; everything else (logs, warnings) goes to stderr.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import anyio
from django.core.management.base import BaseCommand, CommandError, CommandParser
from mcp.server import Server
from mcp.server.stdio import stdio_server

from billing_admin.actors import Actor
from billing_admin.engine.tokens import token_active, token_actor
from mcp_bridge.server import server_for
from mcp_bridge.startup import database_problem


class Command(BaseCommand):
    help = "Serve the billing tools over stdio (MCP). Choose --scope read|write or --token NAME."
    requires_system_checks: list[str] = []  # nothing may reach stdout before the protocol does

    def add_arguments(self, parser: CommandParser) -> None:
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--scope", choices=["read", "write"], help="Serve read tools only, or all tools.")
        who.add_argument("--token", metavar="NAME", help="Act as this API token (its name), with its scope.")

    def handle(self, *args: Any, **options: Any) -> None:
        logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
        problem = database_problem()
        if problem is not None:
            raise CommandError(problem)
        if options["token"]:
            token = token_active(name=options["token"])
            if token is None:
                raise CommandError(f"no live token named '{options['token']}'; see manage.py list_api_tokens")
            actor, scope = token_actor(token, door="mcp"), token.scope
        else:
            actor, scope = Actor(kind="system", name="manage.py mcp_stdio", door="mcp"), options["scope"]
        self.stderr.write(f"billing-admin MCP over stdio: {scope} tools as {actor.name}")
        anyio.run(_serve, server_for(actor, scope))


async def _serve(server: Server) -> None:
    async with stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())
