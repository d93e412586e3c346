"""Read the parts of the DataCite record that the oai_dc and DSpace renderings both need."""

from __future__ import annotations

from typing import Any

from bridge.crosswalk import identifiers, openaire

Record = dict[str, Any]


def handle(record: Record) -> str | None:
    """Return the record's Handle (its alternateIdentifier of type Handle), if any."""
    for alt in record.get("alternateIdentifiers", []):
        if alt.get("alternateIdentifierType", "").casefold() == "handle":
            return alt["alternateIdentifier"]
    return None


def identifier_urls(record: Record) -> list[str]:
    """Return the record's own identifiers as URLs, best first: DOI, Handle, landing page."""
    out = []
    if record.get("doi"):
        out.append(identifiers.DOI_RESOLVER + record["doi"])
    h = handle(record)
    if h:
        out.append(identifiers.HANDLE_RESOLVER + h)
    if record.get("url") and record["url"] not in out:
        out.append(record["url"])
    return out


def date_of(record: Record, date_type: str) -> str | None:
    """Return the first date of a dateType, if any."""
    for d in record.get("dates", []):
        if d.get("dateType") == date_type:
            return d["date"]
    return None


def publication_date(record: Record) -> str:
    """Return the one publication date (W3CDTF): the Issued date, else the publicationYear."""
    return date_of(record, "Issued") or record["publicationYear"]


def access_uri(record: Record) -> str | None:
    """Return the info:eu-repo access-right URI of the record's rightsList, if any."""
    for r in record.get("rightsList", []):
        if openaire.is_access_uri(r.get("rightsUri")):
            return r["rightsUri"]
    return None


def embargo_end(record: Record) -> str | None:
    """Return the end of the embargo (the Available date) when the record is embargoed."""
    if access_uri(record) != openaire.ACCESS_URI["embargoed"]:
        return None
    return date_of(record, "Available")


def licences(record: Record) -> list[dict[str, Any]]:
    """Return the rightsList entries that are licences (everything but the access right)."""
    return [r for r in record.get("rightsList", []) if not openaire.is_access_uri(r.get("rightsUri"))]


def descriptions(record: Record) -> list[dict[str, Any]]:
    """Return the descriptions, the Abstract first."""
    items = record.get("descriptions", [])
    return sorted(items, key=lambda d: d.get("descriptionType") != "Abstract")


def related_url(related: dict[str, Any]) -> str:
    """Return a related identifier as a URL (scheme:value when it has no resolver)."""
    return identifiers.to_url(related["relatedIdentifier"], related["relatedIdentifierType"])


def lang_of(item: dict[str, Any]) -> str | None:
    """Return an element's language tag, if known."""
    return item.get("lang") or None
