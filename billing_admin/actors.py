"""Who is acting and through which door: every write takes an Actor and the audit log records it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser

Door = Literal["page", "chat", "mcp", "api", "cli", "system"]
ActorKind = Literal["user", "token", "agent", "system"]


@dataclass(frozen=True, slots=True)
class Actor:
    kind: ActorKind
    name: str
    door: Door
    user_id: int | None = None
    token_id: int | None = None

    @classmethod
    def system(cls, name: str = "system", door: Door = "system") -> Actor:
        return cls(kind="system", name=name, door=door)

    @classmethod
    def cli(cls, command: str) -> Actor:
        return cls(kind="system", name=f"manage.py {command}", door="cli")

    @classmethod
    def staff(cls, user: AbstractBaseUser | AnonymousUser, door: Door = "page") -> Actor:
        return cls(kind="user", name=user.get_username(), door=door, user_id=user.pk)

    @classmethod
    def agent_for(cls, user: AbstractBaseUser) -> Actor:
        return cls(kind="agent", name=f"chat agent for {user.get_username()}", door="chat", user_id=user.pk)

    def describe(self) -> str:
        return f"{self.name} via {self.door}"
