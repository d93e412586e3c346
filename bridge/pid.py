"""Persistent identifiers: DOIs and Handles in every form people and repositories write them.

Accepted forms: bare (``10.1234/abc``, ``10261/42``), ``doi:`` / ``DOI: `` / ``info:doi/``, ``https://doi.org/``,
``http://dx.doi.org/`` (any case, ``www.`` too), ``hdl:`` / ``info:hdl/``, ``https://hdl.handle.net/``; resolver
URLs are percent-decoded. DOIs keep their case but compare case-insensitively (they are case-insensitive).
"""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import unquote

from bridge.errors import UsageError

PidKind = Literal["doi", "handle"]
PLACEHOLDER_PREFIX = "123456789"  # DSpace's default handle.prefix: handles that were never registered
DOI_RE = re.compile(r"^10\.\d{4,9}(?:\.\d+)*/\S+$")
HANDLE_RE = re.compile(r"^[0-9]+(?:\.[0-9A-Za-z]+)*/\S+$")
_DOI_LEAD = re.compile(r"^(?:doi:\s*|info:doi/|https?://(?:dx\.|www\.)?doi\.org/)", re.IGNORECASE)
_HANDLE_LEAD = re.compile(r"^(?:hdl:\s*|info:hdl/|https?://hdl\.handle\.net/)", re.IGNORECASE)
_DOI_IN_TEXT = re.compile(r"(?:doi\.org/|doi:\s*)(10\.\d{4,9}(?:\.\d+)*/[^\s\"<>]+)", re.IGNORECASE)
_HANDLE_IN_URL = re.compile(r"(?:hdl\.handle\.net/|/handle/)([0-9]+(?:\.[0-9A-Za-z]+)*/[^\s?#\"<>]+)")


def _strip_lead(text: str, lead: re.Pattern[str]) -> tuple[str, bool]:
    """Remove a scheme or resolver lead; percent-decode what follows a URL lead. Tell whether a lead was there."""
    m = lead.match(text)
    if not m:
        return text, False
    rest = text[m.end() :]
    return (unquote(rest) if m.group(0).lower().startswith("http") else rest), True


def bare_doi(value: str) -> str | None:
    """Return the bare DOI of `value` (case kept), or None if it is not a DOI in one of the accepted forms."""
    text, _ = _strip_lead(str(value).strip(), _DOI_LEAD)
    return text if DOI_RE.match(text) else None


def bare_handle(value: str, resolvers: tuple[str, ...] = (), *, landing_pages: bool = True) -> str | None:
    """Return the bare Handle of `value`, or None.

    Besides the accepted forms, a URL under one of `resolvers` (a repository's own resolver) counts, and with
    `landing_pages` so does a DSpace landing page (``…/handle/<handle>``).
    """
    text, led = _strip_lead(str(value).strip(), _HANDLE_LEAD)
    if not led:
        for base in (r.rstrip("/") + "/" for r in resolvers if r):
            if text.lower().startswith(base.lower()):
                text, led = unquote(text[len(base) :]), True
                break
    if not led and landing_pages and "://" in text:
        found = _HANDLE_IN_URL.search(text)
        text = unquote(found.group(1)) if found else text
    text = text.rstrip("/")
    return text if HANDLE_RE.match(text) and "://" not in text else None


def doi_key(doi: str) -> str:
    """Return the form under which two spellings of one DOI are equal (DOIs are case-insensitive)."""
    return doi.casefold()


def check_doi(value: str) -> str:
    """Return the DOI in bare 10.x/… form (case kept); raise ValueError saying how to write one."""
    doi = bare_doi(value)
    if doi is None:
        text = str(value).strip()
        raise ValueError(f"'{text}' is not a DOI; a DOI looks like 10.1234/abc (or https://doi.org/10.1234/abc)")
    return doi


def check_handle(value: str) -> str:
    """Return the Handle in bare prefix/suffix form; raise ValueError saying how to write one."""
    handle = bare_handle(value, landing_pages=False)
    if handle is None:
        raise ValueError(
            f"'{str(value).strip()}' is not a Handle; a Handle looks like 10261/12345 or 20.500.12345/abc "
            "(or https://hdl.handle.net/10261/12345)"
        )
    return handle


def parse_pid(value: str, resolvers: tuple[str, ...] = (), *, option: str = "--pid") -> tuple[PidKind, str]:
    """Classify a PID given by a user; DOIs are tested first (every DOI is also a syntactically valid Handle)."""
    doi = bare_doi(value)
    if doi:
        return "doi", doi
    handle = bare_handle(value, resolvers)
    if handle:
        return "handle", handle
    raise UsageError(
        f"{option} {value!r} is neither a DOI nor a Handle",
        hint="give 10.1234/abc, https://doi.org/10.1234/abc, 10261/42 or https://hdl.handle.net/10261/42",
    )


def handle_of_oai_identifier(identifier: str) -> str | None:
    """Return the Handle in a DSpace OAI identifier (oai:<host>:<handle>), or None."""
    if not identifier.startswith("oai:"):
        return None
    parts = identifier.split(":", 2)
    if len(parts) != 3:
        return None
    return parts[2] if HANDLE_RE.match(parts[2]) else None


def dois_in(values: list[str]) -> list[str]:
    """Return the DOIs found in identifier strings (URLs, doi: forms, bare), first occurrence order, once each."""
    found: dict[str, str] = {}
    for value in values:
        doi = bare_doi(value)
        if doi is None:
            match = _DOI_IN_TEXT.search(value)
            doi = unquote(match.group(1)).rstrip(".,;") if match else None
        if doi:
            found.setdefault(doi_key(doi), doi)
    return list(found.values())


def handles_in(values: list[str]) -> list[str]:
    """Return the Handles named by identifier URLs (hdl.handle.net/… or …/handle/…), first occurrence order."""
    found: dict[str, None] = {}
    for value in values:
        if "://" in value:
            match = _HANDLE_IN_URL.search(value)
            if match:
                found.setdefault(unquote(match.group(1)).rstrip("/"), None)
    return list(found)


def names_handle(identifier: str, handle: str) -> bool:
    """Tell whether an identifier URL or string names `handle` (any resolver or landing-page form)."""
    text = unquote(identifier.strip()).rstrip("/")
    return text == handle or text.endswith("/" + handle) or text.endswith(":" + handle)


def is_placeholder(handle: str) -> bool:
    """Tell whether a Handle has DSpace's default, never-registered prefix."""
    return handle.split("/", 1)[0] == PLACEHOLDER_PREFIX
