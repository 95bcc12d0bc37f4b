"""Four-eyes approvals: money moves above their ceiling wait here for a second finance admin, who
approves (the write runs, as them, with the requester named in the audit) or rejects (nothing runs).
The person who asked cannot approve their own request; viewers see the list but cannot decide."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from billing_admin.approvals import selectors
from billing_admin.approvals.models import Approval
from billing_admin.approvals.services import approval_approve, approval_reject, approvals_expire, describe
from billing_admin.errors import BillingError

from ..access import finance_admin_required, staff_actor, viewer_required
from ..rendering import redirect_to, render_page, wants_fragment

PAGE = "dashboard/approvals.html"


def waiting_notice(approval: Approval) -> str:
    return (
        f"{describe(approval)} is above the limit, so it needs a second finance admin: request "
        f"#{approval.pk} is waiting on the Approvals page. Nothing has changed yet."
    )


def _page(request: HttpRequest, *, notice: str = "", problem: str = "", status: int = 200) -> HttpResponse:
    context = {
        "pending": list(selectors.approvals_pending()),
        "decided": selectors.approvals_decided(),
        "notice": notice,
        "problem": problem,
        "nav": "approvals",
    }
    return render_page(request, PAGE, context, partial="approval-panel", status=status)


@viewer_required
@require_GET
def approval_list(request: HttpRequest) -> HttpResponse:
    approvals_expire()
    return _page(request)


@finance_admin_required
@require_POST
def approval_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    actor = staff_actor(request)
    try:
        if decision == "approve":
            approval = approval_approve(approval_id=pk, actor=actor)
            notice = f"Approved request #{pk}: {describe(approval)} is done."
        else:
            approval = approval_reject(approval_id=pk, actor=actor, reason=request.POST.get("reason", "").strip())
            notice = f"Rejected request #{pk}: {describe(approval)} did not run."
        problem = ""
    except BillingError as exc:
        notice, problem = "", exc.message
    if wants_fragment(request):
        # htmx swaps only 2xx answers: a refusal comes back in the panel with 200.
        return _page(request, notice=notice, problem=problem)
    if problem:
        messages.error(request, problem)
    else:
        messages.success(request, notice)
    return redirect_to(request, reverse("dashboard:approvals"))
