"""Bundles and bitstreams of the sandbox's DSpace REST API: uploads, reads, downloads (RC bundles.md, bitstreams.md)."""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Route

from bridge.sandbox.app import Sandbox
from bridge.sandbox.rest.common import (
    UNPROCESSABLE,
    RestError,
    api_url,
    can_edit_item,
    can_read_files,
    deny,
    hal,
    item_or_404,
    last_segment_uuid,
    path_uuid,
    read_uri_list,
    require_user,
    safe_filename,
    sandbox_of,
)
from bridge.sandbox.rest.hal import bitstream_json, bundle_json, format_json, item_json, page_body, paging, slice_page
from bridge.sandbox.rest.metadata import parse_metadata
from bridge.sandbox.rest.upload import json_field, receive_upload
from bridge.sandbox.store import metadata_value


def bundle_context(request: Request, *, write: bool = False) -> tuple[dict, dict]:
    """Return (bundle, item) of the path if the caller may read (or change) them."""
    sandbox, user = sandbox_of(request), request.state.user
    bundle = sandbox.store.bundle(path_uuid(request))
    if bundle is None:
        raise RestError(404, f"Bundle not found: {request.path_params['uuid']}")
    item = item_or_404(sandbox, bundle["item"])
    allowed = can_edit_item(user, item) if write else can_read_files(user, item)
    if not allowed:
        raise deny(user)
    return bundle, item


def bitstream_context(request: Request, *, write: bool = False) -> tuple[dict, dict, dict]:
    """Return (bitstream, bundle, item) of the path if the caller may read (or change) them."""
    sandbox, user = sandbox_of(request), request.state.user
    bs = sandbox.store.bitstream(path_uuid(request))
    bundle = sandbox.store.bundle(bs["bundle"]) if bs else None
    if bs is None or bundle is None:
        raise RestError(404, f"Bitstream not found: {request.path_params['uuid']}")
    item = item_or_404(sandbox, bundle["item"])
    allowed = can_edit_item(user, item) if write else can_read_files(user, item)
    if not allowed:
        raise deny(user)
    return bs, bundle, item


async def store_upload(request: Request, sandbox: Sandbox, bundle: dict) -> dict:
    """Receive a multipart ``file`` (plus optional ``properties``) into a bundle; return the new bitstream."""
    upload = await receive_upload(request, sandbox.store, sandbox.config.upload_limit)
    try:
        props = json_field(upload.fields.get("properties"))
        metadata = parse_metadata(props.get("metadata"))
        chosen = props.get("name") if isinstance(props.get("name"), str) else None
        filename = safe_filename(chosen, upload.filename)
        metadata["dc.title"] = [metadata_value(filename)]
    except BaseException:
        (sandbox.store.assetstore / upload.storage).unlink(missing_ok=True)
        raise
    return sandbox.store.create_bitstream(
        bundle["uuid"], filename, upload.storage, upload.size, upload.md5, upload.mime, metadata
    )


# -- bundles ------------------------------------------------------------------------------------------------
async def get_bundle(request: Request) -> Response:
    bundle, _ = bundle_context(request)
    return hal(bundle_json(sandbox_of(request), bundle))


async def bundle_bitstreams(request: Request) -> Response:
    sandbox = sandbox_of(request)
    bundle, _ = bundle_context(request)
    files = sandbox.store.bitstreams(bundle["uuid"])
    page, size = paging(request)
    rendered = [bitstream_json(sandbox, b, bundle["name"]) for b in slice_page(files, page, size)]
    return hal(page_body(request, "bitstreams", rendered, len(files), page, size))


async def bundle_item(request: Request) -> Response:
    _, item = bundle_context(request)
    return hal(item_json(sandbox_of(request), item, request.state.user))


async def upload_bitstream(request: Request) -> Response:
    """Create a bitstream from multipart ``file`` + ``properties`` (the latter read leniently, see json_field)."""
    require_user(request)
    sandbox = sandbox_of(request)
    bundle, _ = bundle_context(request, write=True)
    bs = await store_upload(request, sandbox, bundle)
    return hal(bitstream_json(sandbox, bs, bundle["name"]), 201)


async def primary_bitstream(request: Request) -> Response:
    sandbox = sandbox_of(request)
    bundle, _ = bundle_context(request)
    bs = sandbox.store.bitstream(bundle["primary_bitstream"]) if bundle["primary_bitstream"] else None
    if bs is None:
        return Response(status_code=204)
    return hal(bitstream_json(sandbox, bs, bundle["name"]))


