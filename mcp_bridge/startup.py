"""What must hold before a long-lived door starts serving: a reachable, migrated database.

An MCP client that launches `mcp_stdio` shows only "connection closed" when the process dies, so the
command checks these first and says what is wrong in one line.
"""

from __future__ import annotations

from pathlib import Path

import psycopg
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor


def database_problem() -> str | None:
    """One sentence naming what keeps the database from serving, or None when it is ready."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        name = str(settings["NAME"])
        if name != ":memory:" and not name.startswith("file:") and not Path(name).exists():
            # Connecting would create an empty file and every tool would then fail on a missing table.
            return f"no database at {name}: run `python manage.py migrate` first"
    try:
        if connection.vendor == "postgresql":
            _reach_postgresql()
        connection.ensure_connection()
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"cannot use the {connection.vendor} database {settings.get('NAME')!s}: {reason}"
    if pending:
        return (
            f"the database {settings.get('NAME')!s} lacks {len(pending)} migration(s): "
            "run `python manage.py migrate` first"
        )
    return None


def _reach_postgresql() -> None:
    """One direct connection, bypassing the pool: a pool retries a refused server quietly until its
    timeout and logs every attempt, where this answers at once with the server's own reason."""
    params = {k: v for k, v in connection.get_connection_params().items() if k not in ("cursor_factory", "context")}
    try:
        psycopg.connect(**params, connect_timeout=5).close()
    except psycopg.Error as exc:
        raise DatabaseError(str(exc)) from None
