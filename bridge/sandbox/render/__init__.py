"""The sandbox's own crosswalks from a stored item's dc.* metadata: oai_dc, DSpace DIM and DataCite kernel 4.6.

These play the part of DSpace's dissemination crosswalks (``oai_dc.xsl``, ``dim``, ``DIM2DataCite.xsl``): they
read only the item as the repository holds it, never the bridge's own records, so what the bridge harvests back
is an independent rendering of what it deposited.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from lxml import etree

from bridge.sandbox.render.common import XSI, Fields, clean, doi_of, lang_of, load_original_files, original_files
from bridge.sandbox.render.datacite import (
    DATACENTRE_SYMBOL,
    DATACITE_NS,
    DATACITE_SCHEMA,
    OAI_DATACITE_NS,
    OAI_DATACITE_SCHEMA,
    item_to_datacite,
    item_to_oai_datacite,
)

if TYPE_CHECKING:
    from bridge.sandbox.app import Sandbox

__all__ = [
    "DATACENTRE_SYMBOL",
    "DATACITE_NS",
    "DATACITE_SCHEMA",
    "DC_NS",
    "DIM_NS",
    "DIM_SCHEMA",
    "OAI_DATACITE_NS",
    "OAI_DATACITE_SCHEMA",
    "OAI_DC_NS",
    "OAI_DC_SCHEMA",
    "datacite_xml_bytes",
    "item_to_datacite",
    "item_to_dim",
    "item_to_oai_datacite",
    "item_to_oai_dc",
    "load_original_files",
]

OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
OAI_DC_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
DC_NS = "http://purl.org/dc/elements/1.1/"
DIM_NS = "http://www.dspace.org/xmlns/dspace/dim"
DIM_SCHEMA = "http://www.dspace.org/schema/dim.xsd"

_DC = f"{{{DC_NS}}}"
HIDDEN = frozenset({"dc.description.provenance"})  # DSpace keeps provenance out of every dissemination
_ACCESS_URI = "info:eu-repo/semantics/"
_EU_DATE = "info:eu-repo/date/"


def item_to_oai_dc(
    item: dict[str, Any], sandbox: Sandbox | None = None, *, files: list[dict[str, Any]] | None = None
) -> etree._Element:
    """Return the item's `<oai_dc:dc>` element, mapped the way DSpace's oai_dc.xsl maps dc.* fields."""
    f = Fields(item.get("metadata") or {})
    root = etree.Element(f"{{{OAI_DC_NS}}}dc", nsmap={"oai_dc": OAI_DC_NS, "dc": DC_NS, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", f"{OAI_DC_NS} {OAI_DC_SCHEMA}")
    seen: set[tuple[str, str]] = set()

    def add(element: str, text: str, lang: str | None = None) -> None:
        text = clean(text).strip()
        if not text or (element, text) in seen:
            return
        seen.add((element, text))
        child = etree.SubElement(root, _DC + element)
        child.text = text
        if lang:
            child.set("{http://www.w3.org/XML/1998/namespace}lang", lang)

    for _, v in f("dc.title"):
        add("title", v["value"], lang_of(v))
    for name in ("dc.contributor.author", "dc.creator"):
        for _, v in f(name):
            add("creator", v["value"])
    for key, v in f("dc.contributor"):
        if key not in ("dc.contributor.author", "dc.contributor.orcid"):
            add("contributor", v["value"])
    for _, v in f("dc.subject"):
        add("subject", v["value"], lang_of(v))
    for key, v in f("dc.description"):
        if key not in HIDDEN and key != "dc.description.version":
            add("description", v["value"], lang_of(v))
    for key, v in f("dc.date"):
        if key == "dc.date.issued" or v["value"].startswith(_EU_DATE):
            add("date", v["value"])
    for _, v in f("dc.type"):
        add("type", v["value"], lang_of(v))
    for text in _identifiers(f):
        add("identifier", text)
    for _, v in f("dc.language"):
        add("language", v["value"])
    for _, v in f("dc.relation"):
        add("relation", v["value"])
    rights = list(f("dc.rights"))
    # The access-rights URI comes first among dc:rights (OpenAIRE guidelines).
    rights.sort(key=lambda kv: not kv[1]["value"].startswith(_ACCESS_URI))
    for _, v in rights:
        add("rights", v["value"], lang_of(v))
    for bitstream in original_files(item, sandbox, files):
        add("format", bitstream["mime"])
    for _, v in f("dc.format"):
        add("format", v["value"])
    for name, element in (("dc.publisher", "publisher"), ("dc.coverage", "coverage"), ("dc.source", "source")):
        for _, v in f(name):
            add(element, v["value"], lang_of(v))
    return root


def _identifiers(f: Fields) -> Iterator[str]:
    """Yield dc:identifier texts: the DOI as a resolver URL first, then the Handle URI, then the rest."""
    doi = doi_of(f.md)
    if doi:
        yield f"https://doi.org/{doi}"
    for _, v in f("dc.identifier.uri"):
        yield v["value"]
    for key, v in f("dc.identifier"):
        if key == "dc.identifier.uri":
            continue
        value = v["value"]
        yield f"https://doi.org/{doi}" if key == "dc.identifier.doi" and doi_of_value(value) == doi else value


def doi_of_value(value: str) -> str | None:
    """Return the bare DOI of one value (bare, doi: or resolver URL), or None."""
    return doi_of({"dc.identifier.doi": [{"value": value}]})


def item_to_dim(item: dict[str, Any], sandbox: Sandbox | None = None) -> etree._Element:
    """Return the item's `<dim:dim>` element (DSpace Intermediate Metadata: every field, verbatim)."""
    root = etree.Element(f"{{{DIM_NS}}}dim", nsmap={"dim": DIM_NS, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", f"{DIM_NS} {DIM_SCHEMA}")
    for key in sorted(item.get("metadata") or {}):
        parts = key.split(".", 2)
        if len(parts) < 2 or key in HIDDEN:
            continue
        for v in item["metadata"][key]:
            field = etree.SubElement(root, f"{{{DIM_NS}}}field", mdschema=parts[0], element=parts[1])
            if len(parts) == 3:
                field.set("qualifier", parts[2])
            if v.get("language"):
                field.set("lang", clean(str(v["language"])))
            if v.get("authority"):
                field.set("authority", clean(str(v["authority"])))
                field.set("confidence", str(v.get("confidence", -1)))
            field.text = clean(v.get("value") or "")
    return root


def datacite_xml_bytes(
    item: dict[str, Any], sandbox: Sandbox | None = None, *, files: list[dict[str, Any]] | None = None
) -> bytes:
    """Return the item's DataCite kernel-4.6 XML document as UTF-8 bytes."""
    resource = item_to_datacite(item, sandbox, files=files)
    return etree.tostring(resource, xml_declaration=True, encoding="UTF-8", pretty_print=True)