async def set_primary_bitstream(request: Request) -> Response:
    """POST (201) or PUT (200) a bitstream URI as the bundle's primary file; DELETE (204) clears it."""
    require_user(request)
    sandbox = sandbox_of(request)
    bundle, _ = bundle_context(request, write=True)
    if request.method == "DELETE":
        sandbox.store.set_primary_bitstream(bundle["uuid"], None)
        return Response(status_code=204)
    uris = await read_uri_list(request)
    uid = last_segment_uuid(uris[0]) if len(uris) == 1 else None
    bs = sandbox.store.bitstream(uid) if uid else None
    if bs is None or bs["bundle"] != bundle["uuid"]:
        raise RestError(422, f"{UNPROCESSABLE}: the primary bitstream must be one bitstream of this bundle")
    sandbox.store.set_primary_bitstream(bundle["uuid"], bs["uuid"])
    return hal(bundle_json(sandbox, sandbox.store.bundle(bundle["uuid"])), 201 if request.method == "POST" else 200)  # type: ignore[arg-type]  # the bundle was read above


async def delete_bundle(request: Request) -> Response:
    require_user(request)
    bundle, _ = bundle_context(request, write=True)
    sandbox_of(request).store.delete_bundle(bundle["uuid"])
    return Response(status_code=204)


# -- bitstreams ---------------------------------------------------------------------------------------------
async def get_bitstream(request: Request) -> Response:
    bs, bundle, _ = bitstream_context(request)
    return hal(bitstream_json(sandbox_of(request), bs, bundle["name"]))


async def bitstream_bundle(request: Request) -> Response:
    _, bundle, _ = bitstream_context(request)
    return hal(bundle_json(sandbox_of(request), bundle))


async def bitstream_format(request: Request) -> Response:
    bs, _, _ = bitstream_context(request)
    return hal(format_json(sandbox_of(request), bs))


def content_disposition(name: str) -> str:
    """Return an attachment header with an ASCII fallback name and the exact UTF-8 name (RFC 6266)."""
    fallback = name.encode("ascii", "replace").decode("ascii").replace('"', "_").replace("\\", "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


async def content(request: Request) -> Response:
    """Send the file with ETag = its MD5 (quoted), its type, length and a sanitised attachment name."""
    sandbox = sandbox_of(request)
    bs, _, _ = bitstream_context(request)
    etag = f'"{bs["md5"]}"'
    if request.headers.get("if-none-match", "").strip() in (etag, f"W/{etag}"):
        return Response(status_code=304, headers={"ETag": etag})
    path = sandbox.store.bitstream_path(bs)
    if not path.resolve().is_relative_to(sandbox.store.assetstore.resolve()) or not path.is_file():
        raise RestError(500, f"The file of bitstream {bs['uuid']} is missing from the assetstore")
    headers = {
        "ETag": etag,
        "Content-Disposition": content_disposition(safe_filename(bs["name"])),
        "Content-Type": bs["mime"],  # as stored: no charset guessed for text/* files
    }
    return FileResponse(path, headers=headers)


async def delete_bitstream(request: Request) -> Response:
    require_user(request)
    sandbox = sandbox_of(request)
    bs, bundle, _ = bitstream_context(request, write=True)
    if bundle["primary_bitstream"] == bs["uuid"]:
        sandbox.store.set_primary_bitstream(bundle["uuid"], None)
    sandbox.store.delete_bitstream(bs["uuid"])
    return Response(status_code=204)


def content_url(sandbox: Sandbox, bs: dict) -> str:
    return api_url(sandbox, f"core/bitstreams/{bs['uuid']}/content")


def routes() -> list[BaseRoute]:
    return [
        Route("/core/bundles/{uuid}", get_bundle, methods=["GET"]),
        Route("/core/bundles/{uuid}", delete_bundle, methods=["DELETE"]),
        Route("/core/bundles/{uuid}/bitstreams", bundle_bitstreams, methods=["GET"]),
        Route("/core/bundles/{uuid}/bitstreams", upload_bitstream, methods=["POST"]),
        Route("/core/bundles/{uuid}/item", bundle_item, methods=["GET"]),
        Route("/core/bundles/{uuid}/primaryBitstream", primary_bitstream, methods=["GET"]),
        Route("/core/bundles/{uuid}/primaryBitstream", set_primary_bitstream, methods=["POST", "PUT", "DELETE"]),
        Route("/core/bitstreams/{uuid}", get_bitstream, methods=["GET"]),
        Route("/core/bitstreams/{uuid}", delete_bitstream, methods=["DELETE"]),
        Route("/core/bitstreams/{uuid}/content", content, methods=["GET"]),
        Route("/core/bitstreams/{uuid}/bundle", bitstream_bundle, methods=["GET"]),
        Route("/core/bitstreams/{uuid}/format", bitstream_format, methods=["GET"]),
    ]
