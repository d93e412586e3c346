"""Items of the sandbox's DSpace REST API: read, direct creation by admins, PUT, JSON Patch, delete (RC items.md)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bridge.sandbox.app import Sandbox
from bridge.sandbox.rest.common import (
    UNPROCESSABLE,
    RestError,
    api_url,
    as_bool,
    can_edit_item,
    can_read_files,
    can_read_item,
    deny,
    hal,
    is_admin,
    item_or_404,
    param_uuid,
    path_uuid,
    read_json,
    require_admin,
    require_json_media,
    require_user,
    sandbox_of,
)
from bridge.sandbox.rest.core import collection_or_404
from bridge.sandbox.rest.hal import (
    bitstream_json,
    bundle_json,
    collection_json,
    embedded_list,
    embeds,
    item_json,
    page_body,
    paging,
    slice_page,
)
from bridge.sandbox.rest.metadata import apply_metadata_op, copy_metadata, parse_metadata, patch_operations, split_path
from bridge.sandbox.store import metadata_value, now


def readable_item(sandbox: Sandbox, user: dict | None, uid: str) -> dict:
    """Return the item if the caller may read it (404 unknown, 401/403 hidden)."""
    item = item_or_404(sandbox, uid)
    if not can_read_item(user, item):
        raise deny(user)
    return item


def _readable(request: Request) -> dict:
    return readable_item(sandbox_of(request), request.state.user, path_uuid(request))


def item_resource(sandbox: Sandbox, item: dict, user: dict | None, wanted: set[str]) -> dict:
    """Return the item with the requested embeds (owningCollection, bundles, bundles/bitstreams)."""
    body = item_json(sandbox, item, user)
    embedded: dict[str, Any] = {}
    if "owningCollection" in wanted:
        coll = sandbox.store.collection(item["collection"])
        embedded["owningCollection"] = collection_json(sandbox, coll) if coll else None
    if "bundles" in wanted or "bundles/bitstreams" in wanted:
        bundles = sandbox.store.bundles(item["uuid"]) if can_read_files(user, item) else []
        rendered = []
        for bundle in bundles:
            entry = bundle_json(sandbox, bundle)
            if "bundles/bitstreams" in wanted:
                files = [bitstream_json(sandbox, b, bundle["name"]) for b in sandbox.store.bitstreams(bundle["uuid"])]
                href = api_url(sandbox, f"core/bundles/{bundle['uuid']}/bitstreams")
                entry["_embedded"] = {"bitstreams": embedded_list("bitstreams", files, href)}
            rendered.append(entry)
        href = api_url(sandbox, f"core/items/{item['uuid']}/bundles")
        embedded["bundles"] = embedded_list("bundles", rendered, href)
    if embedded:
        body["_embedded"] = embedded
    return body


# -- reads ------------------------------------------------------------------------------------------------
def list_items(request: Request) -> Response:
    """List archived, non-withdrawn items (admins only, as DSpace's findAll; on a worker thread)."""
    require_admin(request)
    sandbox, user = sandbox_of(request), request.state.user
    page, size = paging(request)
    where = "FROM item WHERE in_archive = 1 AND withdrawn = 0"
    total = sandbox.store.scalar(f"SELECT COUNT(*) AS n {where}")
    rows = sandbox.store.query(f"SELECT uuid {where} ORDER BY created, uuid LIMIT ? OFFSET ?", (size, page * size))
    wanted = embeds(request)
    items = [item_resource(sandbox, sandbox.store.item(r["uuid"]), user, wanted) for r in rows]  # type: ignore[arg-type]  # uuids from the item table
    return hal(page_body(request, "items", items, total, page, size))


async def get_item(request: Request) -> Response:
    item = _readable(request)
    return hal(item_resource(sandbox_of(request), item, request.state.user, embeds(request)))


async def owning_collection(request: Request) -> Response:
    sandbox, item = sandbox_of(request), _readable(request)
    return hal(collection_json(sandbox, collection_or_404(sandbox, item["collection"])))


async def item_bundles(request: Request) -> Response:
    sandbox, item, user = sandbox_of(request), _readable(request), request.state.user
    bundles = sandbox.store.bundles(item["uuid"]) if can_read_files(user, item) else []
    page, size = paging(request)
    rendered = [bundle_json(sandbox, b) for b in slice_page(bundles, page, size)]
    return hal(page_body(request, "bundles", rendered, len(bundles), page, size))


async def empty_list(request: Request) -> Response:
    """Answer links the sandbox does not model (mapped collections, relationships) with an empty page."""
    _readable(request)
    key = request.url.path.rsplit("/", 1)[-1]
    page, size = paging(request)
    return hal(page_body(request, key, [], 0, page, size))


async def no_content(request: Request) -> Response:
    _readable(request)
    return Response(status_code=204)


async def access_status(request: Request) -> Response:
    item = _readable(request)
    status = "metadata.only" if item["withdrawn"] else "open.access"
    return hal({"status": status, "type": "accessStatus"})


# -- writes -----------------------------------------------------------------------------------------------
def _item_metadata(body: Any) -> dict:
    if not isinstance(body, dict):
        raise RestError(422, UNPROCESSABLE)
    metadata = parse_metadata(body.get("metadata"))
    if "dc.title" not in metadata and isinstance(body.get("name"), str) and body["name"].strip():
        metadata["dc.title"] = [metadata_value(body["name"].strip())]
    return metadata


async def create_item(request: Request) -> Response:
    """Create an archived item directly in a collection (admins; RC items.md, §1.4 of the reference)."""
    user = require_admin(request)
    sandbox = sandbox_of(request)
    coll = param_uuid(request, "owningCollection")
    if coll is None or sandbox.store.collection(coll) is None:
        raise RestError(422, f"{UNPROCESSABLE}: collection {coll} not found")
    body = await read_json(request)
    metadata = _item_metadata(body)
    discoverable = body.get("discoverable")
    item = sandbox.store.create_item(
        coll,
        metadata,
        submitter=user["uuid"],
        discoverable=discoverable if isinstance(discoverable, bool) else True,
    )
    location = api_url(sandbox, f"core/items/{item['uuid']}")
    return hal(item_json(sandbox, item, user), 201, {"Location": location})


async def put_item(request: Request) -> Response:
    """Replace an item's metadata (PUT of the whole object; only the metadata is taken, as DSpace)."""
    user = require_admin(request)
    sandbox = sandbox_of(request)
    item = item_or_404(sandbox, path_uuid(request))
    body = await read_json(request)
    if isinstance(body, dict) and body.get("uuid") not in (None, item["uuid"]):
        raise RestError(400, "The UUID in the body does not match the URL")
    updated = sandbox.store.update_item(item["uuid"], metadata=_item_metadata(body))
    return hal(item_json(sandbox, updated, user))


def _provenance(md: dict, user: dict, action: str) -> None:
    stamp = now()[:19] + "Z"
    md.setdefault("dc.description.provenance", []).append(
        metadata_value(f"Item {action} by {user['email']} on {stamp}.", "en")
    )


async def patch_item(request: Request) -> Response:
    """Apply JSON Patch: ``/metadata/<field>[/<i>[/<prop>]]``, ``/withdrawn``, ``/discoverable``."""
    user = require_user(request)
    sandbox = sandbox_of(request)
    item = item_or_404(sandbox, path_uuid(request))
    if not can_edit_item(user, item):
        raise deny(user)
    require_json_media(request)
    md = copy_metadata(item["metadata"])
    changed = False
    flags: dict[str, bool] = {}
    for op in patch_operations(await read_json(request)):
        parts = split_path(op["path"])
        if parts and parts[0] == "metadata":
            apply_metadata_op(md, op, parts[1:])
            changed = True
        elif parts in (["withdrawn"], ["discoverable"]) and op["op"] in ("add", "replace"):
            flag = as_bool(op.get("value"))
            if parts[0] == "withdrawn":
                if not is_admin(user):
                    raise deny(user)
                if not item["handle"]:
                    raise RestError(422, f"{UNPROCESSABLE}: only an archived item can be withdrawn")
                if flag != item["withdrawn"]:
                    _provenance(md, user, "withdrawn" if flag else "reinstated")
                    changed = True
            flags[parts[0]] = flag
        else:
            raise RestError(422, f"{UNPROCESSABLE}: unknown path {op['path']!r}")
    updated = sandbox.store.update_item(
        item["uuid"],
        metadata=md if changed else None,
        discoverable=flags.get("discoverable"),
        withdrawn=flags.get("withdrawn"),
    )
    return hal(item_json(sandbox, updated, user))


async def delete_item(request: Request) -> Response:
    require_admin(request)
    sandbox = sandbox_of(request)
    item = item_or_404(sandbox, path_uuid(request))
    sandbox.store.delete_item(item["uuid"])
    return Response(status_code=204)


async def create_bundle(request: Request) -> Response:
    """Add a bundle (``{"name": "ORIGINAL", "metadata": {}}``) to an item."""
    user = require_user(request)
    sandbox = sandbox_of(request)
    item = item_or_404(sandbox, path_uuid(request))
    if not can_edit_item(user, item):
        raise deny(user)
    body = await read_json(request)
    if not isinstance(body, dict) or not isinstance(body.get("name"), str) or not body["name"].strip():
        raise RestError(422, f"{UNPROCESSABLE}: a bundle needs a name")
    metadata = parse_metadata(body.get("metadata")) or None
    bundle = sandbox.store.create_bundle(item["uuid"], body["name"].strip(), metadata)
    return hal(bundle_json(sandbox, bundle), 201)


def routes() -> list[BaseRoute]:
    base = "/core/items/{uuid}"
    return [
        Route("/core/items", list_items, methods=["GET"]),
        Route("/core/items", create_item, methods=["POST"]),
        Route(base, get_item, methods=["GET"]),
        Route(base, put_item, methods=["PUT"]),
        Route(base, patch_item, methods=["PATCH"]),
        Route(base, delete_item, methods=["DELETE"]),
        Route(f"{base}/bundles", item_bundles, methods=["GET"]),
        Route(f"{base}/bundles", create_bundle, methods=["POST"]),
        Route(f"{base}/owningCollection", owning_collection, methods=["GET"]),
        Route(f"{base}/mappedCollections", empty_list, methods=["GET"]),
        Route(f"{base}/relationships", empty_list, methods=["GET"]),
        Route(f"{base}/thumbnail", no_content, methods=["GET"]),
        Route(f"{base}/version", no_content, methods=["GET"]),
        Route(f"{base}/templateItemOf", no_content, methods=["GET"]),
        Route(f"{base}/accessStatus", access_status, methods=["GET"]),
    ]
