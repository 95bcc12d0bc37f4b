"""Dependencies point one way: dashboard -> mcp_bridge -> billing_admin."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "billing_admin": ("dashboard", "mcp_bridge"),
    "mcp_bridge": ("dashboard",),
}
# The project's entry points mount every door; the billing domain beside them must not reach up.
WIRING = {"billing_admin/asgi.py", "billing_admin/urls.py", "billing_admin/settings.py", "billing_admin/wsgi.py"}


def imported_packages(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_a_lower_layer_never_imports_a_higher_one(package):
    offenders = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in sorted((ROOT / package).rglob("*.py"))
        if str(path.relative_to(ROOT)) not in WIRING
        for name in imported_packages(path) & set(FORBIDDEN[package])
    ]
    assert offenders == []


def test_the_check_sees_imports_written_either_way(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import dashboard.views\nfrom mcp_bridge.server import x\nfrom . import local\n")
    assert imported_packages(sample) == {"dashboard", "mcp_bridge"}
