"""Create (or reset) the demo's staff logins and print them: a finance admin and a viewer."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand

FINANCE_ADMINS, VIEWERS = "Finance admins", "Viewers"
USERNAME = "finance"
PASSWORD = "demo-finance-2026"
# (username, password, group): the finance admin writes; the viewer sees the same pages without write controls.
LOGINS = [(USERNAME, PASSWORD, FINANCE_ADMINS), ("viewer", "demo-viewer-2026", VIEWERS)]


class Command(BaseCommand):
    help = "Create the demo staff logins (a finance admin and a viewer) and print their credentials."

    def handle(self, *args: Any, **options: Any) -> None:
        groups = {name: Group.objects.get_or_create(name=name)[0] for name in (FINANCE_ADMINS, VIEWERS)}
        for username, password, group in LOGINS:
            user, _ = get_user_model().objects.get_or_create(
                username=username, defaults={"email": f"{username}@example.com"}
            )
            user.is_staff = group == FINANCE_ADMINS
            user.set_password(password)
            user.save()
            if group == VIEWERS:
                user.groups.set([groups[VIEWERS]])  # the demo viewer stays read-only
            else:
                user.groups.add(groups[group])
        self.stdout.write(f"Log in at http://127.0.0.1:8000/ as {USERNAME} / {PASSWORD} (finance admin)")
        self.stdout.write("  or as viewer / demo-viewer-2026 (read-only)")
