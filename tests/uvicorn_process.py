"""`uvicorn billing_admin.asgi:application` as a process of its own, for tests that need a real server
(several workers, the default settings): started, waited for, and stopped."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def uvicorn_process(
    env: dict[str, str],
    *,
    ready: Callable[[str], bool],
    args: tuple[str, ...] = (),
    stop: signal.Signals = signal.SIGTERM,
    stop_timeout: float = 15,
) -> Iterator[str]:
    """Yield the server's base URL once `ready(base)` is true (false while the port is still closed)."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "billing_admin.asgi:application", *args, "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--log-level", "warning"],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while not ready(base):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn did not start: {process.stderr.read().decode()[-2000:]}")
            time.sleep(0.1)
        yield base
    finally:
        process.send_signal(stop)
        try:
            process.wait(timeout=stop_timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
