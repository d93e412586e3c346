"""SWORD v2 server at /server/swordv2, as DSpace's dspace-swordv2 module answers it (HTTP Basic auth on everything).

Service document ``/servicedocument``; Col-IRI ``/collection/10261/N``; Edit-IRI (= SE-IRI) ``/edit/<uuid>``;
EM-IRI ``/edit-media/<uuid>``; statement ``/statement/<uuid>.atom|.rdf``. Deposits to a Col-IRI take an Atom
entry, a package (SimpleZip or Binary) or both in one multipart/related request; ``In-Progress: true`` keeps the
item in the workspace, an empty POST with ``In-Progress: false`` to the Edit-IRI archives it and mints its handle.
DSpace's quirks are kept: a package deposited to a collection gets the placeholder title ``Untitled: <filename>``
(before the entry's own metadata in a multipart deposit), ``dc.date.updated`` is set on every deposit, the Slug is
kept in ``dc.identifier.slug``, atom:author is not read (send dcterms:creator). Unlike DSpace the original package
is not kept in a SWORD bundle (it would double the disk use of large model weights).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Route

import bridge.sandbox.pid  # noqa: F401  (registers the `hdlprefix` path convertor)
from bridge.sandbox.app import Sandbox
from bridge.sandbox.httputil import basic_auth_user
from bridge.sandbox.store import metadata_value, now
from bridge.sandbox.sword.documents import (
    ACCEPT_PACKAGING,
    AUTH_REQUIRED,
    BINARY,
    ERROR_BAD_REQUEST,
    ERROR_CONTENT,
    FORBIDDEN,
    MAX_UPLOAD_SIZE_EXCEEDED,
    MEDIATION_NOT_ALLOWED,
    METHOD_NOT_ALLOWED,
    NOT_FOUND,
    SIMPLEDC,
    SIMPLEZIP,
    SwordError,
    SwordUrls,
    atom_statement,
    error_document,
    parse_entry,
    rdf_statement,
    receipt,
    service_document,
)
from bridge.sandbox.sword.package import (
    MAX_ENTRY_BYTES,
    Spool,
    check_md5,
    header_param,
    header_value,
    safe_name,
    spool_body,
    spool_multipart,
    store_binary,
    unpack_zip,
)

ATOM_ENTRY = "application/atom+xml;type=entry"
TREATMENT_ENTRY = "A metadata only item has been created"
TREATMENT_PACKAGE = (
    "The package has been ingested and unpacked into the item's ORIGINAL bundle; a Binary package is stored as is."
)

Handler = Callable[[Request, dict[str, Any]], Awaitable[Response]]


def in_progress(request: Request) -> bool:
    """Read the In-Progress header; absent means false (SWORD 2.0 §9)."""
    value = request.headers.get("in-progress", "false").strip().lower()
    if value not in ("true", "false"):
        raise SwordError(400, ERROR_BAD_REQUEST, f"In-Progress must be true or false, not {value!r}")
    return value == "true"


def add_values(md: dict[str, list[dict[str, Any]]], pairs: list[tuple[str, str]]) -> None:
    """Add (field, value) pairs, skipping a value the field already holds (DSpace's addUniqueMetadata)."""
    for field, value in pairs:
        values = md.setdefault(field, [])
        if all(v["value"] != value for v in values):
            values.append(metadata_value(value))


def stamp_updated(md: dict[str, list[dict[str, Any]]]) -> None:
    """Set dc.date.updated to now, as DSpace's SWORD ingesters do on every deposit."""
    md["dc.date.updated"] = [metadata_value(now()[:19] + "Z")]


class SwordServer:
    """The SWORD endpoints over one sandbox's store."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.store = sandbox.store
        self.urls = SwordUrls(sandbox)
        self.spool = sandbox.config.data_dir / "sword-spool"
        self.limit = sandbox.config.upload_limit

    # -- plumbing -------------------------------------------------------------------------------------
    def endpoint(self, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        """Wrap a handler with Basic auth, the mediation check and SWORD error documents."""

        async def run(request: Request) -> Response:
            try:
                user = basic_auth_user(self.sandbox, request)
                if user is None:
                    raise SwordError(
                        401, AUTH_REQUIRED, "HTTP Basic authentication with a repository account is required"
                    )
                if request.headers.get("on-behalf-of"):
                    raise SwordError(412, MEDIATION_NOT_ALLOWED, "mediated deposit (On-Behalf-Of) is not allowed")
                return await handler(request, user)
            except SwordError as error:
                headers = {"WWW-Authenticate": 'Basic realm="SWORD"'} if error.status == 401 else None
                body = error_document(self.sandbox, error)
                return Response(body, status_code=error.status, media_type="application/xml", headers=headers)

        return run

    def owned_item(self, uid: str, user: dict[str, Any]) -> dict[str, Any]:
        item = self.store.item(uid)
        if item is None:
            raise SwordError(404, NOT_FOUND, f"no item {uid}")
        if not user["admin"] and item["submitter"] != user["uuid"]:
            raise SwordError(403, FORBIDDEN, "only the submitter or an administrator may act on this item")
        return item

    def workspace_id(self, uid: str) -> int | None:
        workspace = self.store.workspaceitem_of(uid)
        return workspace["id"] if workspace else None

    def receipt_response(
        self, item: dict[str, Any], status: int, treatment: str, derived: list[dict[str, Any]] | None = None
    ) -> Response:
        body = receipt(
            self.sandbox,
            item,
            workspace_id=self.workspace_id(item["uuid"]),
            treatment=treatment,
            derived=derived or [],
        )
        headers = {"Location": self.urls.edit(item["uuid"])}
        return Response(body, status_code=status, media_type=ATOM_ENTRY, headers=headers)

    async def read_entry(self, request: Request) -> bytes:
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_ENTRY_BYTES:
                raise SwordError(413, MAX_UPLOAD_SIZE_EXCEEDED, "the Atom entry is too large")
        return bytes(body)

    async def read_deposit(self, request: Request) -> tuple[list[tuple[str, str]] | None, Spool | None]:
        """Return the metadata pairs of an Atom entry and/or the spooled package of a request (either may be None)."""
        ctype = request.headers.get("content-type", "")
        kind = header_value(ctype)
        if kind == "multipart/related":
            boundary = header_param(ctype, "boundary")
            if not boundary:
                raise SwordError(400, ERROR_BAD_REQUEST, "multipart/related without a boundary")
            entry, media = await spool_multipart(request.stream(), boundary, self.spool, self.limit)
            try:
                return parse_entry(entry), media
            except BaseException:
                media.discard()
                raise
        if kind == "application/atom+xml":
            return parse_entry(await self.read_entry(request)), None
        empty = request.headers.get("content-length", "0" if "transfer-encoding" not in request.headers else "")
        if empty.strip() == "0":
            return None, None
        headers = {k: request.headers[k] for k in ("content-type", "content-disposition", "packaging", "content-md5")
                   if k in request.headers}  # fmt: skip
        return None, await spool_body(request.stream(), self.spool, self.limit, headers)

    async def unpack(self, upload: Spool) -> list[dict[str, Any]]:
        """Check and unpack a spooled package into the assetstore (off the event loop); always drop the spool."""
        try:
            packaging = upload.headers.get("packaging", BINARY).strip()
            if packaging not in ACCEPT_PACKAGING:
                raise SwordError(415, ERROR_CONTENT, f"packaging {packaging!r} is not accepted here")
            check_md5(upload, upload.headers.get("content-md5"))
            if packaging == SIMPLEZIP:
                return await run_in_threadpool(unpack_zip, self.store, upload, self.limit)
            if not upload.filename:
                raise SwordError(400, ERROR_BAD_REQUEST, "a Binary deposit needs Content-Disposition with a filename")
            return await run_in_threadpool(store_binary, self.store, upload, self.limit)
        finally:
            upload.discard()

    def add_files(self, item: dict[str, Any], files: list[dict[str, Any]]) -> list[dict[str, Any]]:
        bundle = self.store.bundle_named(item["uuid"], "ORIGINAL")
        return [
            self.store.create_bitstream(bundle["uuid"], f["name"], f["storage"], f["size"], f["md5"], f["mime"])
            for f in files
        ]

    def complete(self, item: dict[str, Any]) -> dict[str, Any]:
        """Archive an in-progress item: DSpace sets dc.date.issued to today when missing, then mints the handle."""
        if item["in_archive"] or item["withdrawn"]:
            return item
        if not item["metadata"].get("dc.date.issued"):
            md = dict(item["metadata"])
            md["dc.date.issued"] = [metadata_value(dt.datetime.now(dt.UTC).strftime("%Y-%m-%d"))]
            self.store.update_item(item["uuid"], metadata=md)
        return self.store.archive_item(item["uuid"])

    # -- endpoints ------------------------------------------------------------------------------------
    async def service_document(self, request: Request, user: dict[str, Any]) -> Response:
        body = service_document(self.sandbox, self.store.collections())
        return Response(body, media_type="application/atomsvc+xml")

    async def deposit(self, request: Request, user: dict[str, Any]) -> Response:
        """Create an item in a collection from an entry, a package or both (SWORD 2.0 §6.3)."""
        handle = f"{request.path_params['prefix']}/{request.path_params['suffix']}"
        row = self.store.resolve_handle(handle)
        collection = self.store.collection(row["resource"]) if row and row["resource_type"] == "collection" else None
        if collection is None:
            raise SwordError(404, NOT_FOUND, f"no collection has the handle {handle}")
        finish = not in_progress(request)
        pairs, upload = await self.read_deposit(request)
        if pairs is None and upload is None:
            raise SwordError(400, ERROR_BAD_REQUEST, "a deposit needs an Atom entry, a package or both")
        files = await self.unpack(upload) if upload else []
        md: dict[str, list[dict[str, Any]]] = {}
        if upload is not None:
            # DSpace's content ingesters give a package without metadata a placeholder title and description.
            filename = safe_name(upload.filename) if upload.filename else "deposit"
            add_values(md, [("dc.title", f"Untitled: {filename}")])
            add_values(md, [("dc.description", "Zip file deposited by SWORD without accompanying metadata")])
        add_values(md, pairs or [])
        stamp_updated(md)
        if request.headers.get("slug"):
            md["dc.identifier.slug"] = [metadata_value(request.headers["slug"])]
        workspace = self.store.create_workspaceitem(collection["uuid"], user["uuid"])
        item = self.store.update_item(workspace["item"], metadata=md)
        derived = self.add_files(item, files)
        item = self.store.item(item["uuid"]) or item
        if finish:
            item = self.complete(item)
        return self.receipt_response(item, 201, TREATMENT_PACKAGE if upload else TREATMENT_ENTRY, derived)

    async def get_receipt(self, request: Request, user: dict[str, Any]) -> Response:
        item = self.owned_item(request.path_params["uuid"], user)
        return self.receipt_response(item, 200, TREATMENT_PACKAGE)

    async def add_to_container(self, request: Request, user: dict[str, Any]) -> Response:
        """POST to the SE-IRI: add metadata and/or files (§6.7), then complete unless In-Progress (§9.3)."""
        item = self.owned_item(request.path_params["uuid"], user)
        finish = not in_progress(request)
        pairs, upload = await self.read_deposit(request)
        derived = await self.add_content(item, upload) if upload else []
        if pairs is not None or upload is not None:
            md = {k: list(v) for k, v in self.store.item(item["uuid"])["metadata"].items()}  # type: ignore[index]  # owned_item found it
            add_values(md, pairs or [])
            stamp_updated(md)
            self.store.update_item(item["uuid"], metadata=md)
        item = self.store.item(item["uuid"]) or item
        if finish:
            item = self.complete(item)
        status = 201 if pairs is not None and upload is not None else 200
        return self.receipt_response(item, status, TREATMENT_PACKAGE if upload else TREATMENT_ENTRY, derived)

    async def add_content(self, item: dict[str, Any], upload: Spool) -> list[dict[str, Any]]:
        if item["in_archive"] or item["withdrawn"]:
            upload.discard()
            raise SwordError(405, METHOD_NOT_ALLOWED, "files cannot be added to an archived or withdrawn item")
        return self.add_files(item, await self.unpack(upload))

    async def replace_metadata(self, request: Request, user: dict[str, Any]) -> Response:
        """PUT an Atom entry to the Edit-IRI: replace the DC metadata (§6.5.2)."""
        item = self.owned_item(request.path_params["uuid"], user)
        if header_value(request.headers.get("content-type", "")) != "application/atom+xml":
            raise SwordError(415, ERROR_CONTENT, "PUT to the Edit-IRI takes an Atom entry (application/atom+xml)")
        pairs = parse_entry(await self.read_entry(request))
        finish = not in_progress(request)
        replaceable = set(SIMPLEDC.values())
        md = {k: list(v) for k, v in item["metadata"].items() if k not in replaceable}
        add_values(md, pairs)
        stamp_updated(md)
        item = self.store.update_item(item["uuid"], metadata=md)
        if finish:
            item = self.complete(item)
        return self.receipt_response(item, 200, TREATMENT_ENTRY)

    async def delete_container(self, request: Request, user: dict[str, Any]) -> Response:
        item = self.owned_item(request.path_params["uuid"], user)
        if item["in_archive"] or item["withdrawn"]:
            raise SwordError(405, METHOD_NOT_ALLOWED, "only items still in the workspace can be deleted")
        self.store.delete_item(item["uuid"])
        return Response(status_code=204)

    async def add_media(self, request: Request, user: dict[str, Any]) -> Response:
        """POST to the EM-IRI: add files (§6.7.4); Location names the first new file."""
        item = self.owned_item(request.path_params["uuid"], user)
        pairs, upload = await self.read_deposit(request)
        if upload is None or pairs is not None:
            raise SwordError(400, ERROR_BAD_REQUEST, "POST to the EM-IRI takes a file or package body")
        derived = await self.add_content(item, upload)
        md = {k: list(v) for k, v in item["metadata"].items()}
        stamp_updated(md)
        item = self.store.update_item(item["uuid"], metadata=md)
        response = self.receipt_response(item, 201, TREATMENT_PACKAGE, derived)
        if derived:
            response.headers["Location"] = self.urls.file(item, derived[0])
        return response

    async def delete_media(self, request: Request, user: dict[str, Any]) -> Response:
        """DELETE the EM-IRI: remove every file of an in-progress item (§6.6)."""
        item = self.owned_item(request.path_params["uuid"], user)
        if item["in_archive"] or item["withdrawn"]:
            raise SwordError(405, METHOD_NOT_ALLOWED, "files of an archived or withdrawn item cannot be deleted")
        for bitstream in self.store.item_bitstreams(item["uuid"]):
            self.store.delete_bitstream(bitstream["uuid"])
        return Response(status_code=204)

    async def statement(self, request: Request, user: dict[str, Any]) -> Response:
        item = self.owned_item(request.path_params["uuid"], user)
        files = self.store.item_bitstreams(item["uuid"])
        if request.path_params["kind"] == "rdf":
            return Response(rdf_statement(self.sandbox, item, files), media_type="application/rdf+xml")
        if request.path_params["kind"] != "atom":
            raise SwordError(404, NOT_FOUND, "statements are .atom or .rdf")
        submitter = self.store.eperson(item["submitter"]) if item["submitter"] else None
        depositor = submitter["email"] if submitter else "unknown"
        body = atom_statement(self.sandbox, item, files, depositor)
        return Response(body, media_type="application/atom+xml;type=feed")

    async def bitstream(self, request: Request, user: dict[str, Any]) -> Response:
        """Serve a file of an item to its submitter (the statement's links before the item is archived)."""
        bitstream = self.store.bitstream(request.path_params["uuid"])
        bundle = self.store.bundle(bitstream["bundle"]) if bitstream else None
        if bitstream is None or bundle is None:
            raise SwordError(404, NOT_FOUND, "no such file")
        self.owned_item(bundle["item"], user)
        path = self.store.bitstream_path(bitstream)
        if not path.is_file():
            raise SwordError(404, NOT_FOUND, "the file is missing from the assetstore")
        return FileResponse(path, media_type=bitstream["mime"], filename=safe_name(bitstream["name"]))


def routes(sandbox: Sandbox) -> list[BaseRoute]:
    """Return the SWORD v2 routes under /server/swordv2."""
    s = SwordServer(sandbox)
    root = "/server/swordv2"
    return [
        Route(f"{root}/servicedocument", s.endpoint(s.service_document), methods=["GET"]),
        Route(f"{root}/collection/{{prefix:hdlprefix}}/{{suffix}}", s.endpoint(s.deposit), methods=["POST"]),
        Route(f"{root}/edit/{{uuid}}", s.endpoint(s.get_receipt), methods=["GET"]),
        Route(f"{root}/edit/{{uuid}}", s.endpoint(s.add_to_container), methods=["POST"]),
        Route(f"{root}/edit/{{uuid}}", s.endpoint(s.replace_metadata), methods=["PUT"]),
        Route(f"{root}/edit/{{uuid}}", s.endpoint(s.delete_container), methods=["DELETE"]),
        Route(f"{root}/edit-media/bitstream/{{uuid}}/{{name:path}}", s.endpoint(s.bitstream), methods=["GET"]),
        Route(f"{root}/edit-media/{{uuid}}", s.endpoint(s.add_media), methods=["POST"]),
        Route(f"{root}/edit-media/{{uuid}}", s.endpoint(s.delete_media), methods=["DELETE"]),
        Route(f"{root}/statement/{{uuid}}.{{kind}}", s.endpoint(s.statement), methods=["GET"]),
    ]
