"""PID resolution: the Handle proxy REST API, handle and DOI redirects, and the DOI resolver's handle API.

Answers as hdl.handle.net and doi.org do (handle.net ``hdlproxy`` REST-API.txt):
``/api/handles/<handle>`` gives ``{"responseCode", "handle", "values": [...]}`` with responseCode 1 (HTTP 200),
100 (not found, HTTP 404), 102 (invalid handle, HTTP 400) or 200 (no value matched the filter, HTTP 200);
``/<handle>`` answers 302 to the URL value. DOIs live in the ``doi`` table and resolve only once registered or
findable, under ``/doi/api/handles/<doi>`` and ``/doi/<doi>``. A handle's URL value is its landing page unless
the store holds a ``url`` override; an override of "" removes the URL value (the handle then has none).
"""

from __future__ import annotations

import html
from typing import Any

from starlette.convertors import Convertor, register_url_convertor
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bridge.sandbox.app import Sandbox

TTL = 86400  # what the real proxies report
ADMIN_PERMISSIONS = "011111111111"
RESOLVABLE_DOI_STATES = ("findable", "registered")
MAX_HANDLE_LENGTH = 1024


class HandlePrefixConvertor(Convertor[str]):
    """Match a handle naming authority (10261, 20.500.12345, 10.5072) so `/<prefix>/…` shadows no other route."""

    regex = r"[0-9]+(?:\.[0-9A-Za-z]+)*"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("hdlprefix", HandlePrefixConvertor())


def normalize_doi(value: str) -> str:
    """Return the bare DOI of `value` (strips doi:, https://doi.org/ and dx.doi.org forms; keeps case)."""
    doi = value.strip()
    lowered = doi.lower()
    for lead in ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/", "doi:"):
        if lowered.startswith(lead):
            return doi[len(lead) :]
    return doi


def valid_handle(handle: str) -> bool:
    """Tell whether `handle` has the `<naming authority>/<local name>` form of RFC 3650."""
    prefix, slash, suffix = handle.partition("/")
    if not slash or not prefix or not suffix or len(handle) > MAX_HANDLE_LENGTH:
        return False
    return not any(ord(c) < 32 or ord(c) == 127 for c in handle)


def timestamp(store_time: str | None) -> str:
    """Return a store time stamp as the proxy's ISO 8601 seconds form."""
    return (store_time or "1970-01-01T00:00:00")[:19] + "Z"


def handle_target(sandbox: Sandbox, handle: str) -> tuple[str | None, str] | None:
    """Return (URL value or None, time stamp) of a handle in the handle table, or None if it is unknown."""
    row = sandbox.store.resolve_handle(handle)
    if row is None:
        return None
    table = {"item": "item", "collection": "collection", "community": "community"}.get(row["resource_type"])
    modified = None
    if table:
        found = sandbox.store.one(f"SELECT last_modified FROM {table} WHERE uuid = ?", (row["resource"],))
        modified = found["last_modified"] if found else None
    if row["url"] is not None:
        return (row["url"] or None), timestamp(modified)
    return f"{sandbox.base_url}/handle/{row['handle']}", timestamp(modified)


def doi_target(sandbox: Sandbox, doi: str) -> tuple[str | None, str] | None:
    """Return (URL or None, time stamp) of a registered or findable DOI, or None (drafts do not resolve)."""
    row = sandbox.store.doi(normalize_doi(doi))
    if row is None or row["state"] not in RESOLVABLE_DOI_STATES:
        return None
    return row["url"], timestamp(row["updated"])


def handle_values(handle: str, url: str | None, stamp: str) -> list[dict[str, Any]]:
    """Return the handle record: index 1 URL (when there is one) and index 100 HS_ADMIN."""
    values: list[dict[str, Any]] = []
    if url:
        values.append(
            {"index": 1, "type": "URL", "data": {"format": "string", "value": url}, "ttl": TTL, "timestamp": stamp}
        )
    admin = {"handle": f"0.NA/{handle.partition('/')[0]}", "index": 200, "permissions": ADMIN_PERMISSIONS}
    values.append(
        {"index": 100, "type": "HS_ADMIN", "data": {"format": "admin", "value": admin}, "ttl": TTL, "timestamp": stamp}
    )
    return values


