"""HTTP basic auth in front of the app's MCP endpoint when a login is set (ASSISTANT_AUTH).

Gradio's login protects its own routes (page, config, API calls) with a session cookie from its login form,
but mounts the MCP server (`/gradio_api/mcp/...`) without any check: with `launch(auth=...)` anyone could still
list and call the tools. MCP clients cannot fill in a login form; they send configured HTTP headers. So the MCP
endpoint requires `Authorization: Basic base64(user:password)` with the app's credentials and answers 401
otherwise, before the request reaches Gradio. Wrong credentials count into the same per-address throttle
as the login form (web/login_throttle.py): after too many, the address gets 429 for a while.
"""

from __future__ import annotations

import base64
import json
import logging
import secrets

from starlette.middleware import Middleware
from starlette.types import ASGIApp, Receive, Scope, Send

from .login_throttle import FailedLogins, client_address, too_many

log = logging.getLogger(__name__)

MCP_PATH = "/gradio_api/mcp"
REALM = "health articles assistant MCP"


def basic_auth_header(user: str, password: str) -> str:
    """The `Authorization` header value an MCP client sends: `Basic base64(user:password)`."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


class MCPAuthMiddleware:
    """ASGI middleware: requests under the MCP path need the app's credentials as HTTP basic auth."""

    def __init__(self, app: ASGIApp, user: str, password: str, path: str = MCP_PATH,
                 failures: FailedLogins | None = None):
        self.app = app
        self.path = path.rstrip("/")
        self._expected = basic_auth_header(user, password).encode()
        self.failures = failures or FailedLogins()
        """Wrong credentials per client address (shared with the login form's throttle)."""

    def _guarded(self, scope: Scope) -> bool:
        path = scope.get("path", "")
        root = scope.get("root_path", "") or ""
        if root and path.startswith(root):
            path = path[len(root):]
        return path == self.path or path.startswith(self.path + "/")

    def _authorised(self, scope: Scope) -> bool:
        sent = next((v for k, v in scope.get("headers", []) if k.lower() == b"authorization"), b"")
        scheme, _, token = sent.strip().partition(b" ")
        return scheme.lower() == b"basic" and secrets.compare_digest(b"Basic " + token.strip(), self._expected)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self._guarded(scope):
            await self.app(scope, receive, send)
            return
        client = client_address(scope)
        left = self.failures.blocked(client)
        if left:  # even with the right credentials, as the login form
            await too_many(send, left)
            return
        if self._authorised(scope):
            await self.app(scope, receive, send)
            return
        if any(k.lower() == b"authorization" for k, _ in scope.get("headers", [])):
            self.failures.failed(client)  # a wrong password (a client without any login is not guessing)
        log.warning("refused an MCP request without valid credentials from %s", client)
        body = json.dumps({
            "error": "Not authenticated",
            "detail": "This app requires a login: send the header Authorization: Basic base64(user:password).",
        }).encode()
        await send({
            "type": "http.response.start", "status": 401,
            "headers": [
                (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                (b"www-authenticate", f'Basic realm="{REALM}", charset="UTF-8"'.encode()),
            ],
        })
        await send({"type": "http.response.body", "body": body})


def mcp_auth_middleware(user: str, password: str, failures: FailedLogins | None = None) -> Middleware:
    """The middleware entry for FastAPI's `middleware=[...]` (Gradio's `launch(app_kwargs=...)`); `failures`:
    the throttle it shares with the login form."""
    return Middleware(MCPAuthMiddleware, user=user, password=password, failures=failures)


__all__ = ["MCP_PATH", "MCPAuthMiddleware", "basic_auth_header", "mcp_auth_middleware"]
