"""One view and one template serve the full page and its fragments (`page.html#part` under htmx)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django_htmx.http import HttpResponseClientRedirect
from django_htmx.middleware import HtmxDetails

from billing_admin.approvals.selectors import approvals_pending_count

from .access import can_read, can_write


class HtmxHttpRequest(HttpRequest):
    """A page request: django-htmx's middleware sets `htmx`, which is truthy when htmx sent it."""

    htmx: HtmxDetails


def wants_fragment(request: HttpRequest) -> bool:
    """htmx asked for a region of the page: not a boosted navigation, not a history restore (both
    need the whole page)."""
    htmx: HtmxDetails | None = getattr(request, "htmx", None)
    return htmx is not None and bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render_page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    partial: str | None = None,
    status: int = 200,
) -> HttpResponse:
    """Render `template`, or only its `partial` when htmx asked for a fragment."""
    name = f"{template}#{partial}" if partial and wants_fragment(request) else template
    context = {**(context or {}), "can_write": can_write(request.user)}
    if not wants_fragment(request) and can_read(request.user):
        context["pending_approvals"] = approvals_pending_count()  # the count beside Approvals in the nav
    response = render(request, name, context, status=status)
    # The same URL answers with a page or a fragment: caches must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


def unavailable_page(request: HttpRequest, unavailable: Any, *, title: str, nav: str) -> HttpResponse:
    """Instead of a page whose subject the backend could not give (Togai refused or did not answer,
    an operation it lacks): the reason, in the page's place."""
    context = {"unavailable": unavailable, "title": title, "nav": nav}
    return render_page(request, "dashboard/unavailable.html", context)


def redirect_to(request: HttpRequest, url: str) -> HttpResponse:
    """After a successful write: a client-side redirect under htmx, a 302 otherwise."""
    if getattr(request, "htmx", None):
        return HttpResponseClientRedirect(url)
    return redirect(url)
