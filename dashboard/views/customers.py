"""Customers: search and pages, the detail with its accounts, create (with a first account) and edit."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from billing_admin import schemas as s

from ..access import finance_admin_required, viewer_required
from ..calls import Unavailable, read, write
from ..forms.customers import ADDRESS_FIELDS, CustomerForm
from ..rendering import redirect_to, render_page, unavailable_page

PAGE_SIZE = 25


@viewer_required
@require_GET
def customer_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    cursor = request.GET.get("cursor") or None
    page = read(request, "list_customers", {"query": query, "nextToken": cursor, "pageSize": PAGE_SIZE})
    context = {"page": page, "q": query, "cursor": cursor, "nav": "customers"}
    return render_page(request, "dashboard/customers/list.html", context, partial="customer-table")


@viewer_required
@require_GET
def customer_detail(request: HttpRequest, customer_id: str) -> HttpResponse:
    customer = read(request, "get_customer", {"customerId": customer_id})
    if isinstance(customer, Unavailable):
        return unavailable_page(request, customer, title=f"Customer {customer_id} cannot be shown", nav="customers")
    return render_page(request, "dashboard/customers/detail.html", {"customer": customer, "nav": "customers"})


@finance_admin_required
@require_http_methods(["GET", "POST"])
def customer_create(request: HttpRequest) -> HttpResponse:
    form = CustomerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        created = write(request, form, "create_customer", form.payload())
        if isinstance(created, s.CreateCustomerResponse):
            messages.success(request, f"Customer {created.name} created.")
            return redirect_to(request, reverse("dashboard:customer-detail", args=[created.id]))
    context = {"form": form, "nav": "customers", "creating": True}
    return render_page(request, "dashboard/customers/form.html", context, partial="customer-form")


@finance_admin_required
@require_http_methods(["GET", "POST"])
def customer_edit(request: HttpRequest, customer_id: str) -> HttpResponse:
    customer = read(request, "get_customer", {"customerId": customer_id})
    if isinstance(customer, Unavailable):
        return unavailable_page(request, customer, title=f"Customer {customer_id} cannot be edited", nav="customers")
    initial = {"name": customer.name, "primaryEmail": customer.primaryEmail}
    if customer.address:
        initial.update({name: getattr(customer.address, name) for name in ADDRESS_FIELDS})
    form = CustomerForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        updated = write(request, form, "update_customer", form.payload(customer_id=customer.id))
        if updated is not None:
            messages.success(request, "Customer saved.")
            return redirect_to(request, reverse("dashboard:customer-detail", args=[customer.id]))
    context = {"form": form, "customer": customer, "nav": "customers"}
    return render_page(request, "dashboard/customers/form.html", context, partial="customer-form")