def select_values(values: list[dict[str, Any]], types: list[str], indexes: list[str]) -> list[dict[str, Any]]:
    """Keep the values matching any `type=` or `index=` parameter; a type ending in '.' takes its subtypes."""
    if not types and not indexes:
        return values
    wanted_indexes = {int(i) for i in indexes if i.strip().lstrip("-").isdigit()}

    def matches(value: dict[str, Any]) -> bool:
        if value["index"] in wanted_indexes:
            return True
        vtype = value["type"].lower()
        return any(vtype == t or (t.endswith(".") and vtype.startswith(t)) for t in (t.lower() for t in types))

    return [v for v in values if matches(v)]


def proxy_response(request: Request, handle: str, target: tuple[str | None, str] | None) -> JSONResponse:
    """Answer one Handle API request with the codes and HTTP statuses of the real proxy."""
    if not valid_handle(handle):
        return JSONResponse({"responseCode": 102, "handle": handle, "message": "Invalid handle"}, status_code=400)
    if target is None:
        return JSONResponse({"responseCode": 100, "handle": handle, "message": "Handle Not Found"}, status_code=404)
    url, stamp = target
    values = select_values(
        handle_values(handle, url, stamp),
        request.query_params.getlist("type"),
        request.query_params.getlist("index"),
    )
    if not values:
        return JSONResponse({"responseCode": 200, "handle": handle, "values": []})
    return JSONResponse({"responseCode": 1, "handle": handle, "values": values})


def values_page(handle: str, url: str | None) -> HTMLResponse:
    """Show a handle's values instead of redirecting (the proxy's `noredirect`, or a handle with no URL)."""
    shown = f'<a href="{html.escape(url)}">{html.escape(url)}</a>' if url else "(no URL value)"
    body = (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Handle {html.escape(handle)}</title></head>"
        f"<body><h1>Handle Values for: {html.escape(handle)}</h1><p>URL: {shown}</p></body></html>"
    )
    return HTMLResponse(body)


def not_found_page(identifier: str) -> HTMLResponse:
    body = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Not Found</title></head>"
        f"<body><h1>Handle Not Found</h1><p>{html.escape(identifier)} is not registered here.</p></body></html>"
    )
    return HTMLResponse(body, status_code=404)


def redirect_or_page(request: Request, pid: str, target: tuple[str | None, str] | None) -> Response:
    if target is None:
        return not_found_page(pid)
    url = target[0]
    if url is None or "noredirect" in request.query_params:
        return values_page(pid, url)
    return RedirectResponse(url, status_code=302)


def routes(sandbox: Sandbox) -> list[BaseRoute]:
    """Return the Handle API, DOI resolver and `/<handle>` redirect routes."""

    async def handle_api(request: Request) -> Response:
        handle = request.path_params["handle"]
        target = handle_target(sandbox, handle) if valid_handle(handle) else None
        return proxy_response(request, handle, target)

    async def doi_api(request: Request) -> Response:
        doi = normalize_doi(request.path_params["doi"])
        target = doi_target(sandbox, doi) if valid_handle(doi) else None
        return proxy_response(request, doi, target)

    async def doi_redirect(request: Request) -> Response:
        doi = normalize_doi(request.path_params["doi"])
        return redirect_or_page(request, doi, doi_target(sandbox, doi) if valid_handle(doi) else None)

    async def handle_redirect(request: Request) -> Response:
        pid = f"{request.path_params['prefix']}/{request.path_params['suffix']}"
        if not valid_handle(pid):
            return not_found_page(pid)
        # hdl.handle.net resolves DOIs too (they are handles); the sandbox's resolver does the same.
        target = handle_target(sandbox, pid) or doi_target(sandbox, pid)
        return redirect_or_page(request, pid, target)

    return [
        Route("/api/handles/{handle:path}", handle_api, methods=["GET"]),
        Route("/doi/api/handles/{doi:path}", doi_api, methods=["GET"]),
        Route("/doi/{doi:path}", doi_redirect, methods=["GET"]),
        Route("/{prefix:hdlprefix}/{suffix:path}", handle_redirect, methods=["GET"]),
    ]
