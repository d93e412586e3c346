"""HAL rendering of the sandbox's DSpace objects: absolute links, paged lists, resource shapes (RC README)."""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request

from bridge.sandbox.app import Sandbox
from bridge.sandbox.rest.common import INVALID, RestError, api_url, is_admin, link, rest_time, sandbox_of
from bridge.sandbox.store import first_value

MAX_PAGE_SIZE = 1000  # larger sizes are capped silently, as Spring Data does


# -- paging ---------------------------------------------------------------------------------------------
def paging(request: Request) -> tuple[int, int]:
    """Return (page, size) from the query; 400 for values that are not non-negative integers."""
    default = sandbox_of(request).config.rest_page_size
    try:
        page = int(request.query_params.get("page", "0"))
        size = int(request.query_params.get("size", str(default)))
    except ValueError as exc:
        raise RestError(400, INVALID) from exc
    if page < 0 or size < 1:
        raise RestError(400, INVALID)
    return page, min(size, MAX_PAGE_SIZE)


def embeds(request: Request) -> set[str]:
    """Return the requested embeds (``embed=a,b`` or repeated ``embed``)."""
    out: set[str] = set()
    for value in request.query_params.getlist("embed"):
        out.update(v.strip() for v in value.split(",") if v.strip())
    return out


def _page_url(request: Request, page: int, size: int) -> str:
    sandbox = sandbox_of(request)
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in ("page", "size")]
    params += [("page", str(page)), ("size", str(size))]
    return f"{sandbox.base_url}{request.url.path}?{urlencode(params)}"


def self_url(request: Request) -> str:
    query = request.url.query
    return f"{sandbox_of(request).base_url}{request.url.path}" + (f"?{query}" if query else "")


def page_body(request: Request, key: str, resources: list[dict], total: int, page: int, size: int) -> dict:
    """Return a HAL page: ``_embedded.<key>``, ``_links`` first/prev/next/last/self and ``page``."""
    pages = math.ceil(total / size) if size else 0
    links: dict[str, Any] = {"first": {"href": _page_url(request, 0, size)}}
    if page > 0:
        links["prev"] = {"href": _page_url(request, min(page - 1, max(pages - 1, 0)), size)}
    if page + 1 < pages:
        links["next"] = {"href": _page_url(request, page + 1, size)}
    if pages:
        links["last"] = {"href": _page_url(request, pages - 1, size)}
    links["self"] = {"href": self_url(request)}
    return {
        "_embedded": {key: resources},
        "_links": links,
        "page": {"size": size, "totalElements": total, "totalPages": pages, "number": page},
    }


def embedded_list(key: str, resources: list[dict], href: str) -> dict:
    """Return a one-page list for ``_embedded`` blocks (``embed=bundles`` and the like)."""
    total = len(resources)
    return {
        "_embedded": {key: resources},
        "_links": {"self": {"href": href}},
        "page": {"size": max(total, 1), "totalElements": total, "totalPages": 1 if total else 0, "number": 0},
    }


def slice_page(rows: list[Any], page: int, size: int) -> list[Any]:
    return rows[page * size : (page + 1) * size]


# -- resources ------------------------------------------------------------------------------------------
def _links(sandbox: Sandbox, base: str, names: tuple[str, ...]) -> dict[str, Any]:
    out = {name: link(sandbox, f"{base}/{name}") for name in names}
    out["self"] = link(sandbox, base)
    return out


def community_json(sandbox: Sandbox, com: dict) -> dict:
    base = f"core/communities/{com['uuid']}"
    return {
        "id": com["uuid"],
        "uuid": com["uuid"],
        "name": com["name"],
        "handle": com["handle"],
        "metadata": com["metadata"],
        "lastModified": rest_time(com.get("last_modified")),
        "type": "community",
        "_links": _links(sandbox, base, ("collections", "logo", "subcommunities", "parentCommunity", "adminGroup")),
    }


