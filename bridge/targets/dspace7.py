"""The dspace7 target: DSpace 7+ REST submission (workspace item, JSON Patch, uploads, licence, workflowitems).

Each run first asks the repository what already exists, then does only what is missing:
1. an archived item carrying the deposit key (discovery search on ``dc.identifier.other``) ends the run;
2. the workspace item: the one the ledger names (404 means it was deposited or deleted), else the caller's
   workspace item carrying the key (``findBySubmitter``), else, when a creation was started but its answer
   never recorded, the empty keyless one created since (adopted; others like it are deleted), else a new one;
3. metadata as one JSON Patch whose first operation writes the key, so a half-made item is recognisable;
4. files compared by name and MD5 with ``sections.upload.files``: wrong or unknown copies are removed, missing
   ones uploaded (streamed from disk), and the MD5 the repository computed must equal the local one;
5. the licence, then the deposit (POST workflowitems), then the item is read back with its bitstreams.
A write that got no clear answer (AmbiguousWrite) restarts this sequence, which reads before it writes again.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from bridge.errors import AmbiguousWrite, BridgeError, ConfigError, RepositoryError
from bridge.settings import Profile
from bridge.targets.dspace_rest import DSpaceSession, last_segment
from bridge.targets.dspace_upload import ProgressReader, bundle_named, checksum_of, mismatch, upload_to_bundle
from bridge.targets.interface import Deposited, DepositPlan, Lookup, PlannedFile, Progress
from bridge.targets.journal import Journal, retry_ambiguous
from bridge.times import parse_time

PAGE_ONE = "traditionalpageone"
PAGE_TWO = "traditionalpagetwo"
# DSpace's default submission forms show subjects and descriptions on page two, everything else on page one.
PAGE_TWO_FIELDS = frozenset({"dc.subject", "dc.description.abstract", "dc.description.sponsorship", "dc.description"})
KEY_FIELD = "dc.identifier.other"
CLOCK_SKEW = dt.timedelta(minutes=2)  # between our clock and the repository's, when matching orphans


def section_of(field_name: str) -> str:
    """Return the submission section (form page) that holds a metadata field."""
    if field_name in PAGE_TWO_FIELDS or field_name.startswith("dc.subject."):
        return PAGE_TWO
    return PAGE_ONE


def _pairs(values: list[dict[str, Any]]) -> list[tuple[str, str | None]]:
    return [(str(v.get("value")), v.get("language") or None) for v in values]


class DSpace7Target:
    """Deposits through the DSpace 7+ REST submission flow."""

    name = "dspace7"

    def __init__(
        self, profile: Profile, *, transport: httpx.BaseTransport | None = None, timeout: float = 60.0
    ) -> None:
        self.profile = profile
        self.session = DSpaceSession(profile, transport=transport, timeout=timeout)
        self.sleep: Callable[[float], None] = time.sleep

    def close(self) -> None:
        self.session.close()

    def find_existing(self, deposit_key: str) -> Deposited | Lookup:
        item_id = self.session.archived_with_key(deposit_key)
        found = self.read_back(item_id) if item_id else None
        return found or Lookup.ABSENT

    def find_same_title(self, title: str) -> list[Deposited]:
        return self.session.same_title(title)

    def resolve(self, pid: str) -> Deposited | Lookup:
        return self.session.resolve(pid) or Lookup.ABSENT

    def read_back(self, item_id: str) -> Deposited | None:
        self.session.login()
        item = self.session.item(item_id)
        return self.session.deposited(item) if item else None

    def deposit(self, plan: DepositPlan, journal: Journal, progress: Progress | None = None) -> Deposited:
        self.session.login()
        if not plan.collection:
            raise ConfigError(
                f"no collection to deposit in for profile {self.profile.name!r}",
                hint="pass --collection HANDLE or set collection in the profile",
            )
        collection = self.session.collection_uuid(plan.collection)
        return retry_ambiguous(
            lambda: _Submission(self, plan, journal, collection, progress).run(), journal, "deposit", self.sleep
        )


class _Submission:
    """One pass over the submission steps, reading the remote state before each write."""

    def __init__(
        self, target: DSpace7Target, plan: DepositPlan, journal: Journal, collection: str, progress: Progress | None
    ) -> None:
        self.target, self.session, self.plan, self.journal = target, target.session, plan, journal
        self.collection, self.progress = collection, progress

    def run(self) -> Deposited:
        existing = self.target.find_existing(self.plan.deposit_key)
        if isinstance(existing, Deposited):
            return existing
        wsi = self.workspace_item()
        if isinstance(wsi, Deposited):
            return wsi
        wsi = self.metadata(wsi)
        wsi = self.files(wsi)
        wsi = self.license(wsi)
        return self.submit(wsi)

    # -- workspace item -------------------------------------------------------------------------------
    def wsi_path(self, wsi_id: Any) -> str:
        return f"submission/workspaceitems/{wsi_id}"

    def workspace_item(self) -> dict[str, Any] | Deposited:
        journal = self.journal
        wsi_id, item_id = journal.value("workspace-item", "id"), journal.value("workspace-item", "item")
        if wsi_id is not None:
            found = self.session.get(self.wsi_path(wsi_id), {"embed": "item"}, none_on=(404,))
            if found is not None:
                return found.json()
            gone = self.session.item(item_id) if item_id else None
            if gone is not None and gone.get("inArchive"):
                return self.session.deposited(gone)
            if gone is not None and not gone.get("withdrawn"):
                raise self.waiting(gone)
            journal.forget("workspace-item")  # deleted by someone: start again
        adopted = self.adopt()
        if adopted is not None:
            return adopted
        journal.started("workspace-item", collection=self.collection)
        response = self.session.write(
            "POST",
            "submission/workspaceitems",
            what="create the workspace item",
            params={"owningCollection": self.collection, "embed": "item"},
            json={},
        )
        journal.sent("workspace-item")
        if response.status_code not in (200, 201):
            raise self.session.error(response, "create the workspace item")
        wsi = response.json()
        journal.done("workspace-item", id=wsi["id"], item=self.item_uuid(wsi))
        return wsi

    def item_uuid(self, wsi: dict[str, Any]) -> str | None:
        embedded = (wsi.get("_embedded") or {}).get("item") or {}
        return embedded.get("uuid") or last_segment(((wsi.get("_links") or {}).get("item") or {}).get("href"))

    def adopt(self) -> dict[str, Any] | None:
        """Return the caller's draft carrying the key, or the one a lost creation answer left; delete the debris.

        Blank drafts (no title, no key, no files) of this submitter are what a run killed between creating a
        workspace item and writing its metadata leaves. One is adopted only when the ledger says this deposit's
        creation got no answer; every other is deleted, so a fresh runner (no ledger) cleans up after a killed
        one. A run at work whose draft is deleted in its blank instant finds it gone and starts again.
        """
        listing = self.session.workspace_items()
        if not listing:
            return None
        key = self.plan.key_value
        newest_first = sorted(listing, key=lambda w: str(w.get("lastModified")), reverse=True)
        mine = [w for w in newest_first if key in [v.get("value") for v in _item_metadata(w).get(KEY_FIELD, [])]]
        blank = [w for w in newest_first if _blank(w)]
        pending = parse_time(self.journal.pending_since("workspace-item") or "")
        if not mine and pending is not None:
            mine = [w for w in blank if (parse_time(w.get("lastModified")) or pending) >= pending - CLOCK_SKEW][:1]
        chosen = mine[0] if mine else None
        for other in mine[1:] + [w for w in blank if w is not chosen]:
            self.journal.started("cleanup", workspace=other["id"])
            response = self.session.write("DELETE", self.wsi_path(other["id"]), what="delete a leftover draft")
            if response.status_code not in (204, 404):
                raise self.session.error(response, "delete a leftover workspace item")
            self.journal.done("cleanup", workspace=other["id"])
        if chosen is None:
            return None
        self.journal.done("workspace-item", id=chosen["id"], item=self.item_uuid(chosen), adopted=True)
        return chosen

    def gone(self, response: httpx.Response, wsi: dict[str, Any]) -> None:
        """Start the pass again when our draft vanished (another run's cleanup took it for debris)."""
        if response.status_code == 404:
            raise AmbiguousWrite(f"the draft {wsi['id']} is gone from the repository: starting again", retry_after=0)

    # -- metadata, files, licence ---------------------------------------------------------------------
    def metadata(self, wsi: dict[str, Any]) -> dict[str, Any]:
        current = ((wsi.get("_embedded") or {}).get("item") or {}).get("metadata")
        if current is None:
            current = {}
            for section in (PAGE_ONE, PAGE_TWO):
                current.update((wsi.get("sections") or {}).get(section) or {})
        wanted = dict(self.plan.metadata)
        ordered = [KEY_FIELD] + [f for f in wanted if f != KEY_FIELD]  # the key first: it marks the draft as ours
        ops = []
        for name in ordered:
            values = wanted.get(name) or []
            if values and _pairs(values) != _pairs(current.get(name) or []):
                clean = [
                    {"value": v["value"], "language": v.get("language"), "authority": v.get("authority"),
                     "confidence": v.get("confidence", -1)}
                    for v in values
                ]  # fmt: skip
                ops.append({"op": "add", "path": f"/sections/{section_of(name)}/{name}", "value": clean})
        if not ops:
            return wsi
        self.journal.started("metadata", fields=len(ops))
        response = self.session.write(
            "PATCH", self.wsi_path(wsi["id"]), what="write the metadata", params={"embed": "item"}, json=ops
        )
        self.journal.sent("metadata")
        self.gone(response, wsi)
        if response.status_code != 200:
            raise self.session.error(response, "write the metadata")
        self.journal.done("metadata", fields=len(ops))
        return response.json()

    def files(self, wsi: dict[str, Any]) -> dict[str, Any]:
        wanted = {f.name: f for f in self.plan.files}
        remote = (((wsi.get("sections") or {}).get("upload") or {}).get("files")) or []
        keep: set[str] = set()
        remove: list[int] = []
        for index, f in enumerate(remote):
            name = _file_name(f)
            if name in wanted and name not in keep and checksum_of(f) == wanted[name].md5:
                keep.add(name)
            else:
                remove.append(index)
        if remove:
            wsi = self.remove_files(wsi, remove, [_file_name(remote[i]) for i in remove])
        missing = [planned for planned in self.plan.files if planned.name not in keep]
        # After the first file, files go straight into the ORIGINAL bundle, whose answer is the one bitstream:
        # through the draft, every answer is the whole draft with all its files, a cost that grows per file.
        bundle = bundle_named(self.session, self.item_uuid(wsi), "ORIGINAL") if remote and missing else None
        through_bundle, refused = False, False
        for n, planned in enumerate(missing):
            if bundle is not None and not refused:
                args = (self.session, self.journal, bundle, planned, self.progress)
                if upload_to_bundle(*args):
                    through_bundle = True
                    continue
                refused = True  # this repository wants files through the draft: no more tries
            wsi = self.upload_to_draft(wsi, planned)
            if bundle is None and not refused and n + 1 < len(missing):
                bundle = bundle_named(self.session, self.item_uuid(wsi), "ORIGINAL")
        if through_bundle:  # the draft as it is now, for the licence and deposit steps
            found = self.session.get(self.wsi_path(wsi["id"]), {"embed": "item"}, none_on=(404,))
            if found is None:
                raise AmbiguousWrite(f"the draft {wsi['id']} is gone from the repository: starting again")
            wsi = found.json()
        return wsi

    def upload_to_draft(self, wsi: dict[str, Any], planned: PlannedFile) -> dict[str, Any]:
        step = f"upload:{planned.name}"
        self.journal.started(step, size=planned.size, md5=planned.md5)
        with planned.source.open("rb") as fh:
            body = ProgressReader(fh, planned.name, planned.size, self.progress)
            response = self.session.write(
                "POST",
                self.wsi_path(wsi["id"]),
                what=f"upload {planned.name}",
                params={"embed": "item"},
                files={"file": (planned.name, body, planned.media_type or "application/octet-stream")},
            )
        self.journal.sent(step)
        self.gone(response, wsi)
        if response.status_code not in (200, 201):
            raise self.session.error(response, f"upload {planned.name}")
        wsi = response.json()
        files = ((wsi.get("sections") or {}).get("upload") or {}).get("files") or []
        copies = [(i, f) for i, f in enumerate(files) if _file_name(f) == planned.name]
        good = [f for _, f in copies if checksum_of(f) == planned.md5]
        if not good:
            self.remove_files(wsi, [i for i, _ in copies], [planned.name])
            raise mismatch(planned, {checksum_of(f) or "none" for _, f in copies})
        self.journal.done(step, uuid=good[0].get("uuid"), md5=planned.md5)
        return wsi

    def remove_files(self, wsi: dict[str, Any], indexes: list[int], names: list[str]) -> dict[str, Any]:
        # Removing from the highest index down keeps the lower indexes valid while the patch is applied.
        ops = [{"op": "remove", "path": f"/sections/upload/files/{i}"} for i in sorted(indexes, reverse=True)]
        self.journal.started("remove-files", names=names)
        response = self.session.write(
            "PATCH", self.wsi_path(wsi["id"]), what="remove stale files", params={"embed": "item"}, json=ops
        )
        self.journal.sent("remove-files")
        self.gone(response, wsi)
        if response.status_code != 200:
            raise self.session.error(response, "remove stale files")
        self.journal.done("remove-files", names=names)
        return response.json()

    def license(self, wsi: dict[str, Any]) -> dict[str, Any]:
        if ((wsi.get("sections") or {}).get("license") or {}).get("granted"):
            return wsi
        self.journal.started("license")
        ops = [{"op": "add", "path": "/sections/license/granted", "value": True}]
        response = self.session.write(
            "PATCH", self.wsi_path(wsi["id"]), what="grant the licence", params={"embed": "item"}, json=ops
        )
        self.journal.sent("license")
        self.gone(response, wsi)
        if response.status_code != 200:
            raise self.session.error(response, "grant the licence")
        self.journal.done("license")
        return response.json()

    # -- deposit --------------------------------------------------------------------------------------
    def submit(self, wsi: dict[str, Any]) -> Deposited:
        errors = wsi.get("errors") or []
        if errors:
            listed = "; ".join(f"{e.get('message')} at {', '.join(e.get('paths') or [])}" for e in errors)
            raise RepositoryError(
                f"the submission is incomplete: {listed}",
                hint="the collection's submission form needs more fields; add them to the artefact's metadata",
            )
        item_id = self.item_uuid(wsi)
        href = ((wsi.get("_links") or {}).get("self") or {}).get("href") or self.session.url(self.wsi_path(wsi["id"]))
        self.journal.started("deposit", workspace=wsi["id"], item=item_id)
        response = self.session.write(
            "POST",
            "workflow/workflowitems",
            what="deposit the workspace item",
            content=href.encode("utf-8"),
            headers={"Content-Type": "text/uri-list"},
        )
        self.journal.sent("deposit")
        if response.status_code not in (200, 201):
            raise self.session.error(response, "deposit the workspace item")
        self.journal.done("deposit", workflowitem=(response.json() or {}).get("id"), item=item_id)
        self.journal.current = "read-back"
        item = self.session.item(item_id) if item_id else None
        if item is None:
            raise RepositoryError(f"the deposited item {item_id} cannot be read back", hint="ask the repository staff")
        if not item.get("inArchive"):
            raise self.waiting(item)
        return self.session.deposited(item)

    def waiting(self, item: dict[str, Any]) -> BridgeError:
        return BridgeError(
            f"item {item.get('uuid')} is in the collection's review workflow and has no handle yet",
            hint="run the same command again once a curator has approved it: it then finishes the DOI and receipt",
        )


def _item_metadata(wsi: dict[str, Any]) -> dict[str, Any]:
    return ((wsi.get("_embedded") or {}).get("item") or {}).get("metadata") or {}


def _blank(wsi: dict[str, Any]) -> bool:
    """Return whether a workspace item has no title, no deposit key and no files (nobody's work yet)."""
    metadata = dict(_item_metadata(wsi))
    for section in (PAGE_ONE, PAGE_TWO):
        metadata.update((wsi.get("sections") or {}).get(section) or {})
    has_files = bool(((wsi.get("sections") or {}).get("upload") or {}).get("files"))
    return not metadata.get("dc.title") and not metadata.get(KEY_FIELD) and not has_files


def _file_name(entry: dict[str, Any]) -> str:
    titles = (entry.get("metadata") or {}).get("dc.title") or []
    return str(titles[0].get("value")) if titles else str(entry.get("name") or "")


def open_target(profile: Profile, *, spool_dir: Path, transport: Any, timeout: float) -> DSpace7Target:
    """Open the target (the table's opener; REST needs no spool)."""
    return DSpace7Target(profile, transport=transport, timeout=timeout)
