"""Parse an OAI-PMH page too large to hold whole, skipping records larger than the record limit.

A page whose decoded body is larger than ``max_record`` may hold a record that is: it is spooled to disk
by the client and parsed here in chunks by a parser *target*, which builds the tree record by record and,
once a record has passed the limit, drops what it built of it and ignores the rest up to its end. So no
oversized record is ever held whole, the page's other records and its resumptionToken still arrive, and
the skipped records are reported (position, identifier, size). The parser runs with the same safe
options as every other (no entities, no DTD, no network, no huge tree); a DOCTYPE is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO, Any

from lxml import etree

from bridge.oai.parse import OAI_NS, NotOAI, ParsedPage, TruncatedBody, refuse_dtd

CHUNK = 256 * 1024
_RECORD = f"{{{OAI_NS}}}record"
_HEADER = f"{{{OAI_NS}}}header"
_IDENTIFIER = f"{{{OAI_NS}}}identifier"


@dataclass(frozen=True)
class Oversized:
    """A record skipped for its size: its position on the page (1-based), identifier and decoded size."""

    position: int
    identifier: str
    size: int


class _Target:
    """Build the page with a TreeBuilder, dropping records that grow past `limit` bytes."""

    def __init__(self, limit: int) -> None:
        self.tb = etree.TreeBuilder()
        self.limit = limit
        self.depth = 0
        self.record: etree._Element | None = None  # the record being read
        self.record_depth = 0
        self.open: list[str] = []  # tags opened inside the current record (for closing them on a skip)
        self.size = 0
        self.skipping = False
        self.position = 0
        self.identifier: list[str] = []
        self.in_identifier = False
        self.oversized: list[Oversized] = []
        self.doctype_seen = False

    def doctype(self, *_: Any) -> None:
        self.doctype_seen = True

    def start(self, tag: str, attrib: dict[str, str], nsmap: dict[str, str] | None = None) -> None:
        self.depth += 1
        if self.record is not None:
            self.size += len(tag) + sum(len(k) + len(v) for k, v in attrib.items())
            self.in_identifier = tag == _IDENTIFIER and self.depth == self.record_depth + 2
            if self.skipping or self._over():
                return
            self.open.append(tag)
        elif tag == _RECORD and self.depth == 3:
            self.position += 1
            self.record_depth, self.size, self.skipping, self.identifier = self.depth, 0, False, []
            self.record = self.tb.start(tag, attrib, nsmap) if nsmap is not None else self.tb.start(tag, attrib)
            return
        if nsmap is not None:
            self.tb.start(tag, attrib, nsmap)
        else:
            self.tb.start(tag, attrib)

    def _over(self) -> bool:
        """Start skipping the current record once it passed the limit: close and drop what was built of it."""
        if self.size <= self.limit:
            return False
        self.skipping = True
        for tag in reversed(self.open):
            self.tb.end(tag)
        self.open.clear()
        assert self.record is not None
        for child in list(self.record):
            if child.tag != _HEADER:
                self.record.remove(child)
        return True

    def data(self, text: str) -> None:
        if self.record is not None:
            self.size += len(text)
            if self.in_identifier:
                self.identifier.append(text)
            if self.skipping or self._over():
                return
        self.tb.data(text)

    def end(self, tag: str) -> None:
        if self.record is not None and self.depth == self.record_depth:
            self.tb.end(tag)
            if self.skipping:
                record, parent = self.record, self.record.getparent()
                self.oversized.append(Oversized(self.position, "".join(self.identifier).strip(), self.size))
                if parent is not None:
                    parent.remove(record)
            self.record, self.skipping, self.open = None, False, []
        elif self.record is not None:
            self.in_identifier = False
            if not self.skipping:
                self.open.pop()
                self.tb.end(tag)
        else:
            self.tb.end(tag)
        self.depth -= 1

    def comment(self, _: str) -> None:
        pass

    def pi(self, *_: Any) -> None:
        pass

    def close(self) -> etree._Element:
        return self.tb.close()


def parse_big_page(source: IO[bytes], *, limit: int, url: str = "") -> tuple[ParsedPage, list[Oversized]]:
    """Parse a spooled page in chunks; return the page without its oversized records, and those records."""
    target = _Target(limit)
    parser = etree.XMLParser(target=target, resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    source.seek(0)
    tail = b""
    try:
        while chunk := source.read(CHUNK):
            parser.feed(chunk)
            tail = (tail + chunk)[-64:]
        root = parser.close()
    except etree.XMLSyntaxError as exc:
        if target.doctype_seen:
            raise NotOAI(f"refused a response with a DTD (<!DOCTYPE>) from {url}: OAI-PMH needs none") from exc
        if b"OAI-PMH>" not in tail.rstrip()[-64:]:
            raise TruncatedBody(f"truncated OAI-PMH response from {url}: {exc}") from exc
        raise NotOAI(
            f"malformed OAI-PMH page from {url}: {exc} (pages this large are not repaired)",
            hint="report it to the provider; harvest with smaller pages or --windows if it can",
        ) from exc
    if target.doctype_seen:
        raise NotOAI(f"refused a response with a DTD (<!DOCTYPE>) from {url}: OAI-PMH needs none")
    refuse_dtd(root, url)
    if root.tag != f"{{{OAI_NS}}}OAI-PMH":
        raise NotOAI(f"not an OAI-PMH response from {url} (root element {root.tag!r})")
    return ParsedPage(root), target.oversized
