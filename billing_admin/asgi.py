"""The ASGI app uvicorn serves: Django for pages and the API; the MCP endpoint at /mcp.

The MCP app is stateless streamable HTTP with JSON responses, so any uvicorn worker can answer any
request. Its session manager runs in the ASGI lifespan (Django's handler does not speak lifespan),
so start uvicorn with the default `--lifespan auto` (or `on`).
"""

from __future__ import annotations

import os
import sys
from typing import Any

from django.core.asgi import get_asgi_application
from django.core.exceptions import ImproperlyConfigured

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "billing_admin.settings")
try:
    django_app = get_asgi_application()  # before anything that imports models
except ImproperlyConfigured as exc:  # e.g. no SECRET_KEY with DEBUG off: one line, not a traceback
    sys.exit(f"billing_admin: {exc}")

from django.conf import settings  # noqa: E402
from mcp.server.transport_security import TransportSecuritySettings  # noqa: E402

from mcp_bridge.auth import BearerTokenAuth  # noqa: E402
from mcp_bridge.server import get_mcp  # noqa: E402

MCP_PATH = "/mcp"

mcp_app = get_mcp().streamable_http_app(
    streamable_http_path=MCP_PATH,  # the router passes the path through unchanged
    stateless_http=True,
    json_response=True,
    transport_security=TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=settings.MCP_ALLOWED_HOSTS,
        allowed_origins=settings.MCP_ALLOWED_ORIGINS,
    ),
)
mcp_endpoint = BearerTokenAuth(mcp_app)


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:  # the ASGI signature
    if scope["type"] == "lifespan":
        await mcp_app(scope, receive, send)  # runs the MCP session manager for the process
    elif scope["type"] == "http" and (scope["path"] == MCP_PATH or scope["path"].startswith(MCP_PATH + "/")):
        await mcp_endpoint(scope, receive, send)
    else:
        await django_app(scope, receive, send)
