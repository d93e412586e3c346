"""XML of the sandbox's OAI-PMH responses: the envelope, errors, headers, records and the metadata formats."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lxml import etree

from bridge.sandbox import render as formats
from bridge.sandbox.render.common import XSI, clean

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
OAI_SCHEMA = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
OAI_ID_NS = "http://www.openarchives.org/OAI/2.0/oai-identifier"
OAI_ID_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai-identifier.xsd"
_O = f"{{{OAI_NS}}}"

Builder = Callable[[dict[str, Any], Any, list[dict[str, Any]] | None], etree._Element]


@dataclass(frozen=True)
class MetadataFormat:
    """One metadataPrefix the provider disseminates."""

    prefix: str
    schema: str
    namespace: str
    build: Builder
    needs_files: bool  # whether the crosswalk lists the ORIGINAL bitstreams (batch-loaded per page)


FORMATS: dict[str, MetadataFormat] = {
    f.prefix: f
    for f in (
        MetadataFormat(
            "oai_dc",
            formats.OAI_DC_SCHEMA,
            formats.OAI_DC_NS,
            lambda item, sandbox, files: formats.item_to_oai_dc(item, sandbox, files=files),
            True,
        ),
        MetadataFormat(
            "oai_datacite",
            formats.OAI_DATACITE_SCHEMA,
            formats.OAI_DATACITE_NS,
            lambda item, sandbox, files: formats.item_to_oai_datacite(item, sandbox, files=files),
            True,
        ),
        MetadataFormat(
            "dim",
            formats.DIM_SCHEMA,
            formats.DIM_NS,
            lambda item, sandbox, files: formats.item_to_dim(item, sandbox),
            False,
        ),
    )
}


def now_stamp() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def envelope(base_url: str, echo: dict[str, str] | None) -> etree._Element:
    """Return `<OAI-PMH>` with responseDate and `<request>` (echoing the arguments only when given)."""
    root = etree.Element(_O + "OAI-PMH", nsmap={None: OAI_NS, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", f"{OAI_NS} {OAI_SCHEMA}")
    etree.SubElement(root, _O + "responseDate").text = now_stamp()
    request = etree.SubElement(root, _O + "request")
    for name, value in (echo or {}).items():
        request.set(name, value)
    request.text = base_url
    return root


def error_document(base_url: str, errors: list[tuple[str, str]], echo: dict[str, str] | None) -> etree._Element:
    """Return a response holding one `<error>` per (code, message)."""
    root = envelope(base_url, echo)
    for code, message in errors:
        etree.SubElement(root, _O + "error", code=code).text = clean(message)
    return root


def sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    child = etree.SubElement(parent, _O + tag)
    if text is not None:
        child.text = text
    return child


def identify(
    root: etree._Element, *, name: str, base_url: str, admin: str, earliest: str, repository_id: str, sample: str
) -> None:
    """Append the `<Identify>` body, with gzip compression and an oai-identifier description."""
    body = sub(root, "Identify")
    sub(body, "repositoryName", clean(name))
    sub(body, "baseURL", base_url)
    sub(body, "protocolVersion", "2.0")
    sub(body, "adminEmail", admin)
    sub(body, "earliestDatestamp", earliest)
    sub(body, "deletedRecord", "transient")
    sub(body, "granularity", "YYYY-MM-DDThh:mm:ssZ")
    sub(body, "compression", "gzip")
    ns = f"{{{OAI_ID_NS}}}"
    described = etree.SubElement(sub(body, "description"), ns + "oai-identifier", nsmap={None: OAI_ID_NS})
    described.set(f"{{{XSI}}}schemaLocation", f"{OAI_ID_NS} {OAI_ID_SCHEMA}")
    for tag, text in (("scheme", "oai"), ("repositoryIdentifier", repository_id), ("delimiter", ":")):
        etree.SubElement(described, ns + tag).text = text
    etree.SubElement(described, ns + "sampleIdentifier").text = sample


def metadata_formats(root: etree._Element) -> None:
    body = sub(root, "ListMetadataFormats")
    for fmt in FORMATS.values():
        entry = sub(body, "metadataFormat")
        sub(entry, "metadataPrefix", fmt.prefix)
        sub(entry, "schema", fmt.schema)
        sub(entry, "metadataNamespace", fmt.namespace)


def is_deleted(row: dict[str, Any]) -> bool:
    return bool(row["withdrawn"]) or not bool(row["discoverable"])


def to_bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
