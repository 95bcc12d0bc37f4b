"""Messages API failures as sentences for the chat panel: what happened and what to do next."""

from __future__ import annotations

import logging

import anthropic

logger = logging.getLogger(__name__)


def api_failure_message(exc: anthropic.AnthropicError) -> str:
    # The SDK has already retried overloads, rate limits and timeouts before raising.
    if isinstance(exc, anthropic.OverloadedError) or getattr(exc, "status_code", None) == 529:
        return "Claude is overloaded right now and did not answer. Nothing was changed; press Retry in a minute."
    if isinstance(exc, anthropic.RateLimitError):
        return "The Claude API rate limit was reached. Nothing was changed; wait a minute, then press Retry."
    if isinstance(exc, anthropic.APITimeoutError):
        return "Claude did not answer in time. Nothing was changed; press Retry."
    if isinstance(exc, anthropic.APIConnectionError):
        return "Could not reach the Claude API (check ANTHROPIC_BASE_URL and the network). Press Retry."
    if isinstance(exc, anthropic.AuthenticationError | anthropic.PermissionDeniedError):
        return "The Claude API refused the key (check ANTHROPIC_API_KEY). Use the tool console meanwhile."
    if isinstance(exc, anthropic.NotFoundError):
        return "The Claude API does not know this model or endpoint (check ANTHROPIC_MODEL and ANTHROPIC_BASE_URL)."
    if isinstance(exc, anthropic.APIStatusError):
        logger.warning("Messages API error %s: %s", exc.status_code, exc.message)
        return f"The Claude API answered with an error ({exc.status_code}). Nothing was changed; press Retry."
    logger.warning("Messages API failure: %r", exc)
    return "The Claude API call failed. Nothing was changed; press Retry."
