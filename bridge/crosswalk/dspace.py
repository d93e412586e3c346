"""Render the record as a DSpace metadata map with Digital.CSIC's field names from the mapping.

Shape (dspace.md §1.5): ``{"dc.title": [{"value", "language", "authority", "confidence", "place"}]}``
with places numbered from 0 per field. Authors are "Family, Given"; their ORCID iDs go to
``dc.contributor.orcid`` as "Family, Given [0000-…]", the bracket form Digital.CSIC stores, so the
name/iD pairing survives in a flat field. The DOI is written in DSpace's external form
``https://doi.org/<doi>``; relations, licence and Handle as URLs; the access right as its
info:eu-repo URI in ``dc.rights``; the EC grant agreement in the project field.
"""

from __future__ import annotations

from typing import Any

from bridge.crosswalk import identifiers, openaire, view
from bridge.crosswalk.mapping import Mapping

MetadataMap = dict[str, list[dict[str, Any]]]

_DESCRIPTION_FIELD = {"Abstract": "abstract", "Methods": "methods", "TechnicalInfo": "technical_info"}


def to_dspace(record: dict[str, Any], mapping: Mapping) -> MetadataMap:
    """Return the DSpace metadata map of the record."""
    fields = mapping.dspace.fields
    out: MetadataMap = {}

    def put(field: str, value: str | None, language: str | None = None) -> None:
        if not field or not value:
            return
        values = out.setdefault(field, [])
        if any(v["value"] == value for v in values):
            return
        values.append({"value": value, "language": language, "authority": None, "confidence": -1, "place": len(values)})

    for title in record.get("titles", []):
        put(fields.title, title["title"], view.lang_of(title))
    for creator in record.get("creators", []):
        name = display_name(creator)
        put(fields.author, name)
        orcid = orcid_of(creator)
        if orcid:
            put(fields.orcid, f"{name} [{identifiers.orcid_bare(orcid)}]")
    for contributor in record.get("contributors", []):
        put(fields.contributor, display_name(contributor))
    put(fields.date_issued, view.publication_date(record))
    put(fields.date_created, view.date_of(record, "Created"))
    put(fields.date_embargo, view.embargo_end(record))
    put(fields.collected, view.date_of(record, "Collected"))
    for description in view.descriptions(record):
        attr = _DESCRIPTION_FIELD.get(description.get("descriptionType", ""))
        if attr:
            put(getattr(fields, attr), description["description"], view.lang_of(description))
    for licence in view.licences(record):
        put(fields.license, licence.get("rightsUri") or licence.get("rights"))
        # DSpace 7.6+ signposting sends only dc.rights.uri as the `license` link
        put(fields.license_uri, licence.get("rightsUri"))
    put(fields.access_rights, view.access_uri(record))
    put(fields.type, mapping.dspace.type)
    put(fields.type_coar, mapping.dspace.coar_type)
    if record.get("doi"):
        put(fields.doi, identifiers.DOI_RESOLVER + record["doi"])
    handle = view.handle(record)
    if handle:
        put(fields.handle, identifiers.HANDLE_RESOLVER + handle)
    for related in record.get("relatedIdentifiers", []):
        field = mapping.dspace.relation_fields.get(related["relationType"], fields.relation)
        put(field, view.related_url(related))
    for subject in record.get("subjects", []):
        put(fields.subject, subject["subject"], view.lang_of(subject))
    put(fields.language, record.get("language"))
    put(fields.publisher, record["publisher"]["name"])
    put(fields.version, record.get("version"))
    for funding in record.get("fundingReferences", []):
        put(fields.funder, funding["funderName"])
        put(fields.funder_id, funding.get("funderIdentifier"))
    for grant in openaire.grant_agreements(record, mapping.defaults.funding_program):
        put(fields.project_id, grant)
    for size in record.get("sizes", []):
        put(fields.extent, size)
    for media_type in record.get("formats", []):
        put(fields.mimetype, media_type)
    return out


def display_name(person: dict[str, Any]) -> str:
    """Return "Family, Given" for a person with both parts, else the name as recorded."""
    if person.get("nameType", "Personal") == "Personal" and person.get("familyName") and person.get("givenName"):
        return f"{person['familyName']}, {person['givenName']}"
    return person["name"]


def orcid_of(person: dict[str, Any]) -> str | None:
    """Return the person's ORCID nameIdentifier, if any."""
    for ident in person.get("nameIdentifiers", []):
        if ident.get("nameIdentifierScheme", "").casefold() == "orcid":
            return ident["nameIdentifier"]
    return None
