"""Failed logins are throttled per client address: the app's /login form and the MCP endpoint's basic auth
(web/mcp_auth.py) count into one `FailedLogins`, so neither is a way round the other.

At most MAX_FAILURES wrong passwords per WINDOW seconds from one address; after that the address
gets HTTP 429 for WAIT seconds, whatever it sends. Other addresses are not affected, so the right
password keeps working from them.

The address is the connection's. uvicorn (under Gradio) replaces it with the one a request names in
X-Forwarded-For when the request comes from an address in FORWARDED_ALLOW_IPS, which defaults to
127.0.0.1: anyone on this machine could then name a new address with every guess. So forwarded headers
are trusted only from the proxy that `Settings.trusted_proxy` (ASSISTANT_TRUSTED_PROXY) names.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable

from starlette.types import ASGIApp, Receive, Scope, Send

log = logging.getLogger(__name__)

MAX_FAILURES = 10
WINDOW = 60.0
WAIT = 60.0


def trust_forwarded_headers(proxy: str | None) -> None:
    """Let uvicorn take the client's address from X-Forwarded-For only for requests from `proxy` (an address,
    a network or a comma-separated list of them); None: from no one. Read when a server starts."""
    os.environ["FORWARDED_ALLOW_IPS"] = proxy or ""  # "": no address is trusted


def client_address(scope: Scope) -> str:
    return (scope.get("client") or ("unknown",))[0]


class FailedLogins:
    """Wrong passwords per client address, and how long an address that sent too many must wait."""

    def __init__(self, max_failures: int = MAX_FAILURES, window: float = WINDOW, wait: float = WAIT,
                 clock: Callable[[], float] = time.monotonic):
        self.max_failures, self.window, self.wait, self.clock = max_failures, window, wait, clock
        self._failures: dict[str, deque[float]] = {}
        self._blocked_until: dict[str, float] = {}
        self._lock = threading.Lock()

    def blocked(self, client: str) -> float:
        """Seconds this address still has to wait (0: it may try)."""
        with self._lock:
            left = self._blocked_until.get(client, 0.0) - self.clock()
            if left <= 0:
                self._blocked_until.pop(client, None)
            return max(0.0, left)

    def failed(self, client: str) -> None:
        now = self.clock()
        with self._lock:
            times = self._failures.setdefault(client, deque())
            times.append(now)
            while times and times[0] <= now - self.window:
                times.popleft()
            if len(times) >= self.max_failures:
                self._blocked_until[client] = now + self.wait
                times.clear()
                log.warning("%d failed logins from %s: it waits %.0f s", self.max_failures, client, self.wait)


async def too_many(send: Send, left: float) -> None:
    """The 429 answer to an address that must wait `left` seconds."""
    body = json.dumps({"detail": f"Too many failed logins: wait {left:.0f} s and try again."}).encode()
    await send({"type": "http.response.start", "status": 429,
                "headers": [(b"content-type", b"application/json"), (b"retry-after", str(int(left) + 1).encode())]})
    await send({"type": "http.response.body", "body": body})


class LoginThrottle:
    """ASGI middleware around the app's /login route: wrong passwords count into `failures`."""

    def __init__(self, app: ASGIApp, failures: FailedLogins | None = None, **limits):
        self.app = app
        self.failures = failures or FailedLogins(**limits)

    def blocked(self, client: str) -> float:
        return self.failures.blocked(client)

    def failed(self, client: str) -> None:
        self.failures.failed(client)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope.get("type") == "http" else ""
        if scope.get("method") != "POST" or path.rstrip("/").rsplit("/", 1)[-1] != "login":
            await self.app(scope, receive, send)
            return
        client = client_address(scope)
        left = self.blocked(client)
        if left:
            await too_many(send, left)
            return
        status: dict[str, int] = {}

        async def watch(message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        await self.app(scope, receive, watch)
        if status.get("code") in (400, 401, 403):
            self.failed(client)
