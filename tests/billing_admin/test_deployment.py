"""Production settings: the process refuses to start without a key, the README's production
environment passes `check --deploy` with no warnings, and every page is served under a CSP that
allows no inline script or style."""

from __future__ import annotations

import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]
TEMPLATE_DIRS = [PROJECT_DIR / "templates", PROJECT_DIR / "billing_admin" / "api" / "templates"]


def documented_production_env() -> dict[str, str]:
    """The KEY=value lines of the sh block under README's "Deployment" heading."""
    readme = (PROJECT_DIR / "README.md").read_text()
    section = readme.split("\n## Deployment\n", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    return dict(line.split("=", 1) for line in block.splitlines() if "=" in line and not line.startswith("#"))


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=PROJECT_DIR,
        env={"PATH": "/usr/bin:/bin", "ENV_FILE": "", **env},  # no developer's .env in the way
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_documented_production_env_passes_check_deploy_with_no_warnings():
    env = documented_production_env()
    assert env["DEBUG"] == "false" and env["SECRET_KEY"].startswith("$(")  # generated, never a literal
    env["SECRET_KEY"] = secrets.token_urlsafe(50)
    result = run("manage.py", "check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_without_the_documented_hardening_check_deploy_warns():
    # The check above can fail: the same env without the proxy header and preload flag is not clean.
    env = {**documented_production_env(), "SECRET_KEY": secrets.token_urlsafe(50), "SECURE_SSL_REDIRECT": "false"}
    result = run("manage.py", "check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode != 0
    assert "security.W008" in result.stdout + result.stderr


@pytest.mark.parametrize(
    "command",
    [("manage.py", "check"), ("-c", "import billing_admin.asgi")],
    ids=["manage.py", "the ASGI app"],
)
def test_with_debug_off_and_no_secret_key_it_refuses_to_start_with_one_line(command):
    result = run(*command, env={"DEBUG": "false"})
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "SECRET_KEY is not set and DEBUG is off" in lines[0]


def test_with_debug_on_a_development_key_is_used():
    result = run("manage.py", "check", env={"DEBUG": "true"})
    assert result.returncode == 0, result.stderr


def test_the_shipped_env_example_is_production_safe():
    example = dict(
        line.split("=", 1)
        for line in (PROJECT_DIR / ".env.example").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    )
    assert example["DEBUG"] == "false"
    assert example["SECRET_KEY"] == ""  # refuses to start until one is set
    result = run("manage.py", "check", env={"ENV_FILE": str(PROJECT_DIR / ".env.example")})
    assert result.returncode != 0 and "SECRET_KEY is not set" in result.stderr


@pytest.mark.django_db
def test_pages_are_served_with_a_csp_that_allows_no_inline_script_or_style(client):
    response = client.get("/login/")
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["default-src"] == "'self'"
    # A nonce is added when the page uses one.
    assert re.fullmatch(r"'self'( 'nonce-[^']+')?", directives["script-src"])
    assert re.fullmatch(r"'self'( 'nonce-[^']+')?", directives["style-src"])
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert directives["frame-ancestors"] == "'none'"


@pytest.mark.django_db
def test_the_api_docs_inline_style_carries_the_responses_nonce(client):
    response = client.get("/api/docs")
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    assert f'<style nonce="{nonce}">' in response.content.decode()


def test_no_template_has_inline_scripts_handlers_or_style_attributes():
    # Under the CSP these would be blocked in the browser; scripts and styles live in static/.
    problems = []
    for directory in TEMPLATE_DIRS:
        for path in directory.rglob("*.html"):
            text = path.read_text()
            for pattern in (r"<script(?![^>]*\bsrc=)[^>]*>", r"\son[a-z]+=", r"\sstyle=", r"<style(?![^>]*nonce=)"):
                problems += [f"{path.relative_to(PROJECT_DIR)}: {m.group(0)}" for m in re.finditer(pattern, text)]
    assert problems == []
