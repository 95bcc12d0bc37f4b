"""Who may see and change what on the pages: two roles, held as Django groups.

`Viewers` read everything; `Finance admins` also write. A superuser counts as a finance admin.
Every read view is wrapped in `viewer_required` and every write view in `finance_admin_required`;
templates hide write controls behind `can_write`, which the page renderer puts in every context.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar, cast

from asgiref.sync import iscoroutinefunction, sync_to_async
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django_htmx.http import HttpResponseClientRedirect

from billing_admin.actors import Actor

if TYPE_CHECKING:
    from django.contrib.auth.models import User

FINANCE_ADMINS = "Finance admins"
VIEWERS = "Viewers"

View = TypeVar("View", bound=Callable[..., Any])  # a view function, sync or async
_ROLES_CACHE = "_dashboard_roles"


def roles_of(user: User | AnonymousUser) -> frozenset[str]:
    """The dashboard roles a user holds, read once per request and kept on the user object."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, _ROLES_CACHE, None)
    if cached is None:
        names = set(user.groups.filter(name__in=[FINANCE_ADMINS, VIEWERS]).values_list("name", flat=True))
        if user.is_superuser:
            names.add(FINANCE_ADMINS)
        cached = frozenset(names)
        setattr(user, _ROLES_CACHE, cached)
    return cached


def can_read(user: User | AnonymousUser) -> bool:
    return bool(roles_of(user))


def can_write(user: User | AnonymousUser) -> bool:
    return FINANCE_ADMINS in roles_of(user)


def _to_login(request: HttpRequest) -> HttpResponse:
    """The login page, coming back here afterwards. Under htmx the whole window goes there (and comes
    back to the page the person was on), not just the region that asked."""
    htmx = getattr(request, "htmx", None)
    if htmx:
        back = htmx.current_url_abs_path or request.get_full_path()
        return HttpResponseClientRedirect(redirect_to_login(back, settings.LOGIN_URL)["Location"])
    return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)


def _requiring(check: Callable[[User | AnonymousUser], bool], refusal: str) -> Callable[[View], View]:
    def refused(request: HttpRequest) -> HttpResponse | None:
        if not request.user.is_authenticated:
            return _to_login(request)
        if not check(request.user):
            raise PermissionDenied(refusal)
        return None

    def decorator(view: View) -> View:
        if iscoroutinefunction(view):

            @wraps(view)
            async def async_wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
                return await sync_to_async(refused)(request) or await view(request, *args, **kwargs)

            return cast(View, async_wrapper)  # the view's own signature: it takes and answers the same

        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            return refused(request) or view(request, *args, **kwargs)

        return cast(View, wrapper)

    return decorator


viewer_required = _requiring(
    can_read, "Your login has no dashboard role yet; ask a finance admin to add you to Viewers or Finance admins."
)
"""Logged in (else the login page) and holding either role (else 403): every read view."""

finance_admin_required = _requiring(can_write, "Only finance admins can make changes; viewers can look but not write.")
"""Logged in (else the login page) and a finance admin (else 403): every write view."""


def signed_in(request: HttpRequest) -> User:
    """The person behind a request the role decorators let through: never anonymous there."""
    user = request.user
    if isinstance(user, AnonymousUser):
        raise PermissionDenied("Log in first.")
    return user


def staff_actor(request: HttpRequest) -> Actor:
    """The person behind this request, acting through the pages: every service call's actor."""
    return Actor.staff(request.user, door="page")
