from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


class LoginView(auth_views.LoginView):
    template_name = "dashboard/login.html"
    redirect_authenticated_user = True


login = LoginView.as_view()
logout = auth_views.LogoutView.as_view()


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    """The sign-in page once django-axes has locked this username and address out (429)."""
    minutes = round(settings.AXES_COOLOFF_TIME.total_seconds() / 60)
    message = (
        f"Sign-in is locked for this username from your address after {settings.AXES_FAILURE_LIMIT} failed "
        f"attempts. Try again in {minutes} minutes, or ask an administrator to unlock it "
        "(manage.py axes_reset_username <username>)."
    )
    context = {"form": AuthenticationForm(request), "locked_out": message, "next": request.POST.get("next", "")}
    response = render(request, "dashboard/login.html", context, status=429)
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response
