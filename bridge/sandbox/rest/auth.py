"""Authentication and CSRF of the sandbox's DSpace REST API (RC authentication.md, csrf-tokens.md).

CSRF is DSpace's double-submit cookie: a write is accepted when header ``X-XSRF-TOKEN`` equals cookie
``DSPACE-XSRF-COOKIE``. A new token goes out (header ``DSPACE-XSRF-TOKEN`` plus the cookie) on a request
without the cookie, on login and logout, on ``GET /security/csrf`` and with the 403 for a bad token.
Login tokens are HS256 JWTs (claims ``eid``, ``sg``, ``exp``, ``iat``) signed with the sandbox's stored
secret, so they survive restarts; logout revokes every token of that eperson issued before it.
"""

from __future__ import annotations

import secrets
import time
import uuid as uuidlib
from typing import Any
from urllib.parse import parse_qs

import jwt
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bridge.sandbox.app import Sandbox
from bridge.sandbox.httputil import spring_error
from bridge.sandbox.rest.common import (
    REALM,
    RestError,
    api_url,
    deny,
    hal,
    is_admin,
    path_uuid,
    read_body,
    require_user,
    sandbox_of,
)
from bridge.sandbox.rest.hal import eperson_json

COOKIE = "DSPACE-XSRF-COOKIE"
TOKEN_HEADER = "DSPACE-XSRF-TOKEN"
CSRF_INVALID = "Access is denied. Invalid CSRF token."
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
SHORT_LIVED_TTL = 2  # seconds, DSpace's jwt.shortLived.token.expiration


# -- tokens ---------------------------------------------------------------------------------------------
def _short_key(sandbox: Sandbox) -> str:
    # DSpace signs short-lived tokens with their own secret, so a download token never works as a login.
    return sandbox.jwt_secret + ":short-lived"


def issue_token(sandbox: Sandbox, eperson: dict, *, short_lived: bool = False) -> str:
    """Return a signed JWT for the eperson (a login token, or a short-lived download token)."""
    now = time.time()
    ttl = SHORT_LIVED_TTL if short_lived else sandbox.config.jwt_ttl
    claims = {"eid": eperson["uuid"], "sg": [], "iat": now, "exp": int(now + ttl)}
    key = _short_key(sandbox) if short_lived else sandbox.jwt_secret
    return jwt.encode(claims, key, algorithm="HS256")


def verify_token(sandbox: Sandbox, token: str, *, allow_short_lived: bool) -> dict | None:
    """Return the eperson of a valid, unexpired, unrevoked token; None otherwise."""
    keys = [(sandbox.jwt_secret, 0)]
    if allow_short_lived:
        keys.append((_short_key(sandbox), 1))  # one second of leeway for the two-second tokens
    for key, leeway in keys:
        try:
            claims = jwt.decode(token, key, algorithms=["HS256"], leeway=leeway, options={"require": ["exp", "eid"]})
        except jwt.InvalidTokenError:
            continue
        eperson = sandbox.store.eperson(str(claims["eid"]))
        if eperson is None:
            return None
        revoked = sandbox.store.get_meta(f"jwt_revoked_before:{eperson['uuid']}")
        if revoked and float(claims.get("iat", 0)) < float(revoked):
            return None
        return eperson
    return None


def revoke_tokens(sandbox: Sandbox, eperson: dict) -> None:
    sandbox.store.set_meta(f"jwt_revoked_before:{eperson['uuid']}", repr(time.time()))


def request_token(request: Request) -> str | None:
    """Return the token of ``Authorization: Bearer X``, a raw ``Authorization: X`` or ``?authentication-token``."""
    header = request.headers.get("authorization", "").strip()
    scheme, _, rest = header.partition(" ")
    if scheme.lower() == "bearer" and rest.strip():
        return rest.strip()
    if header and not rest and header.count(".") == 2:  # dspace-rest-client sends short-lived tokens bare
        return header
    if request.method in SAFE_METHODS:
        return request.query_params.get("authentication-token") or None
    return None


def authenticated_user(sandbox: Sandbox, request: Request) -> dict | None:
    token = request_token(request)
    if not token:
        return None
    # Short-lived tokens only open downloads and other reads, never writes.
    return verify_token(sandbox, token, allow_short_lived=request.method in SAFE_METHODS)


# -- middleware -----------------------------------------------------------------------------------------
def csrf_cookie(token: str, secure: bool) -> str:
    same_site = "None; Secure" if secure else "Lax"
    return f"{COOKIE}={token}; Path=/server; HttpOnly; SameSite={same_site}"


