"""One way to parse XML from outside (servers, depositors, files): inert DTDs, then refused.

The parser never resolves entities, loads a DTD, touches the network or lifts libxml2's size limits
(huge_tree off), so nothing in a DTD can act; a document that carries a DOCTYPE anywhere in its prolog
(found in the parsed tree's docinfo, not by peeking at the first bytes) is then refused as not well-formed
for our purposes: none of the formats the bridge reads (OAI-PMH, Atom/SWORD, DataCite) uses one.
"""

from __future__ import annotations

from lxml import etree


class DoctypeRefused(etree.XMLSyntaxError):
    """The document declares a DTD; an XMLSyntaxError so every caller's malformed-XML path handles it."""


def safe_parser(*, recover: bool = False) -> etree.XMLParser:
    """Return a parser for untrusted XML."""
    return etree.XMLParser(recover=recover, resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


_PARSER = safe_parser()


def has_doctype(root: etree._Element) -> bool:
    """Whether the parsed document had a DOCTYPE (with or without an internal subset)."""
    docinfo = root.getroottree().docinfo
    return bool(docinfo.doctype) or docinfo.internalDTD is not None


def parse_untrusted(body: bytes) -> etree._Element:
    """Parse bytes from outside; XMLSyntaxError when malformed, DoctypeRefused when it declares a DTD."""
    root = etree.fromstring(body, _PARSER)
    if has_doctype(root):
        raise DoctypeRefused("the document declares a DTD (<!DOCTYPE>), which is refused", 0, 1, 0)
    return root
