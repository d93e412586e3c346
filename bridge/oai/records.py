"""Turn harvested <record> elements into ledger rows with parsed Dublin Core / DataCite fields."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lxml import etree

from bridge.oai.parse import NS

DC_NS = "http://purl.org/dc/elements/1.1/"
DATACITE_NS = "http://datacite.org/schema/kernel-4"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"


@dataclass
class HarvestedRecord:
    identifier: str
    datestamp: str
    sets: list[str]
    deleted: bool
    lossy: bool
    raw: bytes
    metadata: dict[str, Any] | None


_OAI = f"{{{NS['oai']}}}"
HEADER, METADATA = f"{_OAI}header", f"{_OAI}metadata"
IDENTIFIER, DATESTAMP, SET_SPEC = f"{_OAI}identifier", f"{_OAI}datestamp", f"{_OAI}setSpec"
_DC = f"{{{DC_NS}}}"
OAI_DC = f"{{{OAI_DC_NS}}}dc"


def parse_record(element: etree._Element, prefix: str, *, lossy: bool) -> HarvestedRecord:
    """Read header and metadata of one <record> (or a bare <header> from ListIdentifiers)."""
    # Tags compared as strings and children walked once: this runs for every harvested record.
    header = element if element.tag == HEADER else None
    metadata_el = None
    if header is None:
        for child in element:
            if child.tag == HEADER:
                header = child
            elif child.tag == METADATA:
                metadata_el = child
    if header is None:
        raise ValueError("record without a header")
    identifier = datestamp = ""
    sets: list[str] = []
    for child in header:
        tag, text = child.tag, child.text
        if tag == IDENTIFIER and not identifier:  # the first, as findtext would
            identifier = text.strip() if text else ""
        elif tag == DATESTAMP and not datestamp:
            datestamp = text.strip() if text else ""
        elif tag == SET_SPEC and text:
            sets.append(text.strip())
    deleted = header.get("status") == "deleted"
    payload = next(iter(metadata_el), None) if metadata_el is not None else None
    metadata = None if deleted or payload is None else parse_metadata(payload, prefix)
    return HarvestedRecord(
        identifier=identifier,
        datestamp=datestamp,
        sets=sets,
        deleted=deleted,
        lossy=lossy,
        raw=etree.tostring(element, encoding="utf-8"),
        metadata=metadata,
    )


def parse_metadata(payload: etree._Element, prefix: str) -> dict[str, Any]:
    """Return the fields of a metadata payload: DC element lists, DataCite essentials, or local names."""
    if prefix == "oai_dc" or payload.tag == OAI_DC:
        return dublin_core(payload)
    resource = (
        payload if etree.QName(payload).localname == "resource" else payload.find(f".//{{{DATACITE_NS}}}resource")
    )
    if resource is not None:
        return datacite(resource)
    return generic(payload)


def dublin_core(payload: etree._Element) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    skip = len(_DC)
    # lxml picks the DC elements (no comments, no other namespaces); one pass of plain Python groups them
    for tag, text in [(c.tag, c.text) for c in payload.iterchildren(f"{_DC}*")]:
        value = text.strip() if text else ""
        key = tag[skip:]
        if key in out:
            out[key].append(value)
        else:
            out[key] = [value]
    return out


def datacite(resource: etree._Element) -> dict[str, Any]:
    ns = {"d": DATACITE_NS}

    def texts(path: str) -> list[str]:
        return [(e.text or "").strip() for e in resource.findall(path, ns)]

    identifier = resource.find("d:identifier", ns)
    types = resource.find("d:resourceType", ns)
    return {
        "identifier": (identifier.text or "").strip() if identifier is not None else None,
        "identifierType": identifier.get("identifierType") if identifier is not None else None,
        "titles": texts("d:titles/d:title"),
        "creators": texts("d:creators/d:creator/d:creatorName"),
        "publisher": (resource.findtext("d:publisher", default="", namespaces=ns) or "").strip() or None,
        "publicationYear": (resource.findtext("d:publicationYear", default="", namespaces=ns) or "").strip() or None,
        "resourceTypeGeneral": types.get("resourceTypeGeneral") if types is not None else None,
        "resourceType": (types.text or "").strip() if types is not None and types.text else None,
        "rights": [
            {
                "rights": (r.text or "").strip(),
                "rightsURI": r.get("rightsURI"),
                "rightsIdentifier": r.get("rightsIdentifier"),
            }
            for r in resource.findall("d:rightsList/d:rights", ns)
        ],
        "relatedIdentifiers": [
            {
                "relatedIdentifier": (r.text or "").strip(),
                "relationType": r.get("relationType"),
                "relatedIdentifierType": r.get("relatedIdentifierType"),
            }
            for r in resource.findall("d:relatedIdentifiers/d:relatedIdentifier", ns)
        ],
        "alternateIdentifiers": [
            {"alternateIdentifier": (a.text or "").strip(), "alternateIdentifierType": a.get("alternateIdentifierType")}
            for a in resource.findall("d:alternateIdentifiers/d:alternateIdentifier", ns)
        ],
    }


def generic(payload: etree._Element) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for el in payload.iter():
        if isinstance(el.tag, str) and el.text and el.text.strip() and len(el) == 0:
            out.setdefault(etree.QName(el).localname, []).append(el.text.strip())
    return out
