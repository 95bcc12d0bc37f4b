"""Accounts: list, detail (plan and cycle, usage, wallet and credits, entitlements, invoices, events),
create and edit, assign a plan, and the money writes (grant credit, top up) with their panels."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from billing_admin import schemas as s
from billing_admin.approvals.models import Approval
from billing_admin.schemas import AccountDetail

from .. import togai_reads
from ..access import finance_admin_required, viewer_required
from ..backend_mode import engine_tables_answer
from ..calls import Unavailable, money_write, read, write
from ..forms.accounts import AccountFilterForm, AccountForm, AssignPlanForm
from ..forms.money import GrantCreditForm, TopUpForm
from ..rendering import redirect_to, render_page, unavailable_page, wants_fragment
from ..selectors.invoices import account_pk
from ..selectors.ledger import account_ledger, active_credits
from .approvals import waiting_notice

PAGE_SIZE = 25
BALANCE_CHANGED = "balance-changed"
PANELS = ("wallet-panel", "ledger-panel")


@viewer_required
@require_GET
def account_list(request: HttpRequest) -> HttpResponse:
    filters = AccountFilterForm(request.GET)
    data = filters.cleaned_data if filters.is_valid() else {}
    cursor = request.GET.get("cursor") or None
    page = read(
        request,
        "list_accounts",
        {
            "query": data.get("q"),
            "customerId": data.get("customer"),
            "status": data.get("status"),
            "nextToken": cursor,
            "pageSize": PAGE_SIZE,
        },
    )
    context = {"page": page, "filters": filters, "cursor": cursor, "nav": "accounts"}
    return render_page(request, "dashboard/accounts/list.html", context, partial="account-table")


def money_context(request: HttpRequest, account_id: str, account: AccountDetail | None = None) -> dict:
    """What the wallet and ledger panels show; shared by the page and the panels' refresh. `account`,
    when the page already read it, saves reading it again."""
    if not engine_tables_answer():
        return togai_reads.account_money(request, account_id, account)
    pk = account_pk(account_id)
    if pk is None:
        raise Http404(f"account '{account_id}' not found")
    return {
        "balance": read(request, "get_wallet_balance", {"accountId": account_id}),
        "credits": active_credits(account_pk=pk),
        "ledger": account_ledger(account_pk=pk),
    }


@viewer_required
@require_GET
def account_detail(request: HttpRequest, account_id: str) -> HttpResponse:
    account = read(request, "get_account", {"accountId": account_id})
    if isinstance(account, Unavailable):
        return unavailable_page(request, account, title=f"Account {account_id} cannot be shown", nav="accounts")
    if account.id != account_id:  # reached by an alias: one canonical address per account
        return redirect_to(request, reverse("dashboard:account-detail", args=[account.id]))
    context = {
        "account": account,
        "entitlements": read(request, "get_entitlements", {"accountId": account.id}),
        "events": read(request, "list_events", {"accountId": account.id, "pageSize": 8}),
        "invoices": read(request, "list_invoices", {"accountId": account.id, "pageSize": 8}),
        "grant_form": GrantCreditForm(),
        "topup_form": TopUpForm(),
        "nav": "accounts",
        **money_context(request, account.id, account),
    }
    return render_page(request, "dashboard/accounts/detail.html", context)


@viewer_required
@require_GET
def account_money_panel(request: HttpRequest, account_id: str, panel: str) -> HttpResponse:
    """The wallet or the ledger panel alone: the page fetches them again when a balance changes."""
    if panel not in PANELS:
        raise Http404("no such panel")
    if not wants_fragment(request):
        return redirect_to(request, reverse("dashboard:account-detail", args=[account_id]) + f"#{panel}")
    context = {"account": {"id": account_id}, **money_context(request, account_id)}
    return render_page(request, "dashboard/accounts/detail.html", context, partial=panel)


def _money_write(
    request: HttpRequest, account_id: str, form: GrantCreditForm | TopUpForm, operation: str
) -> HttpResponse:
    """Grant credit or top up. Under htmx: the form again (fresh after a success) and a
    `balance-changed` event that makes the wallet and ledger panels fetch themselves again.
    Without JavaScript: back to the account page, or the form alone on its own page with its errors."""
    partial = "grant-credit-form" if operation == "grant_credit" else "top-up-form"
    outcome = money_write(request, form, operation, form.payload(account_id=account_id)) if form.is_valid() else None
    # Above its ceiling the write waits for a second finance admin instead of running.
    pending = outcome if isinstance(outcome, Approval) else None
    done = None if pending else outcome
    if outcome is not None and not wants_fragment(request):
        if pending is not None:
            messages.info(request, waiting_notice(pending))
        else:
            messages.success(request, "Credit granted." if operation == "grant_credit" else "Wallet topped up.")
        return redirect_to(request, reverse("dashboard:account-detail", args=[account_id]) + "#wallet-panel")
    if outcome is not None:
        form = type(form)()
    context = {
        "pending": pending,
        "pending_notice": waiting_notice(pending) if pending else "",
        "account": {"id": account_id},
        "grant_form": form if operation == "grant_credit" else GrantCreditForm(),
        "topup_form": form if operation == "top_up_wallet" else TopUpForm(),
        "done": done,
        "operation": operation,
        "nav": "accounts",
    }
    if not wants_fragment(request):
        return render_page(request, "dashboard/accounts/money_form.html", context)
    response = render_page(request, "dashboard/accounts/detail.html", context, partial=partial)
    if done is not None:
        trigger_client_event(response, BALANCE_CHANGED, {"accountId": account_id})
    return response


@finance_admin_required
@require_POST
def account_grant_credit(request: HttpRequest, account_id: str) -> HttpResponse:
    return _money_write(request, account_id, GrantCreditForm(request.POST), "grant_credit")


@finance_admin_required
@require_POST
def account_top_up(request: HttpRequest, account_id: str) -> HttpResponse:
    return _money_write(request, account_id, TopUpForm(request.POST), "top_up_wallet")


@finance_admin_required
@require_http_methods(["GET", "POST"])
def account_create(request: HttpRequest) -> HttpResponse:
    initial = {"customerId": request.GET.get("customer", "")}
    form = AccountForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        created = write(request, form, "create_account", form.payload())
        if isinstance(created, s.Account):
            messages.success(request, f"Account {created.id} created.")
            return redirect_to(request, reverse("dashboard:account-detail", args=[created.id]))
    context = {"form": form, "creating": True, "nav": "accounts"}
    return render_page(request, "dashboard/accounts/form.html", context, partial="account-form")


@finance_admin_required
@require_http_methods(["GET", "POST"])
def account_edit(request: HttpRequest, account_id: str) -> HttpResponse:
    account = read(request, "get_account", {"accountId": account_id})
    if isinstance(account, Unavailable):
        return unavailable_page(request, account, title=f"Account {account_id} cannot be edited", nav="accounts")
    initial = {
        "name": account.name,
        "invoiceCurrency": account.invoiceCurrency,
        "primaryEmail": account.primaryEmail or "",
        "netTermDays": account.netTermDays,
        "status": account.status,
        "tags": ", ".join(account.tags),
    }
    form = AccountForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        updated = write(request, form, "update_account", form.payload(account_id=account.id))
        if updated is not None:
            messages.success(request, "Account saved.")
            return redirect_to(request, reverse("dashboard:account-detail", args=[account.id]))
    context = {"form": form, "account": account, "nav": "accounts"}
    return render_page(request, "dashboard/accounts/form.html", context, partial="account-form")


def plan_choices(request: HttpRequest) -> list[tuple[str, str]] | Unavailable:
    plans = read(request, "list_price_plans", {"pageSize": 200})
    if isinstance(plans, Unavailable):
        return plans
    return [(plan.id, f"{plan.name} · {', '.join(plan.supportedCurrencies)}") for plan in plans.data]


@finance_admin_required
@require_http_methods(["GET", "POST"])
def account_assign_plan(request: HttpRequest, account_id: str) -> HttpResponse:
    account = read(request, "get_account", {"accountId": account_id})
    if isinstance(account, Unavailable):
        return unavailable_page(request, account, title=f"Account {account_id} cannot be shown", nav="accounts")
    plans = plan_choices(request)
    form = AssignPlanForm(
        request.POST or None,
        plans=[] if isinstance(plans, Unavailable) else plans,
        initial={"pricePlanId": account.pricePlanId or ""},
    )
    if request.method == "POST" and form.is_valid():
        updated = write(request, form, "update_account", form.payload(account_id=account.id))
        if updated is not None:
            messages.success(request, f"Plan assigned to {account.name}.")
            return redirect_to(request, reverse("dashboard:account-detail", args=[account.id]))
    context = {"form": form, "account": account, "plans": plans, "nav": "accounts"}
    return render_page(request, "dashboard/accounts/assign_plan.html", context, partial="assign-plan-form")
