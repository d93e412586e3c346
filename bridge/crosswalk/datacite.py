"""DataCite renderings of the record: kernel-4.6 XML, the REST API JSON body, and oai_datacite."""

from __future__ import annotations

import copy
from typing import Any

from lxml import etree

from bridge.crosswalk import vocab
from bridge.errors import MetadataError, Problem, UsageError
from bridge.xmlsafe import safe_parser

DATACITE_NS = "http://datacite.org/schema/kernel-4"
SCHEMA_LOCATION = f"{DATACITE_NS} http://schema.datacite.org/meta/kernel-{vocab.KERNEL}/metadata.xsd"
OAI_DATACITE_NS = "http://schema.datacite.org/oai/oai-1.1/"
OAI_DATACITE_LOCATION = f"{OAI_DATACITE_NS} http://schema.datacite.org/oai/oai-1.1/oai.xsd"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
# EZID's and DataCite's spelling of "identifier to be assigned", used only in previews.
PREVIEW_IDENTIFIER = "(:tba)"
EVENTS = ("publish", "register", "hide")

_PARSER = safe_parser()  # the datacite package's own output, parsed as carefully as anything else


def resource_element(record: dict[str, Any], *, preview: bool = False) -> etree._Element:
    """Return the record as a DataCite 4.6 <resource> element (see to_datacite_xml for the DOI rule)."""
    from datacite import schema45  # imported late: it costs most of a second at startup

    data = dict(record)
    if not data.get("doi"):
        if not preview:
            raise MetadataError(
                Problem(message="no DOI yet, and DataCite XML requires <identifier identifierType='DOI'>", field="doi"),
                hint="reserve a draft DOI first (bridge publish does) and build the record with it",
            )
        data["doi"] = PREVIEW_IDENTIFIER
    try:
        text = schema45.tostring(data)
    except (TypeError, ValueError, AttributeError, KeyError) as exc:
        raise MetadataError(Problem(message=f"cannot be written as DataCite XML: {exc}", field="datacite")) from exc
    # dump_etree's in-memory tree has no proper namespaces (datacite.md §2 pitfall 4): reparse the text.
    root = etree.fromstring(text.encode("utf-8"), _PARSER)
    root.set(f"{{{XSI}}}schemaLocation", SCHEMA_LOCATION)
    return root


def to_datacite_xml(record: dict[str, Any], *, preview: bool = False) -> bytes:
    """Return DataCite kernel-4.6 XML (UTF-8, with declaration).

    A record without a DOI is refused with a MetadataError on field ``doi``, because the XSD
    requires ``<identifier>``; with ``preview=True`` it is written with the identifier ``(:tba)``
    instead, which is valid XML for showing a user but must never be sent anywhere.
    """
    return etree.tostring(resource_element(record, preview=preview), xml_declaration=True, encoding="UTF-8")


def to_datacite_json(
    record: dict[str, Any],
    *,
    url: str | None = None,
    event: str | None = None,
    prefix: str | None = None,
) -> dict[str, Any]:
    """Return the DataCite REST API JSON:API body for creating or updating the record's DOI.

    The REST API takes the same camelCase attributes as the record, except that publicationYear
    is a number; ``url`` (the landing page) defaults to the record's, ``event`` is publish,
    register or hide (none keeps a draft), and ``prefix`` asks for a random suffix when the record
    has no DOI yet.
    """
    attributes = copy.deepcopy(record)
    attributes["publicationYear"] = int(record["publicationYear"])
    if url:
        attributes["url"] = url
    if event is not None:
        if event not in EVENTS:
            raise UsageError(f"unknown DataCite event {event!r}; known: {', '.join(EVENTS)}")
        if event in ("publish", "register") and not attributes.get("url"):
            raise UsageError(f"a DOI cannot be {event}ed without the landing-page url")
        attributes["event"] = event
    if not attributes.get("doi"):
        if prefix:
            attributes["prefix"] = prefix
    else:
        attributes["prefix"] = attributes["doi"].split("/", 1)[0]
    return {"data": {"type": "dois", "attributes": attributes}}


def to_oai_datacite(record: dict[str, Any], *, datacentre: str = "CSIC.DIGITAL", preview: bool = False) -> bytes:
    """Return the record wrapped in oai_datacite 1.1 (schemaVersion 4.6), as served over OAI-PMH."""
    root = etree.Element(f"{{{OAI_DATACITE_NS}}}oai_datacite", nsmap={None: OAI_DATACITE_NS, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", OAI_DATACITE_LOCATION)
    etree.SubElement(root, f"{{{OAI_DATACITE_NS}}}schemaVersion").text = vocab.KERNEL
    etree.SubElement(root, f"{{{OAI_DATACITE_NS}}}datacentreSymbol").text = datacentre
    payload = etree.SubElement(root, f"{{{OAI_DATACITE_NS}}}payload")
    payload.append(resource_element(record, preview=preview))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
