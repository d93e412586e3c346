"""Deposit keys, metadata digests and the publish receipt (the contract `bridge verify` reads).

The metadata digest is the SHA-256 of the canonical JSON of the DataCite record without what depends on the
deposit (DOI, landing URL, Handle, and the publication year when it is only "this year"). The deposit key
is the SHA-256 of that digest plus the sorted (path, SHA-256) pairs of the files: the same artefact gives the
same key on any machine, and any change to metadata or content gives another.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

from bridge import __version__
from bridge.artifact.model import FileInfo
from bridge.crosswalk.dspace import display_name
from bridge.crosswalk.identifiers import DOI_RESOLVER
from bridge.errors import BridgeError
from bridge.fsutil import write_atomic
from bridge.settings import Profile
from bridge.targets.interface import Deposited, PlannedFile

VOLATILE = ("doi", "url", "alternateIdentifiers")
REPOSITORY_KEYS = (
    "rest_url",
    "sword_url",
    "oai_url",
    "handle_api",
    "handle_resolver",
    "doi_api",
    "doi_resolver_api",
    "landing_base",
)
STATUSES = ("published", "already-published", "dry-run")


def canonical_json(value: Any) -> bytes:
    """Return JSON with sorted keys and no whitespace, the form digests are taken of."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def metadata_digest(record: dict[str, Any], *, year_is_stable: bool = True) -> str:
    """Return the SHA-256 hex digest of the record without the parts that depend on the deposit."""
    data = {k: v for k, v in record.items() if k not in VOLATILE}
    if not year_is_stable:
        data.pop("publicationYear", None)  # defaulted to the current year: a re-run next January is the same deposit
    return hashlib.sha256(canonical_json(data)).hexdigest()


def deposit_key(digest: str, files: list[FileInfo]) -> str:
    """Return the deposit key: SHA-256 of the metadata digest and the sorted (path, sha256) of the files."""
    pairs = sorted([f.path, f.sha256] for f in files)
    return hashlib.sha256(canonical_json({"metadata": digest, "files": pairs})).hexdigest()


def now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def repository_urls(profile: Profile | None) -> dict[str, Any]:
    """Return the profile's public URLs (never credentials)."""
    if profile is None:
        return {k: None for k in REPOSITORY_KEYS}
    public = profile.public_dict()
    return {k: public.get(k) for k in REPOSITORY_KEYS}


def handle_url(profile: Profile, handle: str) -> str:
    """Return where the handle resolves: the profile's resolver, else hdl.handle.net."""
    resolver = (profile.handle_resolver or "https://hdl.handle.net").rstrip("/")
    return f"{resolver}/{handle}"


def landing_url(profile: Profile, item: Deposited) -> str:
    """Return the item's landing page: <landing_base>/handle/<handle>, else what the repository says."""
    if profile.landing_base and item.handle:
        return f"{profile.landing_base.rstrip('/')}/handle/{item.handle}"
    return item.landing_url or handle_url(profile, str(item.handle))


def deposited_summary(record: dict[str, Any], identifiers: list[str]) -> dict[str, Any]:
    """Return what verify compares with the harvested record."""
    return {
        "titles": [t["title"] for t in record.get("titles", [])],
        "creators": [display_name(c) for c in record.get("creators", [])],
        "publicationYear": record.get("publicationYear"),
        "resourceTypeGeneral": (record.get("types") or {}).get("resourceTypeGeneral"),
        "rights": [r.get("rightsUri") or r.get("rights") for r in record.get("rightsList", [])],
        "identifiers": identifiers,
    }


def file_entries(planned: list[PlannedFile], remote: Deposited | None) -> list[dict[str, Any]]:
    """Return the receipt's files: local checksums, with the repository's bitstream id and download URL."""
    by_name = {f.name: f for f in remote.files} if remote else {}
    out = []
    for p in planned:
        r = by_name.get(p.name)
        out.append(
            {
                "name": p.name,
                "path": p.path,
                "size": p.size,
                "md5": p.md5,
                "sha256": p.sha256,
                "media_type": p.media_type,
                "bitstream_id": r.bitstream_id if r else None,
                "url": r.url if r else None,
            }
        )
    return out


def build_receipt(
    *,
    status: str,
    profile: Profile,
    target: str,
    item: Deposited | None,
    planned: list[PlannedFile],
    record: dict[str, Any],
    digest: str,
    key: str,
    kind: str,
    title: str,
    doi: str | None,
    new_version_of: str | None,
    created: str | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Return the receipt dict (keys of the shared contract, plus `extra`)."""
    assert status in STATUSES
    handle = item.handle if item else None
    h_url = handle_url(profile, handle) if handle else None
    l_url = landing_url(profile, item) if item and handle else None
    doi_url = DOI_RESOLVER + doi if doi else None
    stamp = now()
    receipt: dict[str, Any] = {
        "status": status,
        "profile": profile.name,
        "target": target,
        "sandbox": profile.sandbox,
        "repository": repository_urls(profile),
        "item_id": item.item_id if item else None,
        "handle": handle,
        "handle_url": h_url,
        "doi": doi,
        "doi_url": doi_url,
        "landing_url": l_url,
        "deposit_key": key,
        "metadata_digest": digest,
        "kind": kind,
        "title": title,
        "files": file_entries(planned, item),
        "deposited": deposited_summary(record, [u for u in (doi_url, h_url) if u]),
        "datacite": record,
        "new_version_of": new_version_of,
        "created": created or stamp,
        "updated": stamp,
        "tool_version": __version__,
    }
    receipt.update(extra or {})
    return receipt


def secrets_of(profile: Profile) -> list[str]:
    """Return the profile's secret values (to make sure none of them is ever written out)."""
    values = [getattr(profile, k) for k in ("password", "token", "doi_password")]
    return [v.get_secret_value() for v in values if v is not None and len(v.get_secret_value()) >= 4]


def assert_no_secrets(receipt: dict[str, Any], profile: Profile) -> None:
    """Refuse a receipt that contains a credential (defence in depth: none is ever put in one)."""
    text = json.dumps(receipt, ensure_ascii=False, default=str)
    if any(secret in text for secret in secrets_of(profile)):
        raise BridgeError("internal error: a credential reached the receipt; nothing was written")


def write_receipt(path: Path, receipt: dict[str, Any]) -> None:
    """Write the receipt as JSON through a temporary file and a rename, so it is never half written."""
    data = json.dumps(receipt, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
    write_atomic(path, data, what="the receipt", hint="check the --receipt path")
