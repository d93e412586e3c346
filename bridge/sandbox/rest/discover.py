"""Discovery and identifiers of the sandbox's DSpace REST API: search/objects, pid/find, identifiers of an item."""

from __future__ import annotations

import re
import uuid as uuidlib
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bridge.sandbox.app import Sandbox
from bridge.sandbox.rest.common import (
    INVALID,
    MISSING,
    RestError,
    api_url,
    hal,
    is_admin,
    param_uuid,
    sandbox_of,
)
from bridge.sandbox.rest.core import descendant_collections
from bridge.sandbox.rest.hal import (
    collection_json,
    community_json,
    embeds,
    page_body,
    paging,
    self_url,
)
from bridge.sandbox.rest.items import item_resource, readable_item
from bridge.sandbox.rest.metadata import check_field
from bridge.sandbox.rest.search import container_matches, filter_sql, parse_query, query_sql

DSO_TYPES = ("item", "collection", "community")


def _visibility(request: Request, configuration: str) -> tuple[str, list[Any]]:
    """Items a caller finds: admins also withdrawn and private ones; ``workspace`` lists one's own drafts."""
    user = request.state.user
    if configuration == "workspace":
        return ("i.handle IS NULL AND i.submitter = ?", [user["uuid"]]) if user else ("0", [])
    if is_admin(user):
        return "i.handle IS NOT NULL", []
    return "i.in_archive = 1 AND i.discoverable = 1 AND i.withdrawn = 0", []


def _sort(request: Request) -> tuple[str, str, list[Any], str, bool]:
    """Return (join, order by, params, field name, descending) for ``sort=<field>,<asc|desc>``."""
    raw = request.query_params.get("sort") or "score,desc"
    name, _, direction = raw.partition(",")
    name, direction = name.strip(), (direction.strip().lower() or "desc")
    if direction not in ("asc", "desc"):
        raise RestError(400, INVALID)
    way = direction.upper()
    if name in ("score", "lastModified"):
        return "", f"i.last_modified {way}, i.uuid", [], name, direction == "desc"
    try:
        check_field(name)
    except RestError as exc:
        raise RestError(400, INVALID) from exc
    join = "LEFT JOIN metadatavalue s ON s.item = i.uuid AND s.field = ? AND s.place = 0"
    return join, f"s.value IS NULL, s.value {way}, i.uuid", [name], name, direction == "desc"


def _scope_sql(sandbox: Sandbox, scope: str | None) -> tuple[str, list[Any], set[str] | None]:
    """Return the item condition for a scope and the community/collection UUIDs inside it (None: all)."""
    if scope is None:
        return "1 = 1", [], None
    if sandbox.store.collection(scope):
        return "i.collection = ?", [scope], set()
    if sandbox.store.community(scope):
        collections = descendant_collections(sandbox, scope)
        inside = set(collections)
        for com in sandbox.store.communities():
            parent = com["parent"]
            while parent:  # a community is inside the scope when the scope is one of its ancestors
                if parent == scope:
                    inside.add(com["uuid"])
                    break
                parent = (sandbox.store.community(parent) or {}).get("parent")
        marks = ",".join("?" * len(collections)) or "NULL"
        return f"i.collection IN ({marks})", list(collections), inside
    return "0", [], set()  # an unknown scope finds nothing


def search_objects(request: Request) -> Response:
    """Search items (and communities/collections) with a Solr-like query; see bridge.sandbox.rest.search.

    A plain function, so Starlette runs it on a worker thread: a broad query over 100,000 items takes a
    moment and must not hold up the event loop.
    """
    sandbox, user = sandbox_of(request), request.state.user
    params = request.query_params
    page, size = paging(request)
    dso_type = (params.get("dsoType") or "all").lower()
    if dso_type not in (*DSO_TYPES, "all"):
        raise RestError(400, INVALID)
    configuration = params.get("configuration") or "default"
    scope = param_uuid(request, "scope", required=False)
    groups = parse_query(params.get("query"))
    join, order, sort_params, sort_by, descending = _sort(request)
    scope_sql, scope_params, inside = _scope_sql(sandbox, scope)
    conditions, values = [], []
    for sql, more in (_visibility(request, configuration), (scope_sql, scope_params), query_sql(groups)):
        conditions.append(sql)
        values.extend(more)
    for key, raw in params.multi_items():
        if key.startswith("f."):
            sql, more = filter_sql(key[2:], raw)
            conditions.append(sql)
            values.extend(more)
    where = " AND ".join(conditions)
    item_total, rows = 0, []
    if dso_type in ("item", "all"):
        item_total = sandbox.store.scalar(f"SELECT COUNT(*) AS n FROM item i WHERE {where}", values)
        rows = sandbox.store.query(
            f"SELECT i.uuid FROM item i {join} WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?",
            [*sort_params, *values, size, page * size],
        )
    containers = []
    if dso_type != "item" and configuration == "default" and not any(k.startswith("f.") for k in params):
        containers = _containers(sandbox, dso_type, groups, inside)
    wanted = embeds(request)
    objects = [item_resource(sandbox, sandbox.store.item(r["uuid"]), user, wanted) for r in rows]  # type: ignore[arg-type]  # uuids from the item table
    start = max(page * size - item_total, 0)
    objects += containers[start : start + size - len(objects)]
    results = page_body(request, "objects", [_hit(o) for o in objects], item_total + len(containers), page, size)
    body: dict[str, Any] = {
        "id": None,
        "scope": scope,
        "query": params.get("query"),
        "appliedFilters": [],
        "sort": {"by": sort_by, "order": "DESC" if descending else "ASC"},
        "configuration": configuration,
        "type": "discover",
        "_embedded": {"searchResult": results, "facets": []},
        "_links": {"self": {"href": self_url(request)}},
    }
    return hal(body)


