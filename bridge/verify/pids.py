"""PID syntax for verify: DOIs and Handles in their bare, URL and OAI forms, and URL comparison."""

from __future__ import annotations

import re
import unicodedata
from typing import Literal
from urllib.parse import unquote, urlsplit, urlunsplit

from bridge.errors import UsageError

PLACEHOLDER_PREFIX = "123456789"  # DSpace's default handle.prefix: handles that were never registered
DOI_RE = re.compile(r"^10\.\d{4,9}/\S+$")
HANDLE_RE = re.compile(r"^[0-9]+(?:\.[0-9A-Za-z]+)*/\S+$")
_DOI_LEADS = ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/", "doi:")
_HANDLE_LEADS = ("https://hdl.handle.net/", "http://hdl.handle.net/", "hdl:", "info:hdl/")
_DOI_IN_TEXT = re.compile(r"(?:doi\.org/|doi:\s*)(10\.\d{4,9}/[^\s\"<>]+)", re.IGNORECASE)
_HANDLE_IN_URL = re.compile(r"(?:hdl\.handle\.net/|/handle/)([0-9]+(?:\.[0-9A-Za-z]+)*/[^\s?#\"<>]+)")
PidKind = Literal["doi", "handle"]


def bare_doi(value: str) -> str | None:
    """Return the bare DOI of `value` (bare, doi:, or a doi.org URL; case kept), or None if it is not one."""
    text = value.strip()
    lowered = text.lower()
    for lead in _DOI_LEADS:
        if lowered.startswith(lead):
            text = unquote(text[len(lead) :])
            break
    return text if DOI_RE.match(text) else None


def bare_handle(value: str, resolvers: tuple[str, ...] = ()) -> str | None:
    """Return the bare Handle of `value` (bare, hdl.handle.net or a configured resolver URL), or None."""
    text = value.strip()
    for lead in (*_HANDLE_LEADS, *(r.rstrip("/") + "/" for r in resolvers if r)):
        if text.lower().startswith(lead.lower()):
            text = unquote(text[len(lead) :])
            break
    else:
        found = _HANDLE_IN_URL.search(text) if "://" in text else None
        text = unquote(found.group(1)) if found else text
    return text.rstrip("/") if HANDLE_RE.match(text) and "://" not in text else None


def parse_pid(value: str, resolvers: tuple[str, ...] = ()) -> tuple[PidKind, str]:
    """Classify a PID given by a user; DOIs are tested first (every DOI is also a handle)."""
    doi = bare_doi(value)
    if doi:
        return "doi", doi
    handle = bare_handle(value, resolvers)
    if handle:
        return "handle", handle
    raise UsageError(
        f"--pid {value!r} is neither a DOI nor a Handle",
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
    """Return the DOIs found in identifier strings (URLs, doi: forms, bare), first occurrence order."""
    found: dict[str, str] = {}
    for value in values:
        doi = bare_doi(value)
        if doi is None:
            match = _DOI_IN_TEXT.search(value)
            doi = unquote(match.group(1)).rstrip(".,;") if match else None
        if doi:
            found.setdefault(doi.lower(), doi)
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
    return handle.split("/", 1)[0] == PLACEHOLDER_PREFIX


def normal_url(url: str) -> str:
    """Return a URL in a comparable form: lower-case scheme and host, no default port, no trailing slash."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    path = unquote(parts.path).rstrip("/")
    return urlunsplit((scheme, host, path, parts.query, ""))


def same_url(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and normal_url(a) == normal_url(b)


def same_place(a: str | None, b: str | None, *, any_loopback_port: bool = False) -> bool:
    """Tell whether a PID's target is the expected page: the same URL, its http/https twin, or (sandbox) any port.

    A site that moved to https keeps Handles registered with http URLs, which redirect: the same page. The
    embedded sandbox listens on another port when its usual one is taken, and what it stored (a DOI's URL)
    keeps the port of the day it was written: with `any_loopback_port`, that is the same place too.
    """
    if a is None or b is None:
        return False
    if same_url(a, b) or same_url(_https(a), _https(b)):
        return True
    if not any_loopback_port:
        return False
    pa, pb = urlsplit(a.strip()), urlsplit(b.strip())
    loopback = ("127.0.0.1", "localhost", "::1")
    return (
        pa.hostname in loopback
        and pb.hostname in loopback
        and unquote(pa.path).rstrip("/") == unquote(pb.path).rstrip("/")
        and pa.query == pb.query
    )


def _https(url: str) -> str:
    text = url.strip()
    return "https://" + text[7:] if text.lower().startswith("http://") else text


def same_text(a: str, b: str) -> bool:
    """Compare metadata strings as a person would: Unicode NFC, collapsed whitespace, case kept."""
    return normal_text(a) == normal_text(b)


def normal_text(value: str) -> str:
    return " ".join(unicodedata.normalize("NFC", str(value)).split())


def rebase(url: str | None, old_base: str | None, new_base: str | None) -> str | None:
    """Move a URL from one base to another (the embedded sandbox on a different port than at deposit)."""
    if not url or not old_base or not new_base or old_base == new_base:
        return url
    old = old_base.rstrip("/")
    return new_base.rstrip("/") + url[len(old) :] if url.startswith(old + "/") or url == old else url
