"""A local HTTP server that speaks the Messages API (`POST /v1/messages`, streaming SSE and plain
JSON) and replays scripted assistant turns, one per request, in order.

A turn's text may be a function of the request body, so a scripted model can quote what a tool
returned (`lambda request: f"... {last_tool_result(request)}"`). Every request is kept for
assertions: what the model was shown, which tools, which results.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

JSON = dict[str, Any]
Text = str | Callable[[JSON], str]


@dataclass
class Turn:
    text: Text | None = None
    tools: list[tuple[Any, ...]] = field(default_factory=list)  # (name, input) or (name, input, tool_use id)
    stop_reason: str | None = None
    error: tuple[int, str, str] | None = None  # status, error type, message
    delay: float = 0.0


def say(text: Text) -> Turn:
    return Turn(text=text)


def use(name: str, arguments: JSON, *, text: Text | None = None) -> Turn:
    return Turn(text=text, tools=[(name, arguments)])


def use_as(tool_use_id: str, name: str, arguments: JSON, *, text: Text | None = None) -> Turn:
    """A tool call under an id of the script's choosing (a real API makes a new one for every call)."""
    return Turn(text=text, tools=[(name, arguments, tool_use_id)])


def use_many(*calls: tuple[str, JSON], text: Text | None = None) -> Turn:
    return Turn(text=text, tools=list(calls))


def fail(status: int, kind: str, message: str) -> Turn:
    return Turn(error=(status, kind, message))


def overloaded() -> Turn:
    return fail(529, "overloaded_error", "Overloaded")


def stall(seconds: float) -> Turn:
    return Turn(text="too late", delay=seconds)


def tool_results(request: JSON) -> list[JSON]:
    last = request["messages"][-1]
    content = last["content"] if isinstance(last["content"], list) else []
    return [block for block in content if block.get("type") == "tool_result"]


def last_tool_result(request: JSON) -> str:
    results = tool_results(request)
    if not results:
        return ""
    content = results[-1]["content"]
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content)
    return content


class FakeMessagesAPI:
    def __init__(self) -> None:
        self.turns: list[Turn] = []
        self.requests: list[JSON] = []
        self.headers: list[dict[str, str]] = []
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeMessagesAPI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def script(self, *turns: Turn) -> None:
        with self._lock:
            self.turns.extend(turns)

    def next_turn(self, request: JSON, headers: dict[str, str]) -> Turn | None:
        with self._lock:
            self.requests.append(request)
            self.headers.append(headers)
            return self.turns.pop(0) if self.turns else None

    @property
    def remaining(self) -> int:
        return len(self.turns)


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (the timeout test) leaves a broken pipe behind; that is expected.
        pass


def _handler(api: FakeMessagesAPI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
            if self.path.split("?")[0] != "/v1/messages":
                return self._json(404, {"type": "error", "error": {"type": "not_found_error", "message": self.path}})
            body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
            turn = api.next_turn(body, {k.lower(): v for k, v in self.headers.items()})
            if turn is None:
                return self._json(500, _error("api_error", "the script has no turn left"), retry=False)
            if turn.delay:
                time.sleep(turn.delay)
            if turn.error:
                status, kind, message = turn.error
                return self._json(status, _error(kind, message), retry=True)
            message = _message(turn, body)
            if body.get("stream"):
                return self._stream(message)
            return self._json(200, message)

        def _json(self, status: int, payload: JSON, *, retry: bool | None = None) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.send_header("request-id", f"req_{uuid.uuid4().hex[:12]}")
            if retry is not None:
                self.send_header("x-should-retry", "true" if retry else "false")
                self.send_header("retry-after-ms", "5")  # keeps the SDK's retries quick in tests
            self.end_headers()
            self.wfile.write(data)

        def _stream(self, message: JSON) -> None:
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.send_header("cache-control", "no-cache")
            self.end_headers()
            start = {**message, "content": [], "stop_reason": None, "stop_sequence": None}
            self._event("message_start", {"type": "message_start", "message": start})
            for index, block in enumerate(message["content"]):
                if block["type"] == "text":
                    self._event(
                        "content_block_start",
                        {"type": "content_block_start", "index": index, "content_block": {"type": "text", "text": ""}},
                    )
                    for piece in _pieces(block["text"]):
                        delta = {"type": "content_block_delta", "index": index}
                        self._event("content_block_delta", {**delta, "delta": {"type": "text_delta", "text": piece}})
                else:
                    opening = {**block, "input": {}}
                    self._event(
                        "content_block_start",
                        {"type": "content_block_start", "index": index, "content_block": opening},
                    )
                    delta = {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}
                    self._event("content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta})
                self._event("content_block_stop", {"type": "content_block_stop", "index": index})
            self._event(
                "message_delta",
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": message["stop_reason"], "stop_sequence": None},
                    "usage": {"output_tokens": 12},
                },
            )
            self._event("message_stop", {"type": "message_stop"})

        def _event(self, name: str, payload: JSON) -> None:
            self.wfile.write(f"event: {name}\ndata: {json.dumps(payload)}\n\n".encode())
            self.wfile.flush()

    return Handler


def _error(kind: str, message: str) -> JSON:
    return {"type": "error", "error": {"type": kind, "message": message}}


def _message(turn: Turn, request: JSON) -> JSON:
    content: list[JSON] = []
    if turn.text is not None:
        text = turn.text(request) if callable(turn.text) else turn.text
        content.append({"type": "text", "text": text})
    for name, arguments, *chosen in turn.tools:
        tool_use_id = chosen[0] if chosen else f"toolu_{uuid.uuid4().hex[:20]}"
        content.append({"type": "tool_use", "id": tool_use_id, "name": name, "input": arguments})
    return {
        "id": f"msg_{uuid.uuid4().hex[:20]}",
        "type": "message",
        "role": "assistant",
        "model": request.get("model", "claude-test"),
        "content": content,
        "stop_reason": turn.stop_reason or ("tool_use" if turn.tools else "end_turn"),
        "stop_sequence": None,
        "usage": {"input_tokens": 25, "output_tokens": 12},
    }


def _pieces(text: str, size: int = 12) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]
