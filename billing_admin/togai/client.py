"""A small httpx client for a Togai REST API: bearer auth, timeouts, retries with exponential backoff
on 429/503 (honouring Retry-After) and on connections that could not be opened, Togai's errors as
BillingErrors, and cursor pages followed.

The same client talks to hosted Togai and to another Billing Admin's `/api`, which answers in
Togai's shapes and adds what hosted Togai lacks (one-call plans, plan assignment on accounts,
closing cycles, balances on accounts). `extended` tells them apart, once, by the OpenAPI document a
Billing Admin serves.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import httpx

from billing_admin.api.wire import dumps, loads
from billing_admin.errors import (
    BillingError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    UnsupportedError,
    UpstreamError,
)

logger = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 503})
MAX_RETRY_AFTER = 30.0  # seconds; a longer Retry-After is not waited for
BILLING_ADMIN_TITLE = "Billing Admin REST API"  # info.title of this project's /api/openapi.json


class TogaiClient:
    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 10.0,
        retries: int = 3,
        backoff: float = 0.5,
    ) -> None:
        if not api_key:
            raise PermissionDeniedError(
                "TOGAI_API_KEY is empty; set it to a Togai API key to use BILLING_BACKEND=togai"
            )
        self.base_url = base_url.rstrip("/")
        self.retries = retries
        self.backoff = backoff
        self._extended: bool | None = None
        self._probe_lock = threading.Lock()
        self._http = httpx.Client(
            base_url=self.base_url,
            headers={
                "Authorization": f"Bearer {api_key}",
                "Accept": "application/json",
                "Content-Type": "application/json",
                "User-Agent": "billing-admin",
            },
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
        )

    def close(self) -> None:
        self._http.close()

    @property
    def extended(self) -> bool:
        """True when the server is a Billing Admin `/api` rather than hosted Togai (asked once)."""
        if self._extended is None:
            with self._probe_lock:
                if self._extended is None:
                    self._extended = self._probe()
        return self._extended

    def _probe(self) -> bool:
        try:
            document = self.request("GET", "/openapi.json")
        except (NotFoundError, PermissionDeniedError, InvalidInputError, UnsupportedError):
            return False  # hosted Togai has no such document
        info = document.get("info") if isinstance(document, dict) else None
        return isinstance(info, dict) and info.get("title") == BILLING_ADMIN_TITLE

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        extension: bool = False,
    ) -> Any:
        """The decoded JSON answer (numbers as Decimal), or a BillingError for a refusal.

        `extension=True` marks an endpoint this project adds to Togai's API: a 404/405 that is not
        about a missing object means the server is hosted Togai, which lacks it (UnsupportedError).
        """
        content = dumps(json) if json is not None else None
        query = {k: v for k, v in (params or {}).items() if v is not None}
        attempt = 0
        while True:
            try:
                response = self._http.request(method, path, content=content, params=query, headers=headers)
            except httpx.ConnectError as exc:
                # nothing was sent, so trying again is safe for every method
                if attempt < self.retries:
                    time.sleep(self.backoff * (2**attempt))
                    attempt += 1
                    continue
                raise UpstreamError(
                    f"could not reach the Togai API at {self.base_url} ({exc}); check TOGAI_BASE_URL"
                ) from None
            except httpx.TimeoutException:
                raise UpstreamError(
                    f"the Togai API did not answer {method} {path} in time; it may still have been carried out, "
                    "so check before repeating a change"
                ) from None
            except httpx.HTTPError as exc:
                raise UpstreamError(
                    f"could not reach the Togai API at {self.base_url} ({exc}); check TOGAI_BASE_URL"
                ) from None
            if response.status_code in RETRY_STATUSES and attempt < self.retries:
                delay = self._delay(response, attempt)
                logger.info("Togai %s %s answered %s; retrying in %.2fs", method, path, response.status_code, delay)
                time.sleep(delay)
                attempt += 1
                continue
            return self._decode(method, path, response, extension=extension)

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=params)

    def pages(self, path: str, *, key: str = "data", page_size: int = 50, **params: Any) -> Iterator[Any]:
        """Every item of a cursor-paged list, following nextToken to the end."""
        token = None
        seen: set[str] = set()
        while True:
            body = self.get(path, pageSize=page_size, nextToken=token, **params)
            yield from body.get(key) or []
            token = body.get("nextToken")
            if not token or token in seen:
                return
            seen.add(token)

    def _delay(self, response: httpx.Response, attempt: int) -> float:
        header = response.headers.get("Retry-After")
        if header:
            try:
                return min(max(float(header), 0.0), MAX_RETRY_AFTER)
            except ValueError:
                try:
                    return min(max(parsedate_to_datetime(header).timestamp() - time.time(), 0.0), MAX_RETRY_AFTER)
                except (TypeError, ValueError):
                    pass
        return self.backoff * (2**attempt)

    def _decode(self, method: str, path: str, response: httpx.Response, *, extension: bool) -> Any:
        status = response.status_code
        try:
            body = loads(response.content) if response.content else {}
        except ValueError:
            body = None
        if 200 <= status < 300:
            if body is None:
                raise UpstreamError(f"the Togai API answered {method} {path} with something that is not JSON")
            return body
        message = body.get("message") if isinstance(body, dict) else None
        message = str(message or response.reason_phrase or "no reason given")[:500]
        code = body.get("code") if isinstance(body, dict) else None
        details = body.get("details") if isinstance(body, dict) and isinstance(body.get("details"), dict) else None
        if status == 401:
            raise PermissionDeniedError(f"the Togai API key was refused; check TOGAI_API_KEY ({message})")
        if status == 403:
            raise PermissionDeniedError(
                f"the Togai API key was refused for {method} {path}; check TOGAI_API_KEY and its permissions "
                f"({message})"
            )
        if extension and status in (404, 405) and code != "not_found":
            raise UnsupportedError(f"hosted Togai has no {method} {path} endpoint; this needs the embedded engine")
        error = _by_code(code)
        if error is not None and error.status == status:
            raise error(message, details=details)  # a Billing Admin server named the error
        where = f"{method} {path}"
        if status == 404:
            raise NotFoundError(f"{message} (the Togai API answered 404 to {where})", details=details)
        if status == 409:
            raise ConflictError(message, details=details)
        if status == 429:
            raise UpstreamError(f"the Togai API is rate limiting {where} (429); wait a moment and try again")
        if status == 501:
            raise UnsupportedError(message, details=details)
        if 400 <= status < 500:
            raise InvalidInputError(f"the Togai API refused {where} ({status}): {message}", details=details)
        raise UpstreamError(f"the Togai API failed on {where} ({status}): {message}; try again later")


def _by_code(code: Any) -> type[BillingError] | None:
    """The error class a server of this project named in `code` (hosted Togai sends none)."""
    if not isinstance(code, str):
        return None
    for cls in _subclasses(BillingError):
        if cls.code == code:
            return cls
    return None


C = TypeVar("C")


def _subclasses(cls: type[C]) -> Iterator[type[C]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)
