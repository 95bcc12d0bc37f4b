"""The client's address, as the throttles (sign-in and bearer tokens) count it.

Without a proxy it is the socket's peer. Behind one, set CLIENT_IP_HEADER to the header the proxy
writes (e.g. X-Forwarded-For); its last entry is the one the proxy itself added, the others
came from the client and could be anything. Trust the header only when every request passes the proxy.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.http import HttpRequest


def _from_header(value: str | None) -> str | None:
    if not value:
        return None
    last = value.split(",")[-1].strip()
    try:
        return str(ipaddress.ip_address(last))
    except ValueError:  # not an address (a misconfigured proxy): use the peer's
        return None


def request_client_ip(request: HttpRequest) -> str | None:
    """For Django requests (the REST API, the sign-in page via django-axes); None when unknown."""
    header = settings.CLIENT_IP_HEADER
    if header and (address := _from_header(request.headers.get(header))):
        return address
    return request.META.get("REMOTE_ADDR") or None


def scope_client_ip(scope: Mapping[str, Any]) -> str:
    """For raw ASGI requests (the MCP endpoint)."""
    header = settings.CLIENT_IP_HEADER
    if header:
        wanted = header.lower().encode("latin-1")
        for name, value in scope.get("headers", []):
            if name == wanted and (address := _from_header(value.decode("latin-1"))):
                return address
    client = scope.get("client")
    return client[0] if client else "unknown"
