#!/usr/bin/env python
from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "billing_admin.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # noqa: B018 - loads the settings, which refuse an unsafe configuration
    except ImproperlyConfigured as exc:
        sys.exit(f"manage.py: {exc}")

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
