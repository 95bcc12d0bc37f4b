"""Who may see and change what on the pages: two roles, held as Django groups.

`Viewers` read everything; `Finance admins` also write. A superuser counts as a finance admin.
Every read view is wrapped in `viewer_required` and every write view in `finance_admin_required`;
templates hide write controls behind `can_write`, which the page renderer puts in every context.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from asgiref.sync import iscoroutinefunction, sync_to_async
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django_htmx.http import HttpResponseClientRedirect

from billing_admin.actors import Actor

FINANCE_ADMINS = "Finance admins"
VIEWERS = "Viewers"

View = Callable[..., HttpResponse]


def roles_of(user) -> frozenset[str]:  # noqa: ANN001 - a Django user
    """The dashboard roles a user holds, read once per request and kept on the user object."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_dashboard_roles", None)
    if cached is None:
        names = set(user.groups.filter(name__in=[FINANCE_ADMINS, VIEWERS]).values_list("name", flat=True))
        if user.is_superuser:
            names.add(FINANCE_ADMINS)
        cached = frozenset(names)
        user._dashboard_roles = cached
    return cached


def can_read(user) -> bool:  # noqa: ANN001
    return bool(roles_of(user))


def can_write(user) -> bool:  # noqa: ANN001
    return FINANCE_ADMINS in roles_of(user)


def _to_login(request: HttpRequest) -> HttpResponse:
    """The login page, coming back here afterwards. Under htmx the whole window goes there (and comes
    back to the page the person was on), not just the region that asked."""
    htmx = getattr(request, "htmx", None)
    if htmx:
        back = htmx.current_url_abs_path or request.get_full_path()
        return HttpResponseClientRedirect(redirect_to_login(back, settings.LOGIN_URL)["Location"])
    return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)


def _requiring(check: Callable[[object], bool], refusal: str) -> Callable[[View], View]:
    def refused(request: HttpRequest) -> HttpResponse | None:
        if not request.user.is_authenticated:
            return _to_login(request)
        if not check(request.user):
            raise PermissionDenied(refusal)
        return None

    def decorator(view: View) -> View:
        if iscoroutinefunction(view):

            @wraps(view)
            async def async_wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
                return await sync_to_async(refused)(request) or await view(request, *args, **kwargs)

            return async_wrapper

        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            return refused(request) or view(request, *args, **kwargs)

        return wrapper

    return decorator


viewer_required = _requiring(
    can_read, "Your login has no dashboard role yet; ask a finance admin to add you to Viewers or Finance admins."
)
"""Logged in (else the login page) and holding either role (else 403): every read view."""

finance_admin_required = _requiring(can_write, "Only finance admins can make changes; viewers can look but not write.")
"""Logged in (else the login page) and a finance admin (else 403): every write view."""


def staff_actor(request: HttpRequest) -> Actor:
    """The person behind this request, acting through the pages: every service call's actor."""
    return Actor.staff(request.user, door="page")
