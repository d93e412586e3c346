"""What to verify: the profile's deposits (from their receipts), its harvested records, and PIDs given by hand."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bridge.ledger import Ledger
from bridge.pid import dois_in, handle_of_oai_identifier, handles_in, parse_pid
from bridge.settings import Profile
from bridge.times import parse_time
from bridge.verify.model import VerifySubject
from bridge.verify.urls import rebase

PUBLISHED = ("published", "already-published")


def landing_of(profile: Profile, handle: str) -> str | None:
    """Return the landing page of a Handle of this repository (<landing_base>/handle/<handle>), if known."""
    return f"{profile.landing_base.rstrip('/')}/handle/{handle}" if profile.landing_base else None


def repository_prefix(profile: Profile) -> str | None:
    """Return the repository's Handle prefix, from its default collection's Handle."""
    return profile.collection.split("/", 1)[0] if profile.collection and "/" in profile.collection else None


def deposit_subjects(ledger: Ledger, profile: Profile, since: dt.datetime | None = None) -> list[VerifySubject]:
    """Return one subject per published Handle of the profile, the newest receipt winning."""
    by_handle: dict[str, VerifySubject] = {}
    for row in ledger.deposits(profile.name):
        receipt = row.get("receipt")
        if not isinstance(receipt, dict) or receipt.get("status") not in PUBLISHED or not receipt.get("handle"):
            continue
        created = parse_time(receipt.get("created"))
        if since is not None and created is not None and created < since:
            continue
        receipt = rebased(receipt, profile)
        handle = receipt["handle"]
        by_handle[handle] = VerifySubject(
            origin="deposit",
            handle=handle,
            doi=receipt.get("doi") or None,
            landing_url=receipt.get("landing_url") or landing_of(profile, handle),
            receipt=receipt,
        )
    return list(by_handle.values())


def rebased(receipt: dict[str, Any], profile: Profile) -> dict[str, Any]:
    """Move a sandbox receipt's URLs to where the embedded sandbox listens now (its port may have changed)."""
    old = (receipt.get("repository") or {}).get("landing_base")
    new = profile.landing_base
    if not profile.sandbox or not old or not new or old == new:
        return receipt
    out = dict(receipt)
    for key in ("landing_url", "handle_url"):
        out[key] = rebase(out.get(key), old, new)
    out["files"] = [{**f, "url": rebase(f.get("url"), old, new)} for f in receipt.get("files") or []]
    deposited = dict(out.get("deposited") or {})
    deposited["identifiers"] = [rebase(i, old, new) for i in deposited.get("identifiers") or []]
    out["deposited"] = deposited
    return out


def harvested_subjects(
    ledger: Ledger, profile: Profile, since: dt.datetime | None, skip: set[str]
) -> list[VerifySubject]:
    """Return one subject per live harvested record of the profile's endpoint that is not a deposit."""
    if not profile.oai_url:
        return []
    merged: dict[str, VerifySubject] = {}
    for row in ledger.live_records(profile.oai_url, since.strftime("%Y-%m-%dT%H:%M:%SZ") if since else None):
        ids = identifier_values(row["metadata"])
        handle = handle_of_oai_identifier(row["identifier"]) or next(iter(handles_in(ids)), None)
        dois = dois_in(ids)
        key = handle or row["identifier"]
        if key in skip or any(d.lower() in skip for d in dois):
            continue
        subject = merged.setdefault(
            key,
            VerifySubject(
                origin="harvested",
                handle=handle,
                landing_url=landing_of(profile, handle) if handle else None,
                identifier=row["identifier"],
            ),
        )
        subject.doi = subject.doi or (dois[0] if dois else None)
    return list(merged.values())


def identifier_values(metadata: dict[str, Any]) -> list[str]:
    """Return the identifier strings of a harvested record: its dc:identifier list, or its DataCite identifiers."""
    ident = metadata.get("identifier")
    if isinstance(ident, list):  # oai_dc: {element: [values]}
        return [v for v in ident if isinstance(v, str) and v]
    values: list[str] = []
    if isinstance(ident, str) and ident:  # oai_datacite, as bridge.oai.records.datacite parses it
        values.append(f"https://doi.org/{ident}" if (metadata.get("identifierType") or "").upper() == "DOI" else ident)
    values += [a.get("alternateIdentifier") or "" for a in metadata.get("alternateIdentifiers") or []]
    return [v for v in values if v]


def pid_subjects(pids: list[str], profile: Profile, deposits: list[VerifySubject]) -> list[VerifySubject]:
    """Return subjects for PIDs given by hand: a deposit's full checks when it is one, else resolution checks."""
    resolvers = tuple(
        r
        for r in (
            profile.handle_resolver,
            f"{profile.landing_base.rstrip('/')}/handle" if profile.landing_base else None,
        )
        if r
    )
    by_handle = {s.handle: s for s in deposits if s.handle}
    by_doi = {s.doi.lower(): s for s in deposits if s.doi}
    prefix = repository_prefix(profile)
    out: dict[str, VerifySubject] = {}
    for value in pids:
        scheme, pid = parse_pid(value, resolvers)
        known = by_doi.get(pid.lower()) if scheme == "doi" else by_handle.get(pid)
        if known is not None:
            out[known.pid] = known
        elif scheme == "doi":
            out.setdefault(pid.lower(), VerifySubject(origin="pid", doi=pid))
        else:
            landing = landing_of(profile, pid) if prefix and pid.split("/", 1)[0] == prefix else None
            out.setdefault(pid, VerifySubject(origin="pid", handle=pid, landing_url=landing))
    return list(out.values())
