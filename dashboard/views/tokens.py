"""API tokens for the MCP endpoint and the REST API: create with a scope (the secret is shown once,
in the response to the create, and never stored or shown again) and revoke."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from billing_admin.engine import tokens
from billing_admin.errors import BillingError

from ..access import finance_admin_required, staff_actor, viewer_required
from ..calls import attach_error
from ..forms.tokens import TokenForm
from ..rendering import redirect_to, render_page, wants_fragment


def _page(
    request: HttpRequest,
    form: TokenForm,
    *,
    issued: tokens.IssuedToken | None = None,
    notice: str = "",
    problem: str = "",
) -> HttpResponse:
    context = {
        "tokens": list(tokens.token_list()),
        "now": timezone.now(),
        "form": form,
        "issued": issued,
        "notice": notice,
        "problem": problem,
        "nav": "tokens",
    }
    response = render_page(request, "dashboard/tokens.html", context, partial="token-panel")
    if issued is not None:
        response["Cache-Control"] = "no-store"  # the one response that carries the secret
    return response


@viewer_required
@require_GET
def token_list(request: HttpRequest) -> HttpResponse:
    return _page(request, TokenForm())


@finance_admin_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST)
    if form.is_valid():
        try:
            issued = tokens.token_create(
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                expires_at=tokens.token_expiry_parse(form.cleaned_data["expires"]),
                actor=staff_actor(request),
            )
        except BillingError as exc:
            attach_error(form, exc)
        else:
            # Rendered in this POST's own response, never stored or redirected to: shown this once.
            return _page(request, TokenForm(), issued=issued)
    return _page(request, form)


@finance_admin_required
@require_POST
def token_revoke(request: HttpRequest) -> HttpResponse:
    name = request.POST.get("name", "")
    try:
        tokens.token_revoke(name=name, actor=staff_actor(request))
    except BillingError as exc:
        notice, problem = "", exc.message
    else:
        notice, problem = f"Token '{name}' revoked; clients using it are refused from now on.", ""
    if wants_fragment(request):
        return _page(request, TokenForm(), notice=notice, problem=problem)
    if problem:
        messages.error(request, problem)
    else:
        messages.success(request, notice)
    return redirect_to(request, reverse("dashboard:tokens"))