def _hit(resource: dict) -> dict:
    return {
        "hitHighlights": {},
        "type": "discover",
        "_links": {"indexableObject": resource["_links"]["self"]},
        "_embedded": {"indexableObject": resource},
    }


def _containers(sandbox: Sandbox, dso_type: str, groups: list, inside: set[str] | None) -> list[dict]:
    out: list[dict] = []
    if dso_type in ("community", "all"):
        for com in sandbox.store.communities():
            if (inside is None or com["uuid"] in inside) and container_matches(groups, com["metadata"]):
                out.append(community_json(sandbox, com))
    if dso_type in ("collection", "all"):
        for coll in sandbox.store.collections():
            if (inside is None or coll["uuid"] in inside) and container_matches(groups, coll["metadata"]):
                out.append(collection_json(sandbox, coll))
    return out


# -- identifiers --------------------------------------------------------------------------------------------
_HANDLE_FORMS = (
    re.compile(r"^hdl:(.+)$", re.I),
    re.compile(r"^info:hdl/(.+)$", re.I),
    re.compile(r"^https?://hdl\.handle\.net/(.+)$", re.I),
    re.compile(r"^https?://[^/]+(?:/.*)?/handle/(.+)$", re.I),
)
_DOI_FORMS = (
    re.compile(r"^doi:(.+)$", re.I),
    re.compile(r"^info:doi/(.+)$", re.I),
    re.compile(r"^https?://(?:dx\.)?doi\.org/(.+)$", re.I),
)
_BARE_HANDLE = re.compile(r"^\d[\w.]*/\S+$")


def classify(identifier: str) -> tuple[str, str] | None:
    """Return ("handle"|"doi"|"uuid", value) for the identifier forms DSpace resolves, or None."""
    text = identifier.strip()
    try:
        return "uuid", str(uuidlib.UUID(text))
    except ValueError:
        pass
    for form in _DOI_FORMS:
        if match := form.match(text):
            return "doi", match.group(1)
    if text.startswith("10.") and "/" in text:
        return "doi", text
    for form in _HANDLE_FORMS:
        if match := form.match(text):
            return "handle", match.group(1).strip("/")
    return ("handle", text) if _BARE_HANDLE.match(text) else None


def _doi_item(sandbox: Sandbox, doi: str) -> str | None:
    forms = {f"{p}{d}" for d in (doi, doi.lower(), doi.upper()) for p in ("https://doi.org/", "doi:", "")}
    marks = ",".join("?" * len(forms))
    row = sandbox.store.one(
        f"SELECT item FROM metadatavalue WHERE field = 'dc.identifier.doi' AND value IN ({marks}) LIMIT 1",
        sorted(forms),
    )
    return row["item"] if row else None


async def pid_find(request: Request) -> Response:
    """Redirect (302) a handle, DOI or UUID to its object; 404 unknown, 501 not an identifier."""
    sandbox = sandbox_of(request)
    raw = request.query_params.get("id")
    if not raw:
        raise RestError(400, MISSING)
    found = classify(raw)
    if found is None:
        raise RestError(501, f"The identifier {raw!r} cannot be resolved")
    target: tuple[str, str] | None = None
    if found[0] == "handle":
        row = sandbox.store.resolve_handle(found[1])
        target = (row["resource_type"], row["resource"]) if row else None
    elif found[0] == "doi":
        uid = _doi_item(sandbox, found[1])
        target = ("item", uid) if uid else None
    else:
        uid = found[1]
        for rtype in ("item", "collection", "community"):
            if getattr(sandbox.store, rtype)(uid):
                target = (rtype, uid)
                break
    if target is None:
        raise RestError(404, f"No object found for {raw!r}")
    plural = {"item": "items", "collection": "collections", "community": "communities"}[target[0]]
    return RedirectResponse(api_url(sandbox, f"core/{plural}/{target[1]}"), status_code=302)


async def identifiers_of_item(request: Request) -> Response:
    """List an item's handle and DOIs (``pid/identifiers/search/findByItem?uuid=``)."""
    sandbox = sandbox_of(request)
    item = readable_item(sandbox, request.state.user, param_uuid(request, "uuid"))
    found: list[dict[str, Any]] = []
    if item["handle"]:
        found.append({"value": item["handle"], "identifierType": "handle", "identifierStatus": None})
    for value in item["metadata"].get("dc.identifier.doi", []):
        doi = classify(value["value"])
        if doi and doi[0] == "doi":
            found.append({"value": doi[1], "identifierType": "doi", "identifierStatus": "IS_REGISTERED"})
    for entry in found:
        entry["type"] = "identifier"
    page, size = paging(request)
    return hal(page_body(request, "identifiers", found, len(found), page, size))


def routes() -> list[BaseRoute]:
    return [
        Route("/discover/search/objects", search_objects, methods=["GET"]),
        Route("/pid/find", pid_find, methods=["GET"]),
        Route("/pid/identifiers/search/findByItem", identifiers_of_item, methods=["GET"]),
    ]
