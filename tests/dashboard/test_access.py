"""Who gets in: anonymous people go to the login page (the whole window under htmx), a login without
a role is refused, viewers read every page but write nothing, finance admins do both."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from billing_admin.engine.models import AuditLog
from dashboard.access import can_read, can_write, roles_of
from tests.dashboard import factories
from tests.dashboard.conftest import HTMX

pytestmark = pytest.mark.django_db

READ_PAGES = [
    ("dashboard:overview", []),
    ("dashboard:customer-list", []),
    ("dashboard:customer-detail", ["cust_123"]),
    ("dashboard:account-list", []),
    ("dashboard:account-detail", ["acc_987"]),
    ("dashboard:invoice-list", []),
    ("dashboard:invoice-export", []),
    ("dashboard:meter-list", []),
    ("dashboard:plan-list", []),
    ("dashboard:events", []),
    ("dashboard:metrics", []),
    ("dashboard:audit", []),
    ("dashboard:tokens", []),
]
# Every write, with a request that would succeed for a finance admin.
WRITES = [
    ("dashboard:customer-create", [], {"id": "cust_new", "name": "Newco Ltd", "primaryEmail": "ap@newco.example"}),
    ("dashboard:customer-edit", ["cust_123"], {"name": "Acme Corporation", "primaryEmail": "billing@acme.example"}),
    (
        "dashboard:account-create",
        [],
        {"id": "acc_new", "customerId": "cust_123", "name": "Acme EU", "status": "ACTIVE"},
    ),
    ("dashboard:account-edit", ["acc_987"], {"name": "Acme Prod", "status": "ACTIVE"}),
    ("dashboard:account-assign-plan", ["acc_987"], {"pricePlanId": "pp.none"}),
    ("dashboard:account-grant-credit", ["acc_987"], {"creditAmount": "25", "purpose": "Goodwill", "priority": "50"}),
    ("dashboard:account-top-up", ["acc_987"], {"topupAmount": "100"}),
    ("dashboard:invoice-status", ["inv.none"], {"status": "PAID", "reason": "Wire received"}),
    ("dashboard:meter-create", [], {"name": "calls", "eventSchemaName": "calls", "aggregation": "COUNT"}),
    ("dashboard:plan-create", [], {"name": "Basic"}),
    ("dashboard:token-create", [], {"name": "pipeline", "scope": "read"}),
    ("dashboard:token-revoke", [], {"name": "pipeline"}),
]
WRITE_FORMS = [name for name, _, _ in WRITES if name not in {
    "dashboard:account-grant-credit", "dashboard:account-top-up", "dashboard:invoice-status",
    "dashboard:token-create", "dashboard:token-revoke"}]  # fmt: skip


@pytest.mark.parametrize(("name", "args"), READ_PAGES)
def test_it_sends_anonymous_people_to_the_login_page(anonymous, customer, name, args):
    url = reverse(name, args=args)
    response = anonymous.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('dashboard:login')}?next={url}"


def test_it_sends_the_whole_window_to_the_login_page_under_htmx(anonymous):
    response = anonymous.get(reverse("dashboard:invoice-list"), headers={"HX-Request": "true",
                             "HX-Current-URL": "http://testserver/invoices/?status=DUE"})  # fmt: skip
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/login/?next=/invoices/%3Fstatus%3DDUE"


@pytest.mark.parametrize(("name", "args", "data"), WRITES)
def test_it_sends_anonymous_writers_to_the_login_page_and_changes_nothing(anonymous, customer, name, args, data):
    before = AuditLog.objects.count()
    response = anonymous.post(reverse(name, args=args), data)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("dashboard:login"))
    assert AuditLog.objects.count() == before


@pytest.mark.parametrize(("name", "args"), READ_PAGES)
def test_it_refuses_a_login_without_a_role(outsider, customer, name, args):
    response = outsider.get(reverse(name, args=args))
    assert response.status_code == 403
    assert b"ask a finance admin" in response.content


@pytest.mark.parametrize(("name", "args"), READ_PAGES)
def test_a_viewer_reads_every_page(viewer, customer, name, args):
    assert viewer.get(reverse(name, args=args)).status_code == 200


@pytest.mark.parametrize(("name", "args", "data"), WRITES)
def test_a_viewer_cannot_write_and_nothing_changes(viewer, customer, name, args, data):
    before = AuditLog.objects.count()
    response = viewer.post(reverse(name, args=args), data)
    assert response.status_code == 403
    assert b"Only finance admins can make changes" in response.content
    assert AuditLog.objects.count() == before


@pytest.mark.parametrize("name", WRITE_FORMS)
def test_a_viewer_cannot_open_a_write_form(viewer, customer, name):
    args = next(a for n, a, _ in WRITES if n == name)
    assert viewer.get(reverse(name, args=args)).status_code == 403


def posted_to(page: str) -> set[str]:
    """Every address a form or htmx control on the page would POST to."""
    forms = re.findall(r'<form[^>]*method="post"[^>]*action="([^"]*)"', page)
    return set(forms) | set(re.findall(r'hx-post="([^"]*)"', page))


@pytest.mark.parametrize(("name", "args"), [(n, a) for n, a in READ_PAGES if n != "dashboard:invoice-export"])
def test_a_viewer_never_sees_a_write_button(viewer, billed, name, args):
    page = viewer.get(reverse(name, args=args)).content.decode()
    assert posted_to(page) <= {reverse("dashboard:logout")}, name
    for control in ("New customer", "New account", "Grant credit", "Add to wallet", ">Edit<", "Assign a plan",
                    "Change plan", "New meter", "New plan", "Create token", "Revoke"):  # fmt: skip
        assert control not in page, (name, control)


def test_a_viewer_sees_no_settle_form_on_a_due_invoice(viewer, admin, billed):
    url = reverse("dashboard:invoice-detail", args=[billed.due_invoice])
    assert "Settle this invoice" not in viewer.get(url).content.decode()
    assert "Settle this invoice" in admin.get(url).content.decode()


def test_a_finance_admin_sees_the_write_buttons(admin, billed):
    page = admin.get(reverse("dashboard:account-detail", args=["acc_987"])).content.decode()
    for control in ("Grant credit", "Add to wallet", ">Edit<", "Change plan"):
        assert control in page


def test_roles_come_from_groups_and_a_superuser_is_a_finance_admin(db):
    from django.contrib.auth import get_user_model

    boss = get_user_model().objects.create_superuser("boss", "boss@example.com", factories.PASSWORD)
    assert roles_of(factories.viewer()) == {"Viewers"}
    assert can_write(factories.finance_admin()) and can_write(boss)
    assert not can_read(factories.person("nobody"))


def test_an_inactive_login_holds_no_role(db):
    user = factories.finance_admin()
    user.is_active = False
    assert not can_read(user)


def test_a_write_is_audited_as_the_person_through_the_page_door(admin, customer):
    admin.post(reverse("dashboard:account-top-up", args=["acc_987"]), {"topupAmount": "100"})
    entry = AuditLog.objects.get(action="top_up_wallet")
    assert (entry.actor_name, entry.door, entry.actor_kind) == ("fiona", "page", "user")


def test_the_htmx_fragment_of_a_page_is_not_the_page(viewer, customer):
    full = viewer.get(reverse("dashboard:customer-list")).content.decode()
    fragment = viewer.get(reverse("dashboard:customer-list"), **HTMX)
    assert "<html" in full and "<html" not in fragment.content.decode()
    assert fragment.content.decode().lstrip().startswith('<div id="customer-table"')
    assert "HX-Request" in fragment["Vary"]


@pytest.mark.django_db(transaction=True)  # the role check runs in sync_to_async's thread
def test_the_role_checks_also_guard_async_views():
    import asyncio

    from django.http import HttpResponse
    from django.test import RequestFactory

    from dashboard.access import viewer_required

    @viewer_required
    async def hello(request):
        return HttpResponse("hello")

    request = RequestFactory().get("/somewhere/")
    request.user = factories.viewer()
    assert asyncio.run(hello(request)).content == b"hello"
    request.user = factories.person("nobody")
    with pytest.raises(PermissionDenied):
        asyncio.run(hello(request))
