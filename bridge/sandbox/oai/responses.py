"""XML of the sandbox's OAI-PMH responses: the envelope, errors, headers, records and the metadata formats."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lxml import etree

from bridge.sandbox import render as formats
from bridge.sandbox.oai.tokens import datestamp
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


def header(parent: etree._Element, row: dict[str, Any], identifier: str, set_specs: list[str]) -> None:
    """Append a record `<header>`; withdrawn or undiscoverable items carry status="deleted" (as DSpace)."""
    el = sub(parent, "header")
    if is_deleted(row):
        el.set("status", "deleted")
    sub(el, "identifier", identifier)
    sub(el, "datestamp", datestamp(row["last_modified"]))
    for spec in set_specs:
        sub(el, "setSpec", spec)


def is_deleted(row: dict[str, Any]) -> bool:
    return bool(row["withdrawn"]) or not bool(row["discoverable"])


def record(
    parent: etree._Element,
    row: dict[str, Any],
    identifier: str,
    set_specs: list[str],
    fmt: MetadataFormat,
    sandbox: Any,
    files: list[dict[str, Any]] | None,
) -> None:
    """Append a `<record>`: the header, and the metadata unless the record is deleted."""
    el = sub(parent, "record")
    header(el, row, identifier, set_specs)
    if not is_deleted(row):
        sub(el, "metadata").append(fmt.build(row, sandbox, files))


def resumption_token(parent: etree._Element, token: str, complete: int, cursor: int) -> None:
    """Append `<resumptionToken>`; an empty token marks the last page of a list."""
    el = sub(parent, "resumptionToken", token or None)
    el.set("completeListSize", str(complete))
    el.set("cursor", str(cursor))


def to_bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