class RestMiddleware:
    """Check CSRF on writes, find the caller, and hand out CSRF tokens (a pure ASGI middleware)."""

    def __init__(self, app: ASGIApp, sandbox: Sandbox) -> None:
        self.app = app
        self.sandbox = sandbox

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        request = Request(scope, receive)
        cookie = request.cookies.get(COOKIE)
        state["csrf_rotate"] = not cookie
        secure = self.sandbox.base_url.startswith("https:")

        async def send_with_token(message: Message) -> None:
            if message["type"] == "http.response.start" and state.get("csrf_rotate"):
                token = str(uuidlib.uuid4())
                headers = MutableHeaders(scope=message)
                headers.append(TOKEN_HEADER, token)
                headers.append("set-cookie", csrf_cookie(token, secure))
            await send(message)

        if request.method not in SAFE_METHODS:
            sent = request.headers.get("x-xsrf-token")
            if not cookie or not sent or not secrets.compare_digest(cookie.encode(), sent.encode()):
                state["csrf_rotate"] = True
                await spring_error(request, 403, CSRF_INVALID)(scope, receive, send_with_token)
                return
        state["user"] = authenticated_user(self.sandbox, request)
        await self.app(scope, receive, send_with_token)


def rotate_csrf(request: Request) -> None:
    request.state.csrf_rotate = True


# -- endpoints ------------------------------------------------------------------------------------------
async def login(request: Request) -> Response:
    """Log in with form fields user/password (or refresh with a valid Bearer token)."""
    sandbox = sandbox_of(request)
    raw = await read_body(request, 64 * 1024)
    form = {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True).items()}
    email = form.get("user") or request.query_params.get("user")
    password = form.get("password") or request.query_params.get("password")
    eperson: dict | None
    if email is not None or password is not None:
        eperson = sandbox.store.authenticate(email or "", password or "")
    else:
        eperson = request.state.user  # refresh: POST login with only the Bearer
    if eperson is None:
        return spring_error(
            request,
            401,
            "Authentication failed. The credentials you provided are not valid.",
            {"WWW-Authenticate": REALM},
        )
    rotate_csrf(request)
    return Response(status_code=200, headers={"Authorization": f"Bearer {issue_token(sandbox, eperson)}"})


def status_json(sandbox: Sandbox, user: dict | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": None,
        "okay": True,
        "authenticated": user is not None,
        "authenticationMethod": "password" if user else None,
        "type": "status",
        "_links": {"self": {"href": api_url(sandbox, "authn/status")}},
    }
    if user is not None:
        body["_links"]["eperson"] = {"href": api_url(sandbox, f"eperson/epersons/{user['uuid']}")}
        body["_links"]["specialGroups"] = {"href": api_url(sandbox, "authn/status/specialGroups")}
        body["_embedded"] = {"eperson": eperson_json(sandbox, user)}
    return body


async def status(request: Request) -> Response:
    return hal(status_json(sandbox_of(request), request.state.user))


async def logout(request: Request) -> Response:
    user = request.state.user
    if user is not None:
        revoke_tokens(sandbox_of(request), user)
    rotate_csrf(request)
    return Response(status_code=204)


async def short_lived_token(request: Request) -> Response:
    sandbox = sandbox_of(request)
    user = require_user(request)
    return hal(
        {
            "token": issue_token(sandbox, user, short_lived=True),
            "type": "shortlivedtoken",
            "_links": {"self": {"href": api_url(sandbox, "authn/shortlivedtokens")}},
        }
    )


async def csrf(request: Request) -> Response:
    rotate_csrf(request)
    return Response(status_code=204)


async def eperson(request: Request) -> Response:
    sandbox, user, uid = sandbox_of(request), request.state.user, path_uuid(request)
    if not (is_admin(user) or (user and user["uuid"] == uid)):
        raise deny(user)
    row = sandbox.store.eperson(uid)
    if row is None:
        raise RestError(404, f"EPerson not found: {uid}")
    return hal(eperson_json(sandbox, row))


def routes() -> list[BaseRoute]:
    return [
        Route("/authn/login", login, methods=["POST"]),
        Route("/authn/status", status, methods=["GET", "POST"]),
        Route("/authn/logout", logout, methods=["GET", "POST"]),
        Route("/authn/shortlivedtokens", short_lived_token, methods=["POST"]),
        Route("/security/csrf", csrf, methods=["GET"]),
        Route("/eperson/epersons/{uuid}", eperson, methods=["GET"]),
    ]
