"""The Togai-compatible REST API under /api/, routed from the endpoint table."""

from __future__ import annotations

import re

from django.urls import path, re_path

from . import docs
from .endpoints import ENDPOINTS, Endpoint
from .views import endpoint_view, not_found

app_name = "api"


def _routes() -> list:
    by_path: dict[str, dict[str, Endpoint]] = {}
    for endpoint in ENDPOINTS:
        by_path.setdefault(endpoint.path, {})[endpoint.method] = endpoint
    # Literal paths first, so `invoices/generate` is not taken for `invoices/{invoice_id}`.
    ordered = sorted(by_path.items(), key=lambda item: item[0].count("{"))
    return [
        path(re.sub(r"\{(\w+)\}", r"<str:\1>", route), endpoint_view(methods), name=route) for route, methods in ordered
    ]


urlpatterns = [
    path("openapi.json", docs.openapi_json, name="openapi"),
    path("docs", docs.docs_page, name="docs"),
    *_routes(),
    re_path(r"^(?P<rest>.*)$", not_found),
]
