"""The sandbox's DSpace 7+ REST API subset at ``/server/api`` (HAL JSON, CSRF + JWT, submission, search).

``routes(sandbox)`` mounts one Starlette app at ``/server/api``: its middleware checks CSRF and finds
the caller for every request, its exception handlers answer with Spring Boot error JSON.
"""

from __future__ import annotations

import logging

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route

from bridge.sandbox.app import Sandbox
from bridge.sandbox.httputil import spring_error
from bridge.sandbox.rest import auth, bitstreams, core, discover, items, submission
from bridge.sandbox.rest.common import RestError, api_url, hal

log = logging.getLogger(__name__)

ENDPOINTS = {
    "authn": "authn",
    "communities": "core/communities",
    "collections": "core/collections",
    "items": "core/items",
    "bundles": "core/bundles",
    "bitstreams": "core/bitstreams",
    "workspaceitems": "submission/workspaceitems",
    "workflowitems": "workflow/workflowitems",
    "discover": "discover",
    "search": "discover/search/objects",
    "pid": "pid/find",
    "csrf": "security/csrf",
}


async def _rest_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RestError)
    return spring_error(request, exc.status, exc.message, exc.headers or None)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = {404: "No handler found", 405: "Request method not supported"}.get(exc.status_code, exc.detail)
    return spring_error(request, exc.status_code, message, dict(exc.headers or {}) or None)


async def _server_error(request: Request, exc: Exception) -> Response:
    log.exception("sandbox REST error on %s %s", request.method, request.url.path, exc_info=exc)
    return spring_error(request, 500, "Internal Server Error")


def root_document(sandbox: Sandbox) -> dict:
    """Return the API root (``GET /server/api``) with links to the endpoints."""
    return {
        "dspaceUI": sandbox.base_url,
        "dspaceName": sandbox.config.name,
        "dspaceServer": f"{sandbox.base_url}/server",
        "dspaceVersion": "DSpace 7.6 (oai-bridge sandbox)",
        "type": "root",
        "_links": {name: {"href": api_url(sandbox, path)} for name, path in ENDPOINTS.items()}
        | {"self": {"href": api_url(sandbox, "")}},
    }


def routes(sandbox: Sandbox) -> list[BaseRoute]:
    """Return the ``/server/api`` routes of the sandbox."""
    sandbox.store.ensure_search_index()

    async def root(request: Request) -> Response:
        return hal(root_document(sandbox))

    api = Starlette(
        routes=[
            Route("/", root, methods=["GET"]),
            *auth.routes(),
            *core.routes(),
            *items.routes(),
            *bitstreams.routes(),
            *submission.routes(),
            *discover.routes(),
        ],
        middleware=[Middleware(auth.RestMiddleware, sandbox=sandbox)],
        exception_handlers={RestError: _rest_error, HTTPException: _http_error, Exception: _server_error},
    )
    api.state.sandbox = sandbox
    return [Route("/server/api", root, methods=["GET"]), Mount("/server/api", app=api)]
