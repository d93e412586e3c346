"""SWORD v2 payloads: the Atom entry with Dublin Core terms, the SimpleZip package, and reading SWORD's XML.

The entry follows DSpace's ``swordv2-server.simpledc.*`` crosswalk (dcterms term -> DSpace field), so each
DSpace field the bridge writes travels as the term that DSpace maps back to it; fields without a term are left
out. The package is written as a stored (uncompressed) zip through an unseekable writer, so zipfile streams it
with data descriptors and the MD5 for Content-MD5 is computed in the same pass.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import zipfile
from pathlib import Path
from typing import Any

import httpx
from lxml import etree

from bridge.errors import RepositoryError
from bridge.targets.interface import DepositPlan
from bridge.xmlsafe import parse_untrusted

ATOM = "http://www.w3.org/2005/Atom"
APP = "http://www.w3.org/2007/app"
SWORD = "http://purl.org/net/sword/terms/"
DCTERMS = "http://purl.org/dc/terms/"
SIMPLEZIP = "http://purl.org/net/sword/package/SimpleZip"
ARCHIVED = "http://dspace.org/state/archived"
CHUNK = 1 << 20

# DSpace field -> dcterms term of DSpace's swordv2-server.simpledc.* crosswalk; title and abstract travel as
# atom:title and atom:summary, fields without a term (ORCID, COAR type, embargo, funder) are left out.
TERMS = {
    "dc.contributor.author": "creator",
    "dc.contributor.other": "contributor",
    "dc.description": "description",
    "dc.date.issued": "issued",
    "dc.date.created": "created",
    "dc.coverage.temporal": "temporal",
    "dc.rights.license": "license",
    "dc.rights": "accessRights",
    "dc.type": "type",
    "dc.subject": "subject",
    "dc.language.iso": "language",
    "dc.publisher": "publisher",
    "dc.format.extent": "extent",
    "dc.format.mimetype": "format",
    "dc.identifier.other": "identifier",
    "dc.identifier.doi": "identifier",
    "dc.identifier.uri": "identifier",
}


def term_of(field_name: str) -> str | None:
    """Return the dcterms term a DSpace field travels as, or None."""
    if field_name in TERMS:
        return TERMS[field_name]
    if field_name == "dc.relation" or field_name.startswith("dc.relation."):
        return "relation"
    return None


def atom_entry(plan: DepositPlan) -> bytes:
    """Return the Atom entry with the plan's Dublin Core metadata."""
    root = etree.Element(f"{{{ATOM}}}entry", nsmap={None: ATOM, "dcterms": DCTERMS})
    etree.SubElement(root, f"{{{ATOM}}}title").text = plan.title
    etree.SubElement(root, f"{{{ATOM}}}id").text = f"urn:{plan.key_value}"
    etree.SubElement(root, f"{{{ATOM}}}updated").text = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    authors = plan.metadata.get("dc.contributor.author") or [{"value": "unknown"}]
    etree.SubElement(etree.SubElement(root, f"{{{ATOM}}}author"), f"{{{ATOM}}}name").text = authors[0]["value"]
    for value in (plan.metadata.get("dc.description.abstract") or [])[:1]:
        etree.SubElement(root, f"{{{ATOM}}}summary", type="text").text = value["value"]
    for name, values in plan.metadata.items():
        term = term_of(name)
        for value in values if term else []:
            element = etree.SubElement(root, f"{{{DCTERMS}}}{term}")
            element.text = value["value"]
            if value.get("language"):
                element.set("{http://www.w3.org/XML/1998/namespace}lang", value["language"])
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


class _HashingWriter:
    """A write-only, unseekable file that hashes what passes, so zipfile streams (data descriptors) into it."""

    def __init__(self, fh: Any) -> None:
        self.fh, self.md5, self.size = fh, hashlib.md5(), 0

    def write(self, data: bytes) -> int:
        self.fh.write(data)
        self.md5.update(data)
        self.size += len(data)
        return len(data)

    def tell(self) -> int:
        return self.size

    def flush(self) -> None:
        self.fh.flush()

    def close(self) -> None:
        """Leave the file open: build_zip's `with` closes it."""


def build_zip(plan: DepositPlan, path: Path) -> tuple[int, str]:
    """Write the SimpleZip package (stored, not compressed: weights do not shrink); return (size, md5)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        writer = _HashingWriter(fh)
        with zipfile.ZipFile(writer, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
            for planned in plan.files:
                info = zipfile.ZipInfo(planned.name, date_time=(1980, 1, 1, 0, 0, 0))
                info.file_size = planned.size
                with planned.source.open("rb") as src, archive.open(info, "w", force_zip64=planned.size > 2**31) as out:
                    for chunk in iter(functools.partial(src.read, CHUNK), b""):
                        out.write(chunk)
    return writer.size, writer.md5.hexdigest()


def parse_xml(body: bytes, what: str) -> etree._Element:
    try:
        return parse_untrusted(body)
    except etree.XMLSyntaxError as exc:
        raise RepositoryError(f"{what}: the repository sent malformed XML: {exc}") from exc


def sword_message(response: httpx.Response) -> str:
    """Return the summary of a SWORD error document, else the start of the body."""
    try:
        root = parse_untrusted(response.content)
        summary = root.findtext(f"{{{ATOM}}}summary")
        if summary:
            return summary.strip()
    except etree.XMLSyntaxError:
        pass
    return response.text.strip()[:200] or response.reason_phrase
