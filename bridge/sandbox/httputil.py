"""Small HTTP helpers shared by the sandbox's protocol modules."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from bridge.sandbox.app import Sandbox

REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Entity",
    500: "Internal Server Error",
    501: "Not Implemented",
}


def spring_error(request: Request, status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """Return DSpace's Spring Boot error body: {timestamp, status, error, message, path}."""
    body: dict[str, Any] = {
        "timestamp": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+00:00",
        "status": status,
        "error": REASONS.get(status, "Error"),
        "message": message,
        "path": request.url.path,
    }
    return JSONResponse(body, status_code=status, headers=headers)


# (store path, header digest) -> (eperson uuid, its password hash then, expiry)
_VERIFIED: dict[tuple[str, str], tuple[str, str, float]] = {}
_VERIFIED_TTL = 300.0


def basic_auth_user(sandbox: Sandbox, request: Request) -> dict[str, Any] | None:
    """Return the eperson named by an HTTP Basic Authorization header, or None.

    A successful check is remembered for a few minutes (by a digest of the header, never the password), so
    SWORD and DataCite clients that send Basic auth on every request do not pay the slow hash each time.
    """
    header = request.headers.get("authorization", "")
    key = (str(sandbox.store.path), hashlib.sha256(header.encode()).hexdigest())
    cached = _VERIFIED.get(key)
    if cached and cached[2] > time.monotonic():
        person = sandbox.store.eperson(cached[0])
        if person is not None and person["password_hash"] == cached[1]:  # a changed password voids the entry
            return person
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        email, _, password = base64.b64decode(value.strip()).decode("utf-8").partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    person = sandbox.store.authenticate(email, password)
    if person is not None:
        _VERIFIED[key] = (person["uuid"], person["password_hash"], time.monotonic() + _VERIFIED_TTL)
    return person
