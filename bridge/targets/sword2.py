"""The sword2 target: SWORD v2 deposit, as DSpace 5/6 repositories such as Digital.CSIC take it.

Steps, each journalled: (1) POST an Atom entry (Dublin Core terms; the deposit key as ``dcterms:identifier``) to
the collection IRI with ``In-Progress: true``, which answers with a receipt and the Edit-IRI; (2) POST a SimpleZip
of the files to the EM-IRI with its Content-MD5, still in progress; (3) check the MD5 of every file the
repository now holds; (4) POST an empty body with ``In-Progress: false`` to the Edit-IRI, which archives the
item and mints its handle; (5) read the receipt and statement back.

Limitation: SWORD has no search. Remote lookups (an archived item carrying the deposit key, items of the same
title, a draft left by a killed run, per-file MD5s) go through the DSpace 7 REST API when the profile has a
``rest_url``. Without one, idempotency rests on the local ledger alone (a fresh CI runner cannot see an earlier
deposit, and a draft whose creation was never recorded stays behind), and per-file MD5s are checked by
downloading each file back through the statement and hashing it. SWORD's Dublin Core has no field for the
embargo date, ORCID iDs or the COAR type; they reach the repository only through the REST target.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
from lxml import etree

from bridge.errors import AmbiguousWrite, ConfigError, RepositoryError
from bridge.http import make_client, require_http_url, retry_after_seconds, send_idempotent
from bridge.pid import bare_handle
from bridge.settings import Profile, net_limits
from bridge.targets.dspace_rest import DSpaceSession, last_segment
from bridge.targets.interface import Deposited, DepositPlan, Lookup, Progress, RemoteFile
from bridge.targets.journal import Journal, retry_ambiguous
from bridge.targets.sword2_package import (
    APP,
    ARCHIVED,
    ATOM,
    CHUNK,
    DCTERMS,
    SIMPLEZIP,
    SWORD,
    atom_entry,
    build_zip,
    parse_xml,
    sword_message,
)


class Sword2Target:
    """Deposits through SWORD v2 (DSpace's swordv2 module)."""

    name = "sword2"

    def __init__(
        self,
        profile: Profile,
        *,
        spool_dir: Path | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 60.0,
    ) -> None:
        if not profile.user or profile.password is None:
            env = profile.env_prefix()
            raise ConfigError(
                f"profile {profile.name!r} has no credentials for SWORD", hint=f"set {env}USER and {env}PASSWORD"
            )
        self.profile = profile
        self.root = require_http_url(str(profile.sword_url), f"profile {profile.name!r} sword_url").rstrip("/")
        auth = httpx.BasicAuth(profile.user, profile.password.get_secret_value())
        self.client = make_client(timeout=timeout, transport=transport, auth=auth, limits=net_limits(profile))
        self.rest = DSpaceSession(profile, transport=transport, timeout=timeout) if profile.rest_url else None
        self.spool_dir = spool_dir or Path.home() / ".cache" / "oai-bridge"
        self.sleep: Callable[[float], None] = time.sleep

    def close(self) -> None:
        self.client.close()
        if self.rest is not None:
            self.rest.close()

    # -- HTTP -------------------------------------------------------------------------------------------
    def get(self, url: str, what: str, *, none_on: tuple[int, ...] = ()) -> httpx.Response | None:
        response = send_idempotent(lambda: self.client.get(url), what=f"GET {url}")
        if response.status_code in none_on:
            return None
        if response.status_code == 401:
            raise ConfigError(
                f"{what}: the SWORD server refused the credentials of profile {self.profile.name!r}",
                hint=f"check {self.profile.env_prefix()}USER and {self.profile.env_prefix()}PASSWORD",
            )
        if response.status_code != 200:
            raise RepositoryError(
                f"{what}: HTTP {response.status_code}: {sword_message(response)}", status=response.status_code
            )
        return response

    def write(self, url: str, what: str, *, headers: dict[str, str], content: Any = b"") -> httpx.Response:
        try:
            response = self.client.post(url, headers=headers, content=content)
        except httpx.TransportError as exc:
            raise AmbiguousWrite(f"{what}: no answer from {httpx.URL(url).host} ({type(exc).__name__})") from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise AmbiguousWrite(
                f"{what}: HTTP {response.status_code}: {sword_message(response)}",
                retry_after=retry_after_seconds(response),
            )
        if response.status_code not in (200, 201, 204):
            raise RepositoryError(
                f"{what}: HTTP {response.status_code}: {sword_message(response)}", status=response.status_code
            )
        return response

    # -- lookups ----------------------------------------------------------------------------------------
    def edit_iri(self, item_id: str) -> str:
        return f"{self.root}/edit/{item_id}"

    def find_existing(self, deposit_key: str) -> Deposited | Lookup:
        if self.rest is None:
            return Lookup.CANNOT_SEARCH
        item_id = self.rest.archived_with_key(deposit_key)
        found = self.read_back(item_id) if item_id else None
        return found or Lookup.ABSENT

    def find_same_title(self, title: str) -> list[Deposited]:
        return self.rest.same_title(title) if self.rest is not None else []

    def resolve(self, pid: str) -> Deposited | Lookup:
        if self.rest is None:
            return Lookup.CANNOT_SEARCH
        return self.rest.resolve(pid) or Lookup.ABSENT

    def read_back(self, item_id: str, checked: dict[str, RemoteFile] | None = None) -> Deposited | None:
        receipt = self.get(self.edit_iri(item_id), "read the deposit receipt", none_on=(404, 410))
        if receipt is None:
            return None
        return self.deposited(item_id, parse_xml(receipt.content, "deposit receipt"), checked)

    def deposited(
        self, item_id: str, receipt: etree._Element, checked: dict[str, RemoteFile] | None = None
    ) -> Deposited:
        """Return the item from its receipt and statement (files and MD5s via REST when possible)."""
        links = {link.get("rel"): link.get("href") for link in receipt.iter(f"{{{ATOM}}}link")}
        alternate = links.get("alternate") or ""
        handle = bare_handle(alternate) if "/handle/" in alternate else None
        state, listed = self.statement(receipt)
        metadata: dict[str, list[dict[str, Any]]] = {}
        title = receipt.findtext(f"{{{ATOM}}}title")
        if title:
            metadata["dc.title"] = [{"value": title}]
        for element in receipt:
            if isinstance(element.tag, str) and element.tag.startswith(f"{{{DCTERMS}}}"):
                term = etree.QName(element).localname
                name = {"identifier": "dc.identifier", "title": "dc.title"}.get(term, f"dcterms.{term}")
                metadata.setdefault(name, []).append({"value": (element.text or "").strip()})
        archived = state == ARCHIVED and handle is not None
        files = self.remote_files(item_id, listed, checked)
        if archived and self.rest is not None:
            item = self.rest.item(item_id)
            if item is not None:
                metadata = item.get("metadata") or metadata
        return Deposited(
            item_id=item_id,
            handle=handle,
            archived=archived,
            metadata=metadata,
            files=files,
            landing_url=alternate if handle else None,
        )

    def statement(self, receipt: etree._Element) -> tuple[str | None, list[tuple[str, str]]]:
        """Return the item's state IRI and its files as (name, content URL), from the Atom statement."""
        href = next(
            (
                link.get("href")
                for link in receipt.iter(f"{{{ATOM}}}link")
                if link.get("rel") == f"{SWORD}statement" and "atom" in (link.get("type") or "atom")
            ),
            None,
        )
        if not href:
            raise RepositoryError("the deposit receipt has no statement link", hint="is this a SWORD v2 server?")
        response = self.get(href, "read the SWORD statement")
        assert response is not None
        feed = parse_xml(response.content, "SWORD statement")
        state = next(
            (c.get("term") for c in feed.iter(f"{{{ATOM}}}category") if c.get("scheme") == f"{SWORD}state"), None
        )
        files = []
        for entry in feed.iter(f"{{{ATOM}}}entry"):
            content = entry.find(f"{{{ATOM}}}content")
            name = (entry.findtext(f"{{{ATOM}}}title") or "").strip()
            if content is not None and content.get("src"):
                files.append((name, content.get("src")))
        return state, files

    def remote_files(
        self, item_id: str, listed: list[tuple[str, str]], checked: dict[str, RemoteFile] | None = None
    ) -> list[RemoteFile]:
        """Return the item's files with the repository's MD5 (REST), else by downloading and hashing each one.

        `checked` holds files this run has already downloaded and hashed, which are not fetched again.
        """
        if self.rest is not None:
            self.rest.login()
            if self.rest.item(item_id) is not None:
                return self.rest.item_files(item_id)
        out = []
        for name, url in listed:
            if checked and name in checked:
                out.append(RemoteFile(name=name, size=checked[name].size, md5=checked[name].md5, url=url))
                continue
            digest, size = hashlib.md5(), 0
            with self.client.stream("GET", url) as response:
                if response.status_code != 200:
                    raise RepositoryError(f"download {name} for checking: HTTP {response.status_code}")
                for chunk in response.iter_bytes(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
            out.append(RemoteFile(name=name, size=size, md5=digest.hexdigest(), url=url))
        return out

    def collection_iri(self, handle: str) -> str:
        """Return the collection IRI of a handle, as the service document lists it."""
        response = self.get(f"{self.root}/servicedocument", "read the SWORD service document")
        assert response is not None
        service = parse_xml(response.content, "SWORD service document")
        hrefs = [c.get("href") or "" for c in service.iter(f"{{{APP}}}collection")]
        for href in hrefs:
            if href.rstrip("/").endswith(f"/{handle}"):
                return href
        raise ConfigError(
            f"the SWORD service document of {self.root} lists no collection {handle}",
            hint=f"collections there: {', '.join(h.rsplit('/collection/', 1)[-1] for h in hrefs) or 'none'}",
        )

    # -- deposit ----------------------------------------------------------------------------------------
    def deposit(self, plan: DepositPlan, journal: Journal, progress: Progress | None = None) -> Deposited:
        if not plan.collection:
            raise ConfigError(
                f"no collection to deposit in for profile {self.profile.name!r}",
                hint="pass --collection HANDLE or set collection in the profile",
            )
        collection = self.collection_iri(plan.collection)
        return retry_ambiguous(lambda: self._run(plan, journal, collection, progress), journal, "sword", self.sleep)

    def _run(self, plan: DepositPlan, journal: Journal, collection: str, progress: Progress | None) -> Deposited:
        existing = self.find_existing(plan.deposit_key)
        if isinstance(existing, Deposited):
            return existing
        item_id = self.draft(plan, journal, collection)
        receipt = self.get(self.edit_iri(item_id), "read the deposit receipt")
        assert receipt is not None
        state, listed = self.statement(parse_xml(receipt.content, "deposit receipt"))
        checked = None
        if state != ARCHIVED:
            checked = self.put_files(plan, journal, item_id, listed, progress)
            journal.started("sword-complete", item=item_id)
            self.write(self.edit_iri(item_id), "complete the deposit", headers={"In-Progress": "false"})
            journal.sent("sword-complete")
            journal.done("sword-complete", item=item_id)
        journal.current = "read-back"
        found = self.read_back(item_id, checked)
        if found is None or not found.archived:
            raise RepositoryError(
                f"the SWORD item {item_id} is not archived after completing it",
                hint="the collection may have a review workflow; run the same command again once it is approved",
            )
        return found

    def draft(self, plan: DepositPlan, journal: Journal, collection: str) -> str:
        """Return the id of the in-progress item for this deposit: recorded, adopted, or newly created."""
        item_id = journal.value("sword-create", "item")
        if item_id and self.get(self.edit_iri(item_id), "read the deposit receipt", none_on=(404, 410)) is not None:
            return item_id
        if item_id:
            journal.forget("sword-create")
        adopted = self.adopt(plan)
        if adopted:
            journal.done("sword-create", item=adopted, adopted=True)
            return adopted
        journal.started("sword-create", collection=collection)
        response = self.write(
            collection,
            "create the SWORD item",
            headers={"Content-Type": "application/atom+xml;type=entry", "In-Progress": "true"},
            content=atom_entry(plan),
        )
        journal.sent("sword-create")
        edit = response.headers.get("location") or ""
        created = last_segment(edit)
        if not created:
            raise RepositoryError("the SWORD server answered the deposit without a Location (Edit-IRI)")
        journal.done("sword-create", item=created, edit=edit)
        return created

    def adopt(self, plan: DepositPlan) -> str | None:
        """Return the in-progress item carrying the key that an unrecorded creation left (REST only)."""
        if self.rest is None:
            return None
        listing = self.rest.workspace_items() or []
        for wsi in listing:
            item = (wsi.get("_embedded") or {}).get("item") or {}
            values = [v.get("value") for v in (item.get("metadata") or {}).get("dc.identifier", [])]
            if plan.key_value in values and item.get("uuid"):
                return item["uuid"]
        return None

    def put_files(
        self,
        plan: DepositPlan,
        journal: Journal,
        item_id: str,
        listed: list[tuple[str, str]],
        progress: Progress | None,
    ) -> dict[str, RemoteFile]:
        """Upload the SimpleZip unless the item already holds exactly the right files; then check every MD5."""
        wanted = {f.name: f.md5 for f in plan.files}
        current = self.remote_files(item_id, listed) if listed else []
        if {f.name: (f.md5 or "").lower() for f in current} != wanted:
            if current:
                journal.started("sword-clear", item=item_id)
                try:
                    response = self.client.delete(f"{self.root}/edit-media/{item_id}")
                except httpx.TransportError as exc:
                    raise AmbiguousWrite(f"remove stale files: no answer ({type(exc).__name__})") from exc
                if response.status_code not in (200, 204, 404):
                    raise RepositoryError(f"remove stale files: HTTP {response.status_code}: {sword_message(response)}")
                journal.done("sword-clear", item=item_id)
            self.upload(plan, journal, item_id, progress)
            receipt = self.get(self.edit_iri(item_id), "read the deposit receipt")
            assert receipt is not None
            _, listed = self.statement(parse_xml(receipt.content, "deposit receipt"))
            current = self.remote_files(item_id, listed)
        got = {f.name: f for f in current}
        bad = [
            f"{name} (repository {got[name].md5 if name in got else 'missing'}, local {md5})"
            for name, md5 in wanted.items()
            if name not in got or (got[name].md5 or "").lower() != md5
        ]
        if bad:
            raise RepositoryError(
                f"checksum mismatch after the SWORD upload: {'; '.join(bad)}",
                hint="the files changed since validation or were damaged on the way; run the same command again",
            )
        return got

    def upload(self, plan: DepositPlan, journal: Journal, item_id: str, progress: Progress | None) -> None:
        package = self.spool_dir / f"deposit-{plan.deposit_key[:16]}.zip"
        try:
            size, md5 = build_zip(plan, package)
            label = f"{len(plan.files)} file(s) as SimpleZip"
            journal.started("sword-files", item=item_id, size=size, md5=md5)
            headers = {
                "Content-Type": "application/zip",
                "Content-Disposition": "attachment; filename=deposit.zip",
                "Packaging": SIMPLEZIP,
                "Content-MD5": md5,
                "Content-Length": str(size),
                "In-Progress": "true",
            }
            self.write(
                f"{self.root}/edit-media/{item_id}",
                "upload the SimpleZip package",
                headers=headers,
                content=_chunks(package, label, size, progress),
            )
            journal.sent("sword-files")
            journal.done("sword-files", item=item_id, md5=md5)
        finally:
            package.unlink(missing_ok=True)


def _chunks(path: Path, label: str, total: int, progress: Progress | None) -> Iterator[bytes]:
    done = 0
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            done += len(chunk)
            if progress is not None:
                progress(label, done, total)
            yield chunk


def open_target(profile: Profile, *, spool_dir: Path, transport: Any, timeout: float) -> Sword2Target:
    """Open the target (the table's opener)."""
    return Sword2Target(profile, spool_dir=spool_dir, transport=transport, timeout=timeout)
