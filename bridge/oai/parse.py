"""Parse one OAI-PMH response page once, safely, and say whether anything was lost on the way.

Order (oai-pmh.md design checklist): a strict parse; on failure strip what XML 1.0 forbids and repair
invalid UTF-8, then parse strictly again; only then parse with ``recover=True``. Pages that needed the
second or third step are *lossy*, and so are the records they touched. Documents with a DTD are
refused outright, wherever the DOCTYPE stands (the parsed tree's docinfo, not a peek at the first bytes):
OAI-PMH needs none. The parser never resolves entities, loads a DTD, touches the network or lifts its
size limits, so a DTD is inert even before it is refused; an entity reference that survives a recover
parse marks the page lossy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from bridge.errors import RepositoryError, TransportError
from bridge.xmlsafe import has_doctype, safe_parser

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
NS = {"oai": OAI_NS}

STRICT = safe_parser()
RECOVER = safe_parser(recover=True)

# Characters XML 1.0 forbids, raw or as character references (tab, LF and CR are allowed).
_FORBIDDEN_RAW = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_CHAR_REF = re.compile(rb"&#(x[0-9a-fA-F]+|[0-9]+);")
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)


class TruncatedBody(TransportError):
    """The body ended before the document did; the request should be sent again."""


class NotOAI(RepositoryError):
    """The body is not an OAI-PMH response (an HTML error page, JSON, an empty body)."""


@dataclass
class ParsedPage:
    """The parsed root and what parsing had to repair."""

    root: etree._Element
    lossy: bool = False
    repairs: list[str] = field(default_factory=list)
    lossy_lines: set[int] = field(default_factory=set)  # source lines that were repaired; None-empty + lossy = all


def parse_page(body: bytes, *, url: str = "", content_type: str = "") -> ParsedPage:
    """Return the parsed OAI-PMH root element; raise NotOAI, TruncatedBody or RepositoryError."""
    head = body[:2048]
    if not body.strip():
        raise NotOAI(f"empty response body from {url}", hint="the endpoint answered 200 with nothing; is it OAI-PMH?")
    if _DOCTYPE.search(head) and b"OAI-PMH" not in head and b"<html" in body[:4096].lower():
        raise NotOAI(f"not an OAI-PMH response from {url} ({content_type or 'an HTML page'})")
    try:
        root = etree.fromstring(body, STRICT)
        return _checked(ParsedPage(root), body, url, content_type)
    except etree.XMLSyntaxError as first:
        if b"OAI-PMH" not in head:
            raise NotOAI(f"not an OAI-PMH response from {url} ({content_type or 'unknown type'}): {first}") from first
        if _looks_truncated(body):
            raise TruncatedBody(f"truncated OAI-PMH response from {url}: {first}") from first
        cleaned, lines, repairs = _repair(body)
        try:
            root = etree.fromstring(cleaned, STRICT)
            return _checked(ParsedPage(root, lossy=True, repairs=repairs, lossy_lines=lines), body, url, content_type)
        except etree.XMLSyntaxError:
            root = etree.fromstring(cleaned, RECOVER)
            if root is None:
                raise NotOAI(f"unparseable response from {url}: {first}") from first
            page = ParsedPage(root, lossy=True, repairs=[*repairs, f"recovered from: {first}"], lossy_lines=set())
            return _checked(page, body, url, content_type)


def refuse_dtd(root: etree._Element, url: str) -> None:
    """Raise NotOAI when the parsed document carries a DOCTYPE, wherever it stood."""
    if has_doctype(root):
        raise NotOAI(
            f"refused a response with a DTD (<!DOCTYPE>) from {url}: OAI-PMH needs none; entities are never expanded",
            hint="if this is an HTML page, check the endpoint URL; else report it to the provider",
        )


def _checked(page: ParsedPage, body: bytes, url: str, content_type: str) -> ParsedPage:
    refuse_dtd(page.root, url)
    entities = list(page.root.iter(etree.Entity))
    if entities:  # an entity reference left unexpanded: its text is missing from the record
        lines = {e.sourceline for e in entities if e.sourceline}
        if page.lossy and not page.lossy_lines:
            pass  # already every record
        elif lines:
            page.lossy_lines |= lines
        else:
            page.lossy_lines = set()  # no line known: every record
        page.lossy = True
        page.repairs.append(f"left {len(entities)} entity reference(s) unexpanded")
    if page.root.tag != f"{{{OAI_NS}}}OAI-PMH":
        kind = content_type.split(";")[0] or "unknown type"
        raise NotOAI(
            f"not an OAI-PMH response from {url} (root element {_local(page.root.tag)!r}, {kind})",
            hint="check the endpoint URL: it must be the OAI-PMH base URL, e.g. …/oai/request",
        )
    return page


def _looks_truncated(body: bytes) -> bool:
    """A complete OAI-PMH document ends with its closing root tag."""
    tail = body.rstrip()[-64:]
    return b"OAI-PMH>" not in tail


def _repair(body: bytes) -> tuple[bytes, set[int], list[str]]:
    """Strip forbidden characters and repair invalid UTF-8; return the lines touched."""
    lines: set[int] = set()
    repairs: list[str] = []

    def mark(match: re.Match[bytes]) -> bytes:
        lines.add(body.count(b"\n", 0, match.start()) + 1)
        return b""

    def mark_ref(match: re.Match[bytes]) -> bytes:
        ref = match.group(1)
        code = int(ref[1:], 16) if ref[:1] == b"x" else int(ref)
        return mark(match) if _forbidden(code) else match.group(0)

    cleaned = _CHAR_REF.sub(mark_ref, body)
    n_refs = len(lines)
    cleaned = _FORBIDDEN_RAW.sub(mark, cleaned)
    if lines:
        repairs.append(
            f"stripped characters XML forbids on {len(lines)} line(s)" + (" (as references)" if n_refs else "")
        )
    try:
        cleaned.decode("utf-8")
    except UnicodeDecodeError:
        text = cleaned.decode("utf-8", errors="replace")
        for number, line in enumerate(text.split("\n"), start=1):
            if "\ufffd" in line:
                lines.add(number)
        cleaned = text.encode("utf-8")
        repairs.append("replaced invalid UTF-8 bytes with U+FFFD")
    return cleaned, lines, repairs


def _forbidden(code: int) -> bool:
    """Whether a code point may not appear in an XML 1.0 document."""
    if code in (0x9, 0xA, 0xD):
        return False
    return code < 0x20 or 0xD800 <= code <= 0xDFFF or code in (0xFFFE, 0xFFFF) or code > 0x10FFFF


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else str(tag)


def oai_errors(root: etree._Element) -> list[tuple[str, str]]:
    """Return every (code, message) of the page's <error> elements."""
    return [(e.get("code", ""), (e.text or "").strip()) for e in root.findall("oai:error", NS)]


def record_is_lossy(page: ParsedPage, element: etree._Element, next_line: int | None) -> bool:
    """Whether a repair touched the lines of this record (all records, after a recover parse)."""
    if not page.lossy:
        return False
    if not page.lossy_lines:
        return True
    start = element.sourceline or 0
    end = next_line if next_line is not None else 1 << 62
    return any(start <= line < end for line in page.lossy_lines)
