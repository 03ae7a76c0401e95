"""Failed logins are throttled per client address (ASGI middleware around the app's /login route).

At most MAX_FAILURES wrong passwords per WINDOW seconds from one address; after that the address
gets HTTP 429 for WAIT seconds, whatever it sends. Other addresses are not affected, so the right
password keeps working from them.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable

log = logging.getLogger(__name__)

MAX_FAILURES = 10
WINDOW = 60.0
WAIT = 60.0


class LoginThrottle:
    def __init__(self, app, max_failures: int = MAX_FAILURES, window: float = WINDOW, wait: float = WAIT,
                 clock: Callable[[], float] = time.monotonic):
        self.app, self.max_failures, self.window, self.wait, self.clock = app, max_failures, window, wait, clock
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

    async def __call__(self, scope, receive, send) -> None:
        path = scope.get("path", "") if scope.get("type") == "http" else ""
        if scope.get("method") != "POST" or path.rstrip("/").rsplit("/", 1)[-1] != "login":
            await self.app(scope, receive, send)
            return
        client = (scope.get("client") or ("unknown",))[0]
        left = self.blocked(client)
        if left:
            body = json.dumps({"detail": f"Too many failed logins: wait {left:.0f} s and try again."}).encode()
            await send({"type": "http.response.start", "status": 429,
                        "headers": [(b"content-type", b"application/json"), (b"retry-after", str(int(left) + 1).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        status: dict[str, int] = {}

        async def watch(message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        await self.app(scope, receive, watch)
        if status.get("code") in (400, 401, 403):
            self.failed(client)
