from __future__ import annotations

from django.db import models


class AuditLog(models.Model):
    """Who did what, through which door, when. Written in the same transaction as the change."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor_kind = models.CharField(max_length=10)  # user | token | agent | system
    actor_name = models.CharField(max_length=255)
    door = models.CharField(max_length=10)  # page | chat | mcp | api | cli | system
    user_id = models.BigIntegerField(null=True, blank=True)
    token_id = models.BigIntegerField(null=True, blank=True)
    action = models.CharField(max_length=64, db_index=True)  # the operation name, e.g. grant_credit
    object_type = models.CharField(max_length=32)
    object_id = models.CharField(max_length=512)
    summary = models.CharField(max_length=500)
    changes = models.JSONField(default=dict)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_id}"


class IdempotencyRecord(models.Model):
    """The first outcome of a write that carried an idempotencyKey, replayed for repeats."""

    operation = models.CharField(max_length=64)
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    response = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["operation", "key"], name="idempotency_key")]
