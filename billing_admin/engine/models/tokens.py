from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models

if TYPE_CHECKING:
    from billing_admin.operations import Kind


class ApiToken(models.Model):
    """A bearer token for the MCP endpoint and the REST API. Only its SHA-256 is stored."""

    SCOPES = [("read", "Read"), ("write", "Read and write")]

    name = models.CharField(max_length=100, unique=True)
    prefix = models.CharField(max_length=12)  # shown in lists so a person can tell tokens apart
    token_hash = models.CharField(max_length=64, unique=True)
    scope: models.CharField[Kind, Kind] = models.CharField(max_length=5, choices=SCOPES)  # which tools it may run
    created_by = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)  # None: until revoked

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
