"""The submission flow of the sandbox's DSpace REST API: workspace items and deposit through workflowitems.

Sections follow DSpace's default ``traditional`` process (collection, traditionalpageone, traditionalpagetwo,
upload, license). Like Digital.CSIC, a file is required; dc.title and dc.date.issued are required; the
licence must be granted. The sandbox collection has no workflow, so a deposit archives the item at once.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bridge.sandbox.app import Sandbox
from bridge.sandbox.rest.bitstreams import content_url, store_upload
from bridge.sandbox.rest.common import (
    UNPROCESSABLE,
    RestError,
    api_url,
    as_bool,
    deny,
    hal,
    is_admin,
    link,
    owns,
    param_uuid,
    read_json,
    read_uri_list,
    require_json_media,
    require_user,
    rest_time,
    sandbox_of,
)
from bridge.sandbox.rest.hal import collection_json, embeds, item_json, page_body, paging
from bridge.sandbox.rest.metadata import apply_metadata_op, copy_metadata, patch_operations, split_path
from bridge.sandbox.store import metadata_value, now

PAGE_ONE = "traditionalpageone"
PAGE_TWO = "traditionalpagetwo"
PAGE_TWO_FIELDS = ("dc.subject", "dc.description.abstract", "dc.description.sponsorship", "dc.description")
REQUIRED_FIELDS = ("dc.title", "dc.date.issued")
LICENSE_URL = "https://digital.csic.es/dc/licencia-de-deposito"


def section_of(field_name: str) -> str:
    """Return the form page that shows a field (page two holds subjects and descriptions, page one the rest)."""
    if field_name in PAGE_TWO_FIELDS or field_name.startswith("dc.subject."):
        return PAGE_TWO
    return PAGE_ONE


def original_bundle(sandbox: Sandbox, item: str) -> dict | None:
    return next((b for b in sandbox.store.bundles(item) if b["name"] == "ORIGINAL"), None)


def file_json(sandbox: Sandbox, bs: dict) -> dict[str, Any]:
    return {
        "uuid": bs["uuid"],
        "metadata": bs["metadata"],
        "sizeBytes": bs["size"],
        "checkSum": {"checkSumAlgorithm": "MD5", "value": bs["md5"]},
        "url": content_url(sandbox, bs),
        "format": {"mimetype": bs["mime"], "type": "bitstreamformat"},
        "accessConditions": [],
    }


def validation_errors(sandbox: Sandbox, wsi: dict, item: dict, has_files: bool | None = None) -> list[dict[str, Any]]:
    """Return DSpace's submission errors: required fields, the required file, the licence."""
    errors: list[dict[str, Any]] = []
    missing = [f"/sections/{PAGE_ONE}/{f}" for f in REQUIRED_FIELDS if not item["metadata"].get(f)]
    if missing:
        errors.append({"message": "error.validation.required", "paths": missing})
    if has_files is None:
        has_files = bool(sandbox.store.item_bitstreams(item["uuid"]))
    if not has_files:
        errors.append({"message": "error.validation.filerequired", "paths": ["/sections/upload"]})
    if not wsi["license_granted"]:
        errors.append({"message": "error.validation.license.notgranted", "paths": ["/sections/license"]})
    return errors


def submission_json(
    sandbox: Sandbox, wsi: dict, item: dict, user: dict | None, wanted: set[str], *, resource_type: str
) -> dict:
    """Render a workspace item (or, after deposit, the workflow item) with its sections and errors."""
    md = item["metadata"]
    bundle = original_bundle(sandbox, item["uuid"])
    files = sandbox.store.bitstreams(bundle["uuid"]) if bundle else []
    accepted = wsi.get("acceptance_date")
    section = "submission/workspaceitems" if resource_type == "workspaceitem" else "workflow/workflowitems"
    base = f"{section}/{wsi['id']}"
    body: dict[str, Any] = {
        "id": wsi["id"],
        "lastModified": rest_time(max(wsi["last_modified"], item["last_modified"])),
        "step": None,
        "sections": {
            PAGE_ONE: {k: v for k, v in md.items() if section_of(k) == PAGE_ONE},
            PAGE_TWO: {k: v for k, v in md.items() if section_of(k) == PAGE_TWO},
            "upload": {
                "primary": bundle["primary_bitstream"] if bundle else None,
                "files": [file_json(sandbox, f) for f in files],
            },
            "license": {
                "granted": bool(wsi["license_granted"]),
                "url": LICENSE_URL if wsi["license_granted"] else None,
                "acceptanceDate": accepted[:19] + "Z" if accepted else None,
            },
        },
        # The files just read answer "is there a file?": no second read of every bitstream per rendering.
        "errors": validation_errors(sandbox, wsi, item, bool(files)) if resource_type == "workspaceitem" else [],
        "type": resource_type,
        "_links": {
            "collection": link(sandbox, f"core/collections/{wsi['collection']}"),
            "item": link(sandbox, f"core/items/{item['uuid']}"),
            "submissionDefinition": link(sandbox, "config/submissiondefinitions/traditional"),
            "submitter": link(sandbox, f"eperson/epersons/{wsi['submitter']}"),
            "supervisionOrders": link(sandbox, f"{base}/supervisionOrders"),
            "self": link(sandbox, base),
        },
    }
    embedded: dict[str, Any] = {}
    if "item" in wanted:
        embedded["item"] = item_json(sandbox, item, user)
    if "collection" in wanted and (coll := sandbox.store.collection(wsi["collection"])):
        embedded["collection"] = collection_json(sandbox, coll)
    if embedded:
        body["_embedded"] = embedded
    return body


