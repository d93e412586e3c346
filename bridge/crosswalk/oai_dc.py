"""Render the record as oai_dc, following DataCite's DC mapping and the OpenAIRE info:eu-repo rules.

Choices (datacite.md §3): identifiers are URLs, the DOI first; one dc:date (the publication date)
plus ``info:eu-repo/date/embargoEnd/…`` when embargoed; the first dc:type is the mapping's
info:eu-repo type, then resourceTypeGeneral and a free-text type; the access-right URI is the
first dc:rights, then the licence URL and name; IsDerivedFrom goes to dc:source (DataCite's map),
every other relation and the EC grant agreement to dc:relation; the Collected period to
dc:coverage; xml:lang only where the language is known.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from bridge.crosswalk import openaire, view
from bridge.crosswalk.mapping import Mapping

OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC_NS = "http://purl.org/dc/elements/1.1/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SCHEMA_LOCATION = f"{OAI_DC_NS} http://www.openarchives.org/OAI/2.0/oai_dc.xsd"


def to_oai_dc(record: dict[str, Any], mapping: Mapping) -> bytes:
    """Return the oai_dc:dc document of the record (UTF-8, with declaration)."""
    return etree.tostring(oai_dc_element(record, mapping), xml_declaration=True, encoding="UTF-8", pretty_print=True)


def oai_dc_element(record: dict[str, Any], mapping: Mapping) -> etree._Element:
    """Return the record as an oai_dc:dc element, for embedding in an OAI-PMH response."""
    root = etree.Element(f"{{{OAI_DC_NS}}}dc", nsmap={"oai_dc": OAI_DC_NS, "dc": DC_NS, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", SCHEMA_LOCATION)
    seen: set[tuple[str, str]] = set()

    def add(name: str, value: str | None, lang: str | None = None) -> None:
        if not value or (name, value) in seen:
            return
        seen.add((name, value))
        el = etree.SubElement(root, f"{{{DC_NS}}}{name}")
        el.text = value
        if lang:
            el.set(XML_LANG, lang)

    for title in record.get("titles", []):
        add("title", title["title"], view.lang_of(title))
    for creator in record.get("creators", []):
        add("creator", creator["name"])
    for subject in record.get("subjects", []):
        add("subject", subject["subject"], view.lang_of(subject))
    for description in view.descriptions(record):
        add("description", description["description"], view.lang_of(description))
    add("publisher", record["publisher"]["name"])
    for contributor in record.get("contributors", []):
        add("contributor", contributor["name"])
    for funding in record.get("fundingReferences", []):
        add("contributor", funding["funderName"])
    add("date", view.publication_date(record))
    embargo = view.embargo_end(record)
    if embargo:
        add("date", openaire.embargo_end(embargo))
    types = record["types"]
    add("type", mapping.oai_dc.type)
    add("type", types["resourceTypeGeneral"])
    add("type", mapping.oai_dc.type_text or types.get("resourceType"))
    for media_type in record.get("formats", []):
        add("format", media_type)
    for url in view.identifier_urls(record):
        add("identifier", url)
    for related in record.get("relatedIdentifiers", []):
        add("source" if related["relationType"] == "IsDerivedFrom" else "relation", view.related_url(related))
    for grant in openaire.grant_agreements(record, mapping.defaults.funding_program):
        add("relation", grant)
    add("language", record.get("language"))
    collected = view.date_of(record, "Collected")
    if collected:
        add("coverage", collected)
    add("rights", view.access_uri(record))
    for licence in view.licences(record):
        add("rights", licence.get("rightsUri"))
        add("rights", licence.get("rights"), view.lang_of(licence))
    return root
