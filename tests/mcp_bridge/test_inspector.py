"""An outside client: the MCP Inspector's CLI mode (pinned in `inspector/package.json`) against /mcp.

It runs with the machine's node; its packages are installed from the lock file on first use.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from billing_admin import schemas as s
from billing_admin.engine.backend import EngineService
from billing_admin.operations import OPERATIONS

pytestmark = pytest.mark.django_db(transaction=True)

INSPECTOR_DIR = Path(__file__).resolve().parent / "inspector"
INSPECTOR = INSPECTOR_DIR / "node_modules" / ".bin" / "mcp-inspector"


@pytest.fixture(scope="session")
def inspector() -> Path:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are needed to run the MCP Inspector")
    if not INSPECTOR.exists():
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=INSPECTOR_DIR,
            check=True,
            capture_output=True,
            timeout=600,
        )
    return INSPECTOR


def inspect(inspector: Path, url: str, token: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(inspector), "--cli", url, "--transport", "http", "--header", f"Authorization: Bearer {token}", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_inspector_lists_the_tools_a_read_token_may_use(inspector, mcp_url, read_token):
    completed = inspect(inspector, mcp_url, read_token.raw, "--method", "tools/list")
    assert completed.returncode == 0, completed.stderr
    tools = {tool["name"]: tool for tool in json.loads(completed.stdout)["tools"]}
    assert set(tools) == {op.name for op in OPERATIONS if op.kind == "read"}
    assert tools["get_customer"]["annotations"]["readOnlyHint"] is True
    assert tools["get_customer"]["inputSchema"]["additionalProperties"] is False


def test_the_inspector_calls_a_tool(inspector, mcp_url, read_token, actor):
    EngineService().create_customer(
        s.CreateCustomerRequest(id="cust_123", name="Acme Corp", primaryEmail="billing@acme.example"), actor=actor
    )
    completed = inspect(
        inspector, mcp_url, read_token.raw, "--method", "tools/call", "--tool-name", "get_customer",
        "--tool-arg", "customerId=cust_123",
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout)
    assert result["isError"] is False
    assert result["structuredContent"]["name"] == "Acme Corp"
    assert "name: Acme Corp" in result["content"][0]["text"]


def test_the_inspector_is_turned_away_without_a_valid_token(inspector, mcp_url):
    completed = inspect(inspector, mcp_url, "ba_unknown_token", "--method", "tools/list")
    assert completed.returncode != 0
    assert "invalid_token" in completed.stderr + completed.stdout
