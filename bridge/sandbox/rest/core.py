"""Communities and collections of the sandbox's DSpace REST API (RC communities.md, collections.md)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bridge.sandbox.app import Sandbox
from bridge.sandbox.rest.common import (
    UNPROCESSABLE,
    RestError,
    hal,
    param_uuid,
    path_uuid,
    read_json,
    require_admin,
    require_json_media,
    sandbox_of,
)
from bridge.sandbox.rest.hal import collection_json, community_json, page_body, paging, slice_page
from bridge.sandbox.rest.metadata import apply_metadata_op, copy_metadata, parse_metadata, patch_operations, split_path
from bridge.sandbox.store import MetadataMap, first_value, metadata_value


def community_or_404(sandbox: Sandbox, uid: str) -> dict:
    com = sandbox.store.community(uid)
    if com is None:
        raise RestError(404, f"Community not found: {uid}")
    return com


def collection_or_404(sandbox: Sandbox, uid: str) -> dict:
    coll = sandbox.store.collection(uid)
    if coll is None:
        raise RestError(404, f"Collection not found: {uid}")
    return coll


def descendant_collections(sandbox: Sandbox, community: str) -> list[str]:
    """Return the UUIDs of every collection below a community (sub-communities included)."""
    communities = sandbox.store.communities()
    wanted, frontier = {community}, [community]
    while frontier:
        parent = frontier.pop()
        for com in communities:
            if com["parent"] == parent and com["uuid"] not in wanted:
                wanted.add(com["uuid"])
                frontier.append(com["uuid"])
    return [c["uuid"] for c in sandbox.store.collections() if c["community"] in wanted]


def _name_and_metadata(body: object) -> tuple[str, MetadataMap]:
    """Return a container's name and metadata from a request body; the name follows dc.title."""
    if not isinstance(body, dict):
        raise RestError(422, UNPROCESSABLE)
    metadata = parse_metadata(body.get("metadata"))
    name = first_value(metadata, "dc.title") or (body.get("name") if isinstance(body.get("name"), str) else None)
    if not name:
        raise RestError(422, f"{UNPROCESSABLE}: a name or dc.title is required")
    metadata.setdefault("dc.title", [metadata_value(name)])
    return name, metadata


def _page(request: Request, key: str, resources: list[dict]) -> Response:
    page, size = paging(request)
    return hal(page_body(request, key, slice_page(resources, page, size), len(resources), page, size))


# -- communities ------------------------------------------------------------------------------------------
async def list_communities(request: Request) -> Response:
    sandbox = sandbox_of(request)
    top = request.url.path.endswith("/search/top")
    rows = [c for c in sandbox.store.communities() if not top or not c["parent"]]
    return _page(request, "communities", [community_json(sandbox, c) for c in rows])


async def get_community(request: Request) -> Response:
    sandbox = sandbox_of(request)
    return hal(community_json(sandbox, community_or_404(sandbox, path_uuid(request))))


async def community_collections(request: Request) -> Response:
    sandbox = sandbox_of(request)
    com = community_or_404(sandbox, path_uuid(request))
    rows = sandbox.store.collections(com["uuid"])
    return _page(request, "collections", [collection_json(sandbox, c) for c in rows])


async def subcommunities(request: Request) -> Response:
    sandbox = sandbox_of(request)
    com = community_or_404(sandbox, path_uuid(request))
    rows = [c for c in sandbox.store.communities() if c["parent"] == com["uuid"]]
    return _page(request, "subcommunities", [community_json(sandbox, c) for c in rows])


async def parent_community(request: Request) -> Response:
    sandbox = sandbox_of(request)
    uid = path_uuid(request)
    if "/core/collections/" in request.url.path:
        parent = collection_or_404(sandbox, uid)["community"]
    else:
        parent = community_or_404(sandbox, uid)["parent"]
    if not parent:
        return Response(status_code=204)
    return hal(community_json(sandbox, community_or_404(sandbox, parent)))


async def create_community(request: Request) -> Response:
    require_admin(request)
    sandbox = sandbox_of(request)
    parent = param_uuid(request, "parent", required=False)
    if parent and sandbox.store.community(parent) is None:
        raise RestError(422, f"{UNPROCESSABLE}: parent community {parent} not found")
    name, metadata = _name_and_metadata(await read_json(request))
    com = sandbox.store.create_community(name, parent=parent, metadata=metadata)
    return hal(community_json(sandbox, com), 201)


# -- collections ------------------------------------------------------------------------------------------
async def list_collections(request: Request) -> Response:
    sandbox = sandbox_of(request)
    return _page(request, "collections", [collection_json(sandbox, c) for c in sandbox.store.collections()])


async def get_collection(request: Request) -> Response:
    sandbox = sandbox_of(request)
    return hal(collection_json(sandbox, collection_or_404(sandbox, path_uuid(request))))