def collection_json(sandbox: Sandbox, coll: dict) -> dict:
    base = f"core/collections/{coll['uuid']}"
    count = sandbox.store.one("SELECT COUNT(*) AS n FROM item WHERE collection = ? AND in_archive = 1", (coll["uuid"],))
    return {
        "id": coll["uuid"],
        "uuid": coll["uuid"],
        "name": coll["name"],
        "handle": coll["handle"],
        "metadata": coll["metadata"],
        "archivedItemsCount": count["n"] if count else 0,
        "lastModified": rest_time(coll.get("last_modified")),
        "type": "collection",
        "_links": _links(
            sandbox, base, ("license", "logo", "mappedItems", "parentCommunity", "adminGroup", "itemtemplate")
        ),
    }


def item_name(item: dict) -> str | None:
    return first_value(item["metadata"], "dc.title")


def item_json(sandbox: Sandbox, item: dict, user: dict | None) -> dict:
    """Return the item; a withdrawn item shows its metadata to admins only (DSpace's tombstone)."""
    hidden = item["withdrawn"] and not is_admin(user)
    base = f"core/items/{item['uuid']}"
    return {
        "id": item["uuid"],
        "uuid": item["uuid"],
        "name": None if hidden else item_name(item),
        "handle": item["handle"],
        "metadata": {} if hidden else item["metadata"],
        "inArchive": item["in_archive"],
        "discoverable": item["discoverable"],
        "withdrawn": item["withdrawn"],
        "lastModified": rest_time(item["last_modified"]),
        "entityType": None,
        "type": "item",
        "_links": _links(
            sandbox,
            base,
            (
                "accessStatus",
                "bundles",
                "identifiers",
                "mappedCollections",
                "owningCollection",
                "relationships",
                "version",
                "templateItemOf",
                "thumbnail",
                "submitter",
            ),
        ),
    }


def bundle_json(sandbox: Sandbox, bundle: dict) -> dict:
    base = f"core/bundles/{bundle['uuid']}"
    return {
        "id": bundle["uuid"],
        "uuid": bundle["uuid"],
        "name": bundle["name"],
        "handle": None,
        "metadata": bundle["metadata"],
        "type": "bundle",
        "_links": _links(sandbox, base, ("item", "bitstreams", "primaryBitstream")),
    }


def bitstream_json(sandbox: Sandbox, bs: dict, bundle_name: str | None) -> dict:
    base = f"core/bitstreams/{bs['uuid']}"
    return {
        "id": bs["uuid"],
        "uuid": bs["uuid"],
        "name": bs["name"],
        "handle": None,
        "metadata": bs["metadata"],
        "bundleName": bundle_name,
        "sizeBytes": bs["size"],
        "checkSum": {"checkSumAlgorithm": "MD5", "value": bs["md5"]},
        "sequenceId": bs["sequence_id"],
        "type": "bitstream",
        "_links": _links(sandbox, base, ("bundle", "content", "format", "thumbnail")),
    }


def format_json(sandbox: Sandbox, bs: dict) -> dict:
    return {
        "id": 0,
        "shortDescription": bs["mime"],
        "description": bs["mime"],
        "mimetype": bs["mime"],
        "supportLevel": "KNOWN",
        "internal": False,
        "extensions": [],
        "type": "bitstreamformat",
        "_links": {"self": link(sandbox, f"core/bitstreams/{bs['uuid']}/format")},
    }


def eperson_json(sandbox: Sandbox, eperson: dict) -> dict:
    email = eperson["email"]
    return {
        "id": eperson["uuid"],
        "uuid": eperson["uuid"],
        "name": email,
        "handle": None,
        "metadata": {},
        "netid": None,
        "lastActive": None,
        "canLogIn": True,
        "email": email,
        "requireCertificate": False,
        "selfRegistered": False,
        "type": "eperson",
        "_links": {"self": {"href": api_url(sandbox, f"eperson/epersons/{eperson['uuid']}")}},
    }
