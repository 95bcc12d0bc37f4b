"""The chat panel's transcripts: conversations per person, their messages exactly as the Messages API
takes them, and each tool call with its approval state and result."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models

if TYPE_CHECKING:
    from billing_admin.approvals.models import Approval


class Conversation(models.Model):
    class State(models.TextChoices):
        IDLE = "idle", "Idle"
        REPLYING = "replying", "Replying"  # a model turn is running; a second runner must not start
        WAITING = "waiting", "Waiting for approval"
        FAILED = "failed", "Failed"  # the last turn stopped on an error; `notice` says which

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_conversations")
    title = models.CharField(max_length=120, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.IDLE)
    notice = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["user", "-updated_at"])]

    def __str__(self) -> str:
        return self.title or f"Conversation {self.pk}"


class ChatMessage(models.Model):
    class Role(models.TextChoices):
        USER = "user", "User"
        ASSISTANT = "assistant", "Assistant"

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    position = models.PositiveIntegerField()
    role = models.CharField(max_length=10, choices=Role.choices)
    content = models.JSONField()  # content blocks as sent to the Messages API, so a resume replays them
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "position"], name="chat_message_position_unique")
        ]


class ToolCall(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for approval"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        REJECTED = "rejected", "Rejected"

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="tool_calls")
    message = models.ForeignKey(ChatMessage, on_delete=models.CASCADE, related_name="tool_calls")
    tool_use_id = models.CharField(max_length=100)
    name = models.CharField(max_length=64)
    kind = models.CharField(max_length=5)  # read | write
    arguments = models.JSONField()  # exactly what runs, idempotency key included
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    is_error = models.BooleanField(default=False)
    result_text = models.TextField(blank=True)
    result = models.JSONField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # What its card shows besides the columns, set by `chat.display.card` (not stored).
    facts: list[tuple[str, str]]
    stale: bool
    args_json: str
    approval: Approval | None

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["conversation", "tool_use_id"], name="chat_tool_call_unique")]

    def __str__(self) -> str:
        return f"{self.name} ({self.status})"
