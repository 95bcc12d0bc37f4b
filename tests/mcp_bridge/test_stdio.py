"""The SDK's own client over real stdio against `manage.py mcp_stdio` as a subprocess."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import anyio
import pytest
from mcp import Client

from billing_admin.operations import OPERATIONS
from tests.mcp_bridge.conftest import stdio_parameters

pytestmark = pytest.mark.django_db(transaction=True)

PROJECT_DIR = Path(__file__).resolve().parents[2]
READ_TOOLS = sorted(op.name for op in OPERATIONS if op.kind == "read")


def test_the_key_path_runs_end_to_end_over_stdio(stdio_server, key_path):
    server = stdio_server("--scope", "write")

    async def scenario():
        async with Client(server) as client:
            names = sorted(tool.name for tool in (await client.list_tools()).tools)
            await key_path(client, "_stdio")
            return names

    assert anyio.run(scenario) == sorted(op.name for op in OPERATIONS)


def test_a_read_scope_serves_only_read_tools(stdio_server, text_of):
    server = stdio_server("--scope", "read")

    async def scenario():
        async with Client(server) as client:
            names = sorted(tool.name for tool in (await client.list_tools()).tools)
            refused = await client.call_tool(
                "create_customer", {"id": "cust_x", "name": "Sneaky Co", "primaryEmail": "x@sneaky.example"}
            )
            return names, refused

    names, refused = anyio.run(scenario)
    assert names == READ_TOOLS
    assert refused.is_error and "permission_denied" in text_of(refused)


def test_it_acts_as_a_named_token_with_its_scope(stdio_server, read_token):
    server = stdio_server("--token", "agent-read")

    async def scenario():
        async with Client(server) as client:
            return sorted(tool.name for tool in (await client.list_tools()).tools)

    assert anyio.run(scenario) == READ_TOOLS


def test_errors_come_back_as_error_results(stdio_server, text_of):
    server = stdio_server("--scope", "write")

    async def scenario():
        async with Client(server) as client:
            return [
                await client.call_tool("get_customer", {"customerId": "cust_nope"}),
                await client.call_tool("list_accounts", {"status": "SLEEPING"}),
            ]

    missing, invalid = anyio.run(scenario)
    assert missing.is_error and "list_customers" in text_of(missing)
    assert invalid.is_error and "status" in text_of(invalid)


def test_stdout_carries_only_the_protocol(subprocess_database_url):
    messages = [
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-11-25",
                "capabilities": {},
                "clientInfo": {"name": "raw", "version": "0"},
            },
        },
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
    ]
    process = subprocess.Popen(
        [sys.executable, "manage.py", "mcp_stdio", "--scope", "read"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=PROJECT_DIR,
        env={
            "DATABASE_URL": subprocess_database_url(),
            "PATH": "/usr/bin:/bin",
            "SECRET_KEY": os.environ["SECRET_KEY"],
        },
    )
    watchdog = threading.Timer(60, process.kill)
    watchdog.start()
    try:
        process.stdin.write("".join(json.dumps(m) + "\n" for m in messages))
        process.stdin.flush()
        lines = []
        # Keep stdin open until both replies are in: EOF ends the session, in-flight requests too.
        while len([line for line in lines if line.strip()]) < 2 and (line := process.stdout.readline()):
            lines.append(line)
        process.stdin.close()
        lines.extend(process.stdout.readlines())  # anything else printed before the process ended
        stderr = process.stderr.read()
        process.wait()
    finally:
        watchdog.cancel()
        process.kill()
    replies = [json.loads(line) for line in lines if line.strip()]  # every stdout line is a JSON-RPC message
    assert [reply.get("id") for reply in replies] == [1, 2]
    assert sorted(tool["name"] for tool in replies[1]["result"]["tools"]) == READ_TOOLS
    assert "read tools" in stderr


def test_it_refuses_an_unknown_token_name(subprocess_database_url):
    completed = subprocess.run(
        [sys.executable, "manage.py", "mcp_stdio", "--token", "nobody"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=PROJECT_DIR,
        env={
            "DATABASE_URL": subprocess_database_url(),
            "PATH": "/usr/bin:/bin",
            "SECRET_KEY": os.environ["SECRET_KEY"],
        },
    )
    assert completed.returncode != 0
    assert completed.stdout == ""
    assert "no live token named 'nobody'" in completed.stderr


def _start_and_exit(database_url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(PROJECT_DIR / "manage.py"), "mcp_stdio", "--scope", "read"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
        env={"DATABASE_URL": database_url, "PATH": "/usr/bin:/bin", "SECRET_KEY": os.environ["SECRET_KEY"]},
        stdin=subprocess.DEVNULL,
    )


def test_a_relative_sqlite_path_names_the_project_file_wherever_the_client_starts_it(subprocess_database_url, tmp_path):
    if not subprocess_database_url().startswith("sqlite"):
        pytest.skip("a SQLite path")
    database = Path(subprocess_database_url().removeprefix("sqlite:///"))
    elsewhere = tmp_path / "client-home"
    elsewhere.mkdir()
    parameters = stdio_parameters(f"sqlite:///{os.path.relpath(database, PROJECT_DIR)}", "--scope", "read")
    parameters = parameters.model_copy(update={"cwd": str(elsewhere)})
    parameters.args[0] = str(PROJECT_DIR / "manage.py")

    async def scenario():
        async with Client(parameters) as client:
            return await client.call_tool("list_customers", {})

    listed = anyio.run(scenario)
    assert not listed.is_error
    assert list(elsewhere.iterdir()) == []  # no empty database was created where the client started it


def test_a_missing_sqlite_database_is_one_line_and_creates_nothing(tmp_path):
    completed = _start_and_exit("sqlite:///never-migrated.sqlite3", tmp_path)
    assert completed.returncode != 0
    assert completed.stdout == ""
    assert completed.stderr.strip().count("\n") == 0
    assert f"no database at {PROJECT_DIR / 'never-migrated.sqlite3'}" in completed.stderr
    assert "manage.py migrate" in completed.stderr
    assert not (PROJECT_DIR / "never-migrated.sqlite3").exists()
    assert list(tmp_path.iterdir()) == []


def test_an_unmigrated_database_is_named_with_the_command_that_fixes_it(tmp_path):
    empty = tmp_path / "empty.sqlite3"
    sqlite3.connect(empty).close()
    completed = _start_and_exit(f"sqlite:///{empty}", tmp_path)
    assert completed.returncode != 0
    assert completed.stderr.strip().count("\n") == 0
    assert "lacks" in completed.stderr and "manage.py migrate" in completed.stderr


def test_an_unreachable_postgresql_server_is_one_line_not_a_traceback(tmp_path):
    completed = _start_and_exit("postgres://postgres@127.0.0.1:1/billing", tmp_path)
    assert completed.returncode != 0
    assert completed.stdout == ""
    assert completed.stderr.strip().count("\n") == 0
    assert "Traceback" not in completed.stderr
    assert "cannot use the postgresql database billing" in completed.stderr


def test_a_malformed_database_url_is_one_line_not_a_traceback(tmp_path):
    completed = _start_and_exit("nosuchscheme://somewhere/billing", tmp_path)
    assert completed.returncode != 0
    assert completed.stderr.strip().count("\n") == 0
    assert completed.stderr.startswith("manage.py: ")