async def create_collection(request: Request) -> Response:
    require_admin(request)
    sandbox = sandbox_of(request)
    parent = param_uuid(request, "parent")
    if parent is None or sandbox.store.community(parent) is None:
        raise RestError(422, f"{UNPROCESSABLE}: parent community {parent} not found")
    name, metadata = _name_and_metadata(await read_json(request))
    coll = sandbox.store.create_collection(name, parent, metadata=metadata)
    return hal(collection_json(sandbox, coll), 201)


# -- both ---------------------------------------------------------------------------------------------------
def _container_type(request: Request) -> str:
    return "collection" if "/core/collections/" in request.url.path else "community"


def _container(sandbox: Sandbox, table: str, uid: str) -> dict:
    return collection_or_404(sandbox, uid) if table == "collection" else community_or_404(sandbox, uid)


def _render(sandbox: Sandbox, table: str, uid: str) -> dict:
    row = _container(sandbox, table, uid)
    return collection_json(sandbox, row) if table == "collection" else community_json(sandbox, row)


async def put_container(request: Request) -> Response:
    """Replace a community's or collection's metadata (PUT of the whole object)."""
    require_admin(request)
    sandbox, table, uid = sandbox_of(request), _container_type(request), path_uuid(request)
    _container(sandbox, table, uid)
    body = await read_json(request)
    if isinstance(body, dict) and body.get("uuid") not in (None, uid):
        raise RestError(400, "The UUID in the body does not match the URL")
    name, metadata = _name_and_metadata(body)
    sandbox.store.update_container(table, uid, name=name, metadata=metadata)
    return hal(_render(sandbox, table, uid))


async def patch_container(request: Request) -> Response:
    """Apply JSON Patch operations on ``/metadata/…`` of a community or collection."""
    require_admin(request)
    sandbox, table, uid = sandbox_of(request), _container_type(request), path_uuid(request)
    row = _container(sandbox, table, uid)
    require_json_media(request)
    md = copy_metadata(row["metadata"])
    for op in patch_operations(await read_json(request)):
        parts = split_path(op["path"])
        if not parts or parts[0] != "metadata":
            raise RestError(422, f"{UNPROCESSABLE}: unknown path {op['path']!r}")
        apply_metadata_op(md, op, parts[1:])
    sandbox.store.update_container(table, uid, name=first_value(md, "dc.title") or row["name"], metadata=md)
    return hal(_render(sandbox, table, uid))


def delete_collection_tree(sandbox: Sandbox, uid: str) -> None:
    for row in sandbox.store.query("SELECT uuid FROM item WHERE collection = ?", (uid,)):
        sandbox.store.delete_item(row["uuid"])
    sandbox.store.delete_container("collection", uid)


def delete_community_tree(sandbox: Sandbox, uid: str) -> None:
    for com in sandbox.store.communities():
        if com["parent"] == uid:
            delete_community_tree(sandbox, com["uuid"])
    for coll in sandbox.store.collections(uid):
        delete_collection_tree(sandbox, coll["uuid"])
    sandbox.store.delete_container("community", uid)


async def delete_container(request: Request) -> Response:
    """Delete a community or collection with everything below it, as DSpace does."""
    require_admin(request)
    sandbox, table, uid = sandbox_of(request), _container_type(request), path_uuid(request)
    _container(sandbox, table, uid)
    if table == "collection":
        delete_collection_tree(sandbox, uid)
    else:
        delete_community_tree(sandbox, uid)
    return Response(status_code=204)


def routes() -> list[BaseRoute]:
    return [
        Route("/core/communities", list_communities, methods=["GET"]),
        Route("/core/communities", create_community, methods=["POST"]),
        Route("/core/communities/search/top", list_communities, methods=["GET"]),
        Route("/core/communities/{uuid}", get_community, methods=["GET"]),
        Route("/core/communities/{uuid}", put_container, methods=["PUT"]),
        Route("/core/communities/{uuid}", patch_container, methods=["PATCH"]),
        Route("/core/communities/{uuid}", delete_container, methods=["DELETE"]),
        Route("/core/communities/{uuid}/collections", community_collections, methods=["GET"]),
        Route("/core/communities/{uuid}/subcommunities", subcommunities, methods=["GET"]),
        Route("/core/communities/{uuid}/parentCommunity", parent_community, methods=["GET"]),
        Route("/core/collections", list_collections, methods=["GET"]),
        Route("/core/collections", create_collection, methods=["POST"]),
        Route("/core/collections/{uuid}", get_collection, methods=["GET"]),
        Route("/core/collections/{uuid}", put_container, methods=["PUT"]),
        Route("/core/collections/{uuid}", patch_container, methods=["PATCH"]),
        Route("/core/collections/{uuid}", delete_container, methods=["DELETE"]),
        Route("/core/collections/{uuid}/parentCommunity", parent_community, methods=["GET"]),
    ]
