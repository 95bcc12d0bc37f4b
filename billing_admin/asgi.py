"""The ASGI app uvicorn serves: Django for pages and the API; the MCP endpoint joins at /mcp."""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "billing_admin.settings")
application = get_asgi_application()