def workspace_context(request: Request) -> tuple[dict, dict, dict]:
    """Return (user, workspace item, item) of the path; only the submitter or an admin gets it."""
    user = require_user(request)
    sandbox = sandbox_of(request)
    raw = request.path_params["id"]
    wsi = sandbox.store.workspaceitem(int(raw)) if raw.isdigit() else None
    item = sandbox.store.item(wsi["item"]) if wsi else None
    if wsi is None or item is None:
        raise RestError(404, f"Workspace item not found: {raw}")
    if not (is_admin(user) or owns(user, item)):
        raise deny(user)
    return user, wsi, item


def _render(request: Request, wsi_id: int, status: int = 200) -> Response:
    sandbox = sandbox_of(request)
    wsi = sandbox.store.workspaceitem(wsi_id)
    item = sandbox.store.item(wsi["item"])  # type: ignore[index]  # called with the id of an existing workspace item
    body = submission_json(sandbox, wsi, item, request.state.user, embeds(request), resource_type="workspaceitem")  # type: ignore[arg-type]  # both rows exist, see above
    return hal(body, status, {"Location": body["_links"]["self"]["href"]} if status == 201 else None)


# -- endpoints ------------------------------------------------------------------------------------------
async def create_workspaceitem(request: Request) -> Response:
    """Start a submission in ``owningCollection`` (default: the first collection)."""
    user = require_user(request)
    sandbox = sandbox_of(request)
    coll = param_uuid(request, "owningCollection", required=False)
    if coll is None:
        collections = sandbox.store.collections()
        coll = collections[0]["uuid"] if collections else None
    if coll is None or sandbox.store.collection(coll) is None:
        raise RestError(422, f"{UNPROCESSABLE}: collection {coll} not found")
    wsi = sandbox.store.create_workspaceitem(coll, user["uuid"])
    return _render(request, wsi["id"], 201)


async def get_workspaceitem(request: Request) -> Response:
    _, wsi, _ = workspace_context(request)
    return _render(request, wsi["id"])


async def find_by_item(request: Request) -> Response:
    """Return the workspace item wrapping an item, or 204 when there is none."""
    user = require_user(request)
    sandbox = sandbox_of(request)
    uid = param_uuid(request, "uuid")
    wsi = sandbox.store.workspaceitem_of(uid)
    item = sandbox.store.item(uid) if wsi else None
    if wsi is None or item is None:
        return Response(status_code=204)
    if not (is_admin(user) or owns(user, item)):
        raise deny(user)
    return _render(request, wsi["id"])


def find_by_submitter(request: Request) -> Response:
    """List a submitter's workspace items (the submitter themself or an admin), oldest first."""
    user = require_user(request)
    sandbox = sandbox_of(request)
    submitter = param_uuid(request, "uuid")
    if not (is_admin(user) or user["uuid"] == submitter):
        raise deny(user)
    page, size = paging(request)
    total = sandbox.store.one("SELECT COUNT(*) AS n FROM workspaceitem WHERE submitter = ?", (submitter,))
    rows = sandbox.store.query(
        "SELECT id FROM workspaceitem WHERE submitter = ? ORDER BY id LIMIT ? OFFSET ?", (submitter, size, page * size)
    )
    wanted, rendered = embeds(request), []
    for row in rows:
        wsi = sandbox.store.workspaceitem(row["id"])
        item = sandbox.store.item(wsi["item"]) if wsi else None
        if wsi and item:
            rendered.append(submission_json(sandbox, wsi, item, user, wanted, resource_type="workspaceitem"))
    return hal(page_body(request, "workspaceitems", rendered, total["n"] if total else 0, page, size))


