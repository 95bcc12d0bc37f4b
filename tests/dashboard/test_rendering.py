"""One view and one template serve the page and its fragment: htmx gets only the region it asked for,
except for a boosted navigation or a history restore, which need the whole page."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

FRAGMENTS = [
    ("dashboard:customer-list", "customer-table"),
    ("dashboard:account-list", "account-table"),
    ("dashboard:invoice-list", "invoice-table"),
    ("dashboard:meter-list", "meter-table"),
    ("dashboard:plan-list", "plan-table"),
    ("dashboard:events", "event-table"),
    ("dashboard:metrics", "metric-charts"),
    ("dashboard:audit", "audit-table"),
    ("dashboard:tokens", "token-panel"),
]


@pytest.mark.parametrize(("name", "region"), FRAGMENTS)
def test_htmx_gets_only_the_region_named_like_its_dom_id(viewer, customer, name, region):
    response = viewer.get(reverse(name), headers={"HX-Request": "true"})
    body = response.content.decode().lstrip()
    assert body.startswith(f'<div id="{region}"') and "<html" not in body
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize("header", ["HX-Boosted", "HX-History-Restore-Request"])
def test_a_boosted_or_restoring_request_gets_the_whole_page(viewer, customer, header):
    response = viewer.get(reverse("dashboard:invoice-list"), headers={"HX-Request": "true", header: "true"})
    assert "<html" in response.content.decode()


def test_the_chat_panel_slot_is_on_every_page(viewer, customer):
    page = viewer.get(reverse("dashboard:overview")).content.decode()
    assert '<div class="chat-slot">' in page


def test_htmx_is_served_from_our_static_files(viewer, customer):
    page = viewer.get(reverse("dashboard:overview")).content.decode()
    assert '<script src="/static/vendor/htmx/htmx-2.0.10.min.js" defer></script>' in page
    assert "unpkg.com" not in page and "cdn" not in page.lower()
