"""Uploads of the dspace7 target: a file streamed from disk with progress, and the draft's bundles.

The submission flow uploads through the workspace item, whose every answer is the whole draft with all its files
(DSpace renders and sends it each time): a per-file cost that grows with the item, quadratic over many files.
After the first file has made the ORIGINAL bundle, the target uploads straight into it
(``POST core/bundles/<uuid>/bitstreams``), whose answer is the one new bitstream.
"""

from __future__ import annotations

import json
from typing import IO, Any

from bridge.errors import RepositoryError
from bridge.targets.dspace_rest import DSpaceSession
from bridge.targets.interface import PlannedFile, Progress
from bridge.targets.journal import Journal


class ProgressReader:
    """A binary file that reports how much of it has been read (httpx streams it in chunks)."""

    def __init__(self, fh: IO[bytes], name: str, total: int, progress: Progress | None) -> None:
        self.fh, self.name, self.total, self.progress, self.done = fh, name, total, progress, 0

    def read(self, size: int = -1) -> bytes:
        chunk = self.fh.read(size)
        self.done += len(chunk)
        if self.progress is not None:
            self.progress(self.name, self.done, self.total)
        return chunk

    def seek(self, offset: int, whence: int = 0) -> int:
        position = self.fh.seek(offset, whence)
        self.done = position
        return position

    def tell(self) -> int:
        return self.fh.tell()

    def fileno(self) -> int:
        return self.fh.fileno()


def checksum_of(entry: dict[str, Any]) -> str:
    """Return the MD5 a file entry or bitstream carries (lower case), or ''."""
    return str((entry.get("checkSum") or {}).get("value") or "").lower()


def bundle_named(session: DSpaceSession, item_uuid: str | None, name: str) -> str | None:
    """Return the UUID of the item's bundle of that name, or None (no item, no such bundle, or not readable)."""
    if not item_uuid:
        return None
    response = session.get(f"core/items/{item_uuid}/bundles", {"size": 100}, none_on=(401, 403, 404))
    if response is None:
        return None
    bundles = (response.json().get("_embedded") or {}).get("bundles") or []
    return next((b.get("uuid") for b in bundles if b.get("name") == name and b.get("uuid")), None)


def upload_to_bundle(
    session: DSpaceSession, journal: Journal, bundle: str, planned: PlannedFile, progress: Progress | None
) -> bool:
    """Upload one file into a draft's bundle, checking its MD5; False when the repository refuses uploads there."""
    step = f"upload:{planned.name}"
    journal.started(step, size=planned.size, md5=planned.md5, bundle=bundle)
    with planned.source.open("rb") as fh:
        body = ProgressReader(fh, planned.name, planned.size, progress)
        response = session.write(
            "POST",
            f"core/bundles/{bundle}/bitstreams",
            what=f"upload {planned.name}",
            data={"properties": json.dumps({"name": planned.name})},
            files={"file": (planned.name, body, planned.media_type or "application/octet-stream")},
        )
    journal.sent(step)
    if response.status_code in (403, 404, 405):  # nothing was stored: the draft's own upload will do
        return False
    if response.status_code not in (200, 201):
        raise session.error(response, f"upload {planned.name}")
    bitstream = response.json()
    if checksum_of(bitstream) != planned.md5:
        removed = session.write(
            "DELETE", f"core/bitstreams/{bitstream.get('uuid')}", what=f"remove the damaged {planned.name}"
        )
        if removed.status_code not in (200, 204, 404):
            raise session.error(removed, f"remove the damaged {planned.name}")
        raise mismatch(planned, {checksum_of(bitstream) or "none"})
    journal.done(step, uuid=bitstream.get("uuid"), md5=planned.md5)
    return True


def mismatch(planned: PlannedFile, reported: set[str]) -> RepositoryError:
    """Return the error of a file whose MD5 in the repository differs from the local one (the copy is removed)."""
    return RepositoryError(
        f"upload {planned.name}: checksum mismatch: the repository computed MD5 "
        f"{', '.join(sorted(reported)) or 'nothing'}, the local file has {planned.md5}",
        hint="the file changed since validation or was damaged on the way; the bad copy was removed, "
        "run the same command again to upload it again",
    )