async def patch_workspaceitem(request: Request) -> Response:
    """Apply JSON Patch to the sections: page metadata, ``/sections/license/granted``, upload files/primary."""
    _, wsi, item = workspace_context(request)
    require_json_media(request)
    sandbox = sandbox_of(request)
    md = copy_metadata(item["metadata"])
    bundle = original_bundle(sandbox, item["uuid"])
    files = sandbox.store.bitstreams(bundle["uuid"]) if bundle else []
    primary = bundle["primary_bitstream"] if bundle else None
    changed, granted, removed = False, None, []
    for op in patch_operations(await read_json(request)):
        parts = split_path(op["path"])
        section, rest = (parts[1], parts[2:]) if len(parts) >= 2 and parts[0] == "sections" else ("", [])
        if section in (PAGE_ONE, PAGE_TWO):
            apply_metadata_op(md, op, rest)
            changed = True
        elif section == "license" and rest == ["granted"]:
            granted = False if op["op"] == "remove" else as_bool(op.get("value"))
        elif section == "upload" and rest == ["primary"]:
            primary = None if op["op"] == "remove" else str(op.get("value"))
            if primary is not None and primary not in {f["uuid"] for f in files}:
                raise RestError(422, f"{UNPROCESSABLE}: {primary} is not a file of this submission")
        elif section == "upload" and len(rest) == 2 and rest[0] == "files" and op["op"] == "remove":
            if not rest[1].isdigit() or int(rest[1]) >= len(files):
                raise RestError(422, f"{UNPROCESSABLE}: no file at {op['path']!r}")
            removed.append(files.pop(int(rest[1]))["uuid"])
        else:
            raise RestError(422, f"{UNPROCESSABLE}: unknown path {op['path']!r}")
    if changed:
        sandbox.store.update_item(item["uuid"], metadata=md)
    if granted is not None:
        sandbox.store.set_license(wsi["id"], granted)
    for uid in removed:
        sandbox.store.delete_bitstream(uid)
    if bundle is not None:
        sandbox.store.set_primary_bitstream(bundle["uuid"], None if primary in removed else primary)
    return _render(request, wsi["id"])


async def upload_file(request: Request) -> Response:
    """Add a file (multipart field ``file``) to the submission's ORIGINAL bundle; 201 with the workspace item."""
    _, wsi, item = workspace_context(request)
    sandbox = sandbox_of(request)
    bundle = sandbox.store.bundle_named(item["uuid"], "ORIGINAL")
    await store_upload(request, sandbox, bundle)
    return _render(request, wsi["id"], 201)


async def delete_workspaceitem(request: Request) -> Response:
    _, _, item = workspace_context(request)
    sandbox_of(request).store.delete_item(item["uuid"])
    return Response(status_code=204)


async def deposit(request: Request) -> Response:
    """Deposit a workspace item (uri-list body); with no workflow the item is archived and gets its handle."""
    user = require_user(request)
    sandbox = sandbox_of(request)
    uris = await read_uri_list(request)
    last = uris[0].rstrip("/").rsplit("/", 1)[-1] if len(uris) == 1 else ""
    wsi = sandbox.store.workspaceitem(int(last)) if last.isdigit() else None
    item = sandbox.store.item(wsi["item"]) if wsi else None
    if wsi is None or item is None:
        raise RestError(422, f"{UNPROCESSABLE}: the body must be the URI of one workspace item")
    if not (is_admin(user) or owns(user, item)):
        raise deny(user)
    if validation_errors(sandbox, wsi, item):
        raise RestError(422, f"{UNPROCESSABLE}: the submission has validation errors")
    md = copy_metadata(item["metadata"])
    md.setdefault("dc.description.provenance", []).append(
        metadata_value(f"Submitted by {user['email']} on {now()[:19]}Z (GMT).", "en")
    )
    sandbox.store.update_item(item["uuid"], metadata=md)
    archived = sandbox.store.archive_item(item["uuid"])
    body = submission_json(sandbox, wsi, archived, user, embeds(request), resource_type="workflowitem")
    return hal(body, 201, {"Location": api_url(sandbox, f"workflow/workflowitems/{wsi['id']}")})


def routes() -> list[BaseRoute]:
    base = "/submission/workspaceitems"
    return [
        Route(base, create_workspaceitem, methods=["POST"]),
        Route(f"{base}/search/item", find_by_item, methods=["GET"]),
        Route(f"{base}/search/findBySubmitter", find_by_submitter, methods=["GET"]),
        Route(base + "/{id}", get_workspaceitem, methods=["GET"]),
        Route(base + "/{id}", patch_workspaceitem, methods=["PATCH"]),
        Route(base + "/{id}", upload_file, methods=["POST"]),
        Route(base + "/{id}", delete_workspaceitem, methods=["DELETE"]),
        Route("/workflow/workflowitems", deposit, methods=["POST"]),
    ]
