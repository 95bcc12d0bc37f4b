"""API tokens for the MCP endpoint and the REST API: services (write) and selectors (read).

A token is shown once, when it is created; only its SHA-256 is stored. The raw form is
`ba_<prefix>_<secret>` so a person can tell tokens apart by the prefix in lists and logs.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from billing_admin.actors import Actor
from billing_admin.errors import ConflictError, InvalidInputError, NotFoundError

from .audit import audit_record
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


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_actor(token: ApiToken, *, door: str = "mcp") -> Actor:
    return Actor(kind="token", name=f"token {token.name}", door=door, token_id=token.pk)  # type: ignore[arg-type]


def token_create(*, name: str, scope: str, actor: Actor) -> IssuedToken:
    name = name.strip()
    if not name:
        raise InvalidInputError.for_field("name", "give the token a name")
    if scope not in SCOPES:
        raise InvalidInputError.for_field("scope", "must be 'read' or 'write'")
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
            )
            audit_record(
                actor=actor,
                action="create_api_token",
                object_type="api_token",
                object_id=str(token.pk),
                summary=f"created {scope} token {name}",
                changes={"name": name, "scope": scope, "prefix": token.prefix},
            )
    except IntegrityError:
        raise ConflictError(f"a token named '{name}' already exists; choose another name") from None
    return IssuedToken(token=token, raw=raw)


def token_verify(raw: str | None) -> ApiToken | None:
    """The live token for this raw bearer value, or None (unknown, revoked, empty)."""
    if not raw or not raw.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.filter(token_hash=token_hash(raw), revoked_at__isnull=True).first()
    if token is None:
        return None
    now = timezone.now()
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
    """Whether the token with this id exists and is not revoked (for long-lived sessions, e.g. stdio)."""
    return ApiToken.objects.filter(pk=token_id, revoked_at__isnull=True).exists()


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
