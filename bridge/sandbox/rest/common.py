"""Shared plumbing of the sandbox's DSpace REST API: errors, request bodies, parameters, access rules."""

from __future__ import annotations

import json
import re
import unicodedata
import uuid as uuidlib
from typing import Any, Literal, overload

from starlette.requests import Request
from starlette.responses import JSONResponse

from bridge.sandbox.app import Sandbox

HAL_JSON = "application/hal+json"
JSON_LIMIT = 16 * 1024 * 1024  # bytes of a JSON or uri-list body; uploads have their own limit
REALM = 'password realm="DSpace REST API"'

# DSpace's fixed messages (DSpaceApiExceptionControllerAdvice).
DENIED = "Access is denied"
INVALID = "Request is invalid or incorrect"
UNPROCESSABLE = "Unprocessable or invalid entity"
MISSING = "A required parameter is missing"
AUTH_REQUIRED = "Authentication is required"


class RestError(Exception):
    """An error answered as Spring Boot error JSON with this status and message."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def sandbox_of(request: Request) -> Sandbox:
    return request.app.state.sandbox


def api_url(sandbox: Sandbox, path: str) -> str:
    """Return the absolute URL of an API path such as ``core/items/<uuid>``."""
    return f"{sandbox.base_url}/server/api/{path.lstrip('/')}"


def link(sandbox: Sandbox, path: str) -> dict[str, str]:
    return {"href": api_url(sandbox, path)}


def hal(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=headers, media_type=HAL_JSON)


def rest_time(stamp: str | None) -> str | None:
    """Return store time (``…T00:40:54.970Z``) as DSpace REST's ``…T00:40:54.970+0000``."""
    if not stamp:
        return None
    return stamp[:-1] + "+0000" if stamp.endswith("Z") else stamp


async def read_body(request: Request, limit: int = JSON_LIMIT) -> bytes:
    """Read a small request body; refuse one past `limit` with 413 without holding more of it."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise RestError(413, f"The request body is larger than the limit of {limit} bytes")
    parts: list[bytes] = []
    size = 0
    # Content-Encoding is deliberately ignored: dspace-rest-client labels plain bodies "gzip".
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise RestError(413, f"The request body is larger than the limit of {limit} bytes")
        parts.append(chunk)
    return b"".join(parts)


async def read_json(request: Request, *, required: bool = True) -> Any:
    """Return the parsed JSON body (None for an empty optional body); 400 when it is not JSON."""
    raw = await read_body(request)
    if not raw.strip():
        if required:
            raise RestError(400, INVALID)
        return None
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise RestError(400, INVALID) from exc


def require_json_media(request: Request) -> None:
    """Refuse a PATCH whose body is not labelled JSON (415, as Spring does)."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media and not (media == "application/json" or media.endswith("+json")):
        raise RestError(415, f"Content type '{media}' not supported")


async def read_uri_list(request: Request) -> list[str]:
    """Return the URIs of a ``text/uri-list`` body (comment lines skipped)."""
    raw = (await read_body(request)).decode("utf-8", "replace")
    return [line.strip() for line in raw.splitlines() if line.strip() and not line.startswith("#")]


def path_uuid(request: Request, name: str = "uuid") -> str:
    """Return a UUID path parameter in canonical form; 404 when it is not a UUID (DSpace's route regex)."""
    value = request.path_params[name]
    try:
        return str(uuidlib.UUID(value))
    except ValueError as exc:
        raise RestError(404, f"Resource not found: {value}") from exc


@overload
def param_uuid(request: Request, name: str, *, required: Literal[True] = True) -> str: ...
@overload
def param_uuid(request: Request, name: str, *, required: bool) -> str | None: ...
def param_uuid(request: Request, name: str, *, required: bool = True) -> str | None:
    """Return a UUID query parameter; 400 when missing (if required) or malformed."""
    value = request.query_params.get(name)
    if not value:
        if required:
            raise RestError(400, MISSING)
        return None
    try:
        return str(uuidlib.UUID(value.strip()))
    except ValueError as exc:
        raise RestError(400, INVALID) from exc


def last_segment_uuid(uri: str) -> str | None:
    """Return the UUID at the end of a resource URI, or None."""
    try:
        return str(uuidlib.UUID(uri.rstrip("/").rsplit("/", 1)[-1]))
    except ValueError:
        return None


def as_bool(value: Any) -> bool:
    """Read a JSON Patch boolean; DSpace accepts true/false and the strings "true"/"false"."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise RestError(422, UNPROCESSABLE)


_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f]")


def safe_filename(name: str | None, default: str = "file") -> str:
    """Return a file name without directories or control characters (never used as a filesystem path)."""
    if not name:
        return default
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp"))
    name = _UNSAFE_NAME.sub("", name).strip().lstrip(".").strip()
    return name[:255] or default


# -- who may do what ------------------------------------------------------------------------------------
def is_admin(user: dict | None) -> bool:
    return bool(user and user.get("admin"))


def require_user(request: Request) -> dict:
    user = request.state.user
    if user is None:
        raise RestError(401, AUTH_REQUIRED, {"WWW-Authenticate": REALM})
    return user


def require_admin(request: Request) -> dict:
    user = require_user(request)
    if not user["admin"]:
        raise RestError(403, DENIED)
    return user


def deny(user: dict | None) -> RestError:
    """Return 401 for anonymous callers, 403 for logged-in ones (as DSpace)."""
    if user is None:
        return RestError(401, AUTH_REQUIRED, {"WWW-Authenticate": REALM})
    return RestError(403, DENIED)


def owns(user: dict | None, item: dict) -> bool:
    return bool(user and item.get("submitter") and user["uuid"] == item["submitter"])


def can_read_item(user: dict | None, item: dict) -> bool:
    """Archived discoverable items and withdrawn tombstones are public; the rest is for admins and submitters."""
    if is_admin(user) or owns(user, item):
        return True
    if item["withdrawn"]:
        return True
    return bool(item["in_archive"] and item["discoverable"])


def can_edit_item(user: dict | None, item: dict) -> bool:
    """Admins edit anything; a submitter only an item not yet in the archive."""
    return is_admin(user) or (owns(user, item) and not item["handle"])


def can_read_files(user: dict | None, item: dict) -> bool:
    """Files follow the item, except that a withdrawn item's files are for admins only."""
    if is_admin(user):
        return True
    return can_read_item(user, item) and not item["withdrawn"]


def item_or_404(sandbox: Sandbox, uid: str) -> dict:
    item = sandbox.store.item(uid)
    if item is None:
        raise RestError(404, f"Item not found: {uid}")
    return item
