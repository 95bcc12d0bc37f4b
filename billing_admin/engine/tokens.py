"""API tokens for the MCP endpoint and the REST API: services (write) and selectors (read).

A token is shown once, when it is created; only its SHA-256 is stored. The raw form is
`ba_<prefix>_<secret>` so a person can tell tokens apart by the prefix in lists and logs.
A token may carry an expiry; after it, the token is refused like a revoked one, with its own message.

`token_authenticate` is the doors' check (REST and MCP): it also counts refused tokens per client
address and blocks an address that keeps guessing (`TOKEN_FAILURE_LIMIT` in `TOKEN_FAILURE_WINDOW`).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from billing_admin.actors import Actor, Door
from billing_admin.audit import audit_record
from billing_admin.errors import BillingError, ConflictError, InvalidInputError, NotFoundError, TooManyRequestsError
from billing_admin.operations import Kind
from billing_admin.throttle import FailureWindow

from .models import ApiToken

SCOPES = ("read", "write")
TOKEN_PREFIX = "ba_"
# last_used_at is a hint for people, not a log: write it at most once a minute per token so a
# busy client does not turn every read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: ApiToken
    raw: str  # shown once; never stored


class TokenRefusedError(BillingError):
    """The bearer token is unknown, revoked or expired (HTTP 401)."""

    code = "invalid_token"
    status = 401


UNKNOWN_TOKEN = "the API token is unknown or revoked; ask an administrator for a new one (manage.py create_api_token)"
_RELATIVE = re.compile(r"^(\d+)\s*([dhw])$")
_UNITS = {"h": "hours", "d": "days", "w": "weeks"}


def token_expiry_parse(value: str, *, now: datetime | None = None) -> datetime | None:
    """'30d', '12h', '2w', a date ('2027-01-01', midnight UTC) or an ISO datetime; '' or 'never' = None."""
    text = (value or "").strip().lower()
    if text in ("", "never"):
        return None
    now = now or timezone.now()
    try:
        if match := _RELATIVE.match(text):
            return now + timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
        if "t" in text:
            parsed = datetime.fromisoformat(text.upper())
        else:
            parsed = datetime.combine(date.fromisoformat(text), datetime.min.time())
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError):  # not a date, or past the calendar's end
        raise InvalidInputError.for_field(
            "expires", f"'{value}' is not an expiry; use e.g. 30d, 12h, 2w or a date such as 2027-01-01"
        ) from None


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_actor(token: ApiToken, *, door: Door = "mcp") -> Actor:
    return Actor(kind="token", name=f"token {token.name}", door=door, token_id=token.pk)


def token_create(*, name: str, scope: Kind, actor: Actor, expires_at: datetime | None = None) -> IssuedToken:
    name = name.strip()
    if not name:
        raise InvalidInputError.for_field("name", "give the token a name")
    if scope not in SCOPES:
        raise InvalidInputError.for_field("scope", "must be 'read' or 'write'")
    if expires_at is not None and expires_at <= timezone.now():
        raise InvalidInputError.for_field("expires", "the expiry is in the past; give a later date or a duration")
    prefix = secrets.token_hex(4)
    raw = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    try:
        with transaction.atomic():
            token = ApiToken.objects.create(
                name=name,
                prefix=f"{TOKEN_PREFIX}{prefix}",
                token_hash=token_hash(raw),
                scope=scope,
                created_by=actor.name[:255],
                expires_at=expires_at,
            )
            audit_record(
                actor=actor,
                action="create_api_token",
                object_type="api_token",
                object_id=str(token.pk),
                summary=f"created {scope} token {name}",
                changes={
                    "name": name,
                    "scope": scope,
                    "prefix": token.prefix,
                    **({"expires_at": expires_at.isoformat()} if expires_at else {}),
                },
            )
    except IntegrityError:
        raise ConflictError(f"a token named '{name}' already exists; choose another name") from None
    return IssuedToken(token=token, raw=raw)


def _live(now: datetime) -> Q:
    return Q(revoked_at__isnull=True) & (Q(expires_at__isnull=True) | Q(expires_at__gt=now))


def token_verify(raw: str | None) -> ApiToken | None:
    """The live token for this raw bearer value, or None (unknown, revoked, expired, empty)."""
    try:
        return _token_check(raw)
    except TokenRefusedError:
        return None


def _token_check(raw: str | None) -> ApiToken:
    if not raw or not raw.startswith(TOKEN_PREFIX):
        raise TokenRefusedError(UNKNOWN_TOKEN)
    token = ApiToken.objects.filter(token_hash=token_hash(raw), revoked_at__isnull=True).first()
    if token is None:
        raise TokenRefusedError(UNKNOWN_TOKEN)
    now = timezone.now()
    if token.expires_at is not None and token.expires_at <= now:
        raise TokenRefusedError(
            f"the API token '{token.name}' expired on {token.expires_at:%Y-%m-%d %H:%M} UTC; "
            "ask an administrator for a new one (manage.py create_api_token --expires ...)"
        )
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def token_get(*, name: str) -> ApiToken:
    token = ApiToken.objects.filter(name=name).first()
    if token is None:
        raise NotFoundError(f"token '{name}' not found; list tokens to see their names")
    return token


def token_active(*, name: str) -> ApiToken | None:
    """The live (not revoked) token with this name, or None."""
    return ApiToken.objects.filter(name=name, revoked_at__isnull=True).first()


def token_is_live(token_id: int) -> bool:
    """Whether the token with this id exists, is not revoked and has not expired (e.g. for stdio sessions)."""
    return ApiToken.objects.filter(_live(timezone.now()), pk=token_id).exists()


def _bearer_failures() -> FailureWindow:
    return FailureWindow("bearer", limit=settings.TOKEN_FAILURE_LIMIT, window=settings.TOKEN_FAILURE_WINDOW)


def token_authenticate(raw: str, *, client: str) -> ApiToken:
    """The live token for a bearer value sent by `client` (its address), for the REST and MCP doors.

    Raises TokenRefusedError (401) with the reason, or TooManyRequestsError (429) once this client
    has sent too many refused tokens: then even a good one waits for the window to end, so guessing
    gains nothing, while other clients are unaffected.
    """
    failures = _bearer_failures()
    if wait := failures.blocked_for(client):
        raise TooManyRequestsError(
            f"too many refused API tokens from this address; try again in {wait} seconds", retry_after=wait
        )
    try:
        return _token_check(raw)
    except TokenRefusedError:
        failures.record_failure(client)
        raise


def token_revoke(*, name: str, actor: Actor) -> ApiToken:
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().filter(name=name).first()
        if token is None:
            raise NotFoundError(f"token '{name}' not found; list tokens to see their names")
        if token.revoked_at is not None:
            return token  # revoking twice is a no-op, not an error
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action="revoke_api_token",
            object_type="api_token",
            object_id=str(token.pk),
            summary=f"revoked token {token.name}",
        )
    return token


def token_list(*, include_revoked: bool = True) -> QuerySet[ApiToken]:
    tokens = ApiToken.objects.all()
    if not include_revoked:
        tokens = tokens.filter(revoked_at__isnull=True)
    return tokens
