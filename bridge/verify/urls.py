"""URL and text comparison for verify: the same page under another form, scheme or port (PIDs are bridge.pid's)."""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote, urlsplit, urlunsplit


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


def normal_text(value: str) -> str:
    return " ".join(unicodedata.normalize("NFC", str(value)).split())


def rebase(url: str | None, old_base: str | None, new_base: str | None) -> str | None:
    """Move a URL from one base to another (the embedded sandbox on a different port than at deposit)."""
    if not url or not old_base or not new_base or old_base == new_base:
        return url
    old = old_base.rstrip("/")
    return new_base.rstrip("/") + url[len(old) :] if url.startswith(old + "/") or url == old else url
