"""Create (or reset) the demo's staff login and print it."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand

USERNAME = "finance"
PASSWORD = "demo-finance-2026"


class Command(BaseCommand):
    help = "Create the demo staff login (a finance admin) and print its credentials."

    def handle(self, *args, **options) -> None:
        user, _ = get_user_model().objects.get_or_create(username=USERNAME, defaults={"email": "finance@example.com"})
        user.is_staff = True
        user.set_password(PASSWORD)
        user.save()
        admins, _ = Group.objects.get_or_create(name="Finance admins")
        Group.objects.get_or_create(name="Viewers")
        user.groups.add(admins)
        self.stdout.write(f"Log in at http://127.0.0.1:8000/ as {USERNAME} / {PASSWORD}")
