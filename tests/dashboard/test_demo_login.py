"""`manage.py ensure_demo_login`: a finance admin and a viewer for the demo, safe to run twice."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from dashboard.access import can_read, can_write

pytestmark = pytest.mark.django_db


def test_it_creates_a_finance_admin_and_a_viewer_and_can_run_twice(capsys):
    call_command("ensure_demo_login")
    call_command("ensure_demo_login")
    finance = authenticate(username="finance", password="demo-finance-2026")
    viewer = authenticate(username="viewer", password="demo-viewer-2026")
    assert can_write(finance) and can_read(viewer) and not can_write(viewer)
    assert "finance / demo-finance-2026" in capsys.readouterr().out
