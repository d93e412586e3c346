"""Helpers the indicator modules share: advice in the mode's terms, and views of the metadata (relations, licences)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bridge.fair import vocab
from bridge.fair.evidence import Evidence
from bridge.pid import bare_doi, bare_handle

PLACEHOLDER_HANDLE_PREFIX = "123456789"  # DSpace's default handle.prefix: never registered
TEST_DOI_PREFIX = "10.5072"  # DataCite's retired test prefix
# DSpace 7.6+ signposting's dc.type -> schema.org map (crosswalks/signposting/mapConverter-…-uri.properties):
# exact, case-sensitive keys; anything else becomes CreativeWork.
DSPACE_SCHEMA_TYPES = {
    "Dataset": "Dataset",
    "Software": "SoftwareSourceCode",
    "Article": "ScholarlyArticle",
    "Book": "Book",
    "Book chapter": "Chapter",
    "Image": "ImageObject",
    "Video": "VideoObject",
    "Recording, musical": "MusicRecording",
    "Thesis": "Thesis",
    "Technical Report": "Report",
    "Map": "Map",
    "Preprint": "ScholarlyArticle",
    "Presentation": "PresentationDigitalDocument",
}
# The schema.org type a DataCite resourceTypeGeneral should be announced as; absent: any type will do.
EXPECTED_SCHEMA_TYPES = {
    "Dataset": ("Dataset",),
    "Software": ("SoftwareSourceCode", "SoftwareApplication"),
    "Image": ("ImageObject",),
    "JournalArticle": ("ScholarlyArticle",),
}
DERIVATION = frozenset({"IsDerivedFrom", "IsCompiledBy", "IsSourceOf", "IsVersionOf", "IsNewVersionOf", "Requires"})


def fix(ev: Evidence, folder: str, repository: str) -> str:
    """Return the advice for the mode: what to write in the artefact folder, or what to fix in the repository."""
    return folder if ev.mode == "artefact" else repository


@dataclass(frozen=True)
class Relation:
    identifier: str
    relation_type: str | None  # DataCite relationType, or the dc.relation qualifier
    resource_type: str | None
    identifier_type: str | None


_DC_RELATIONS = {
    "dc.relation.isbasedon": "IsDerivedFrom",
    "dc.relation.isreferencedby": "IsReferencedBy",
    "dc.relation.isversionof": "IsNewVersionOf",
    "dc.relation.ispartof": "IsPartOf",
    "dc.relation.haspart": "HasPart",
    "dc.relation.references": "References",
    "dc.relation.requires": "Requires",
    "dc.relation.isformatof": "IsVariantFormOf",
}


def relations(ev: Evidence) -> list[Relation]:
    """Return the record's relations: DataCite relatedIdentifiers, else the dc.relation fields."""
    out = [
        Relation(
            str(r.get("relatedIdentifier", "")),
            r.get("relationType"),
            r.get("resourceTypeGeneral"),
            r.get("relatedIdentifierType"),
        )
        for r in ev.record.get("relatedIdentifiers") or []
        if isinstance(r, dict) and r.get("relatedIdentifier")
    ]
    if out:
        return out
    for field, values in ev.dc.items():
        if not field.startswith("dc.relation") or field == "dc.relation.projectID":
            continue
        for value in values:
            if value.startswith(vocab.GRANT_AGREEMENT):
                continue
            kind = "DOI" if bare_doi(value) else "Handle" if bare_handle(value) else "URL"
            out.append(Relation(value, _DC_RELATIONS.get(field), None, kind if value.startswith("http") else None))
    return out


def grant_agreements(ev: Evidence) -> list[str]:
    values = ev.values("dc.relation*") + [
        str(f.get("awardUri") or "") for f in ev.record.get("fundingReferences") or [] if isinstance(f, dict)
    ]
    return sorted({v for v in values if v.startswith(vocab.GRANT_AGREEMENT)})


def rights_entries(ev: Evidence) -> list[dict[str, Any]]:
    return [r for r in ev.record.get("rightsList") or [] if isinstance(r, dict)]


def licence_values(ev: Evidence) -> list[str]:
    """Return every value that states a licence (not an access right), repository fields and DataCite."""
    values = ev.values("dc.rights.uri", "dc.rights.license", "dc.rights.licence")
    values += [v for v in ev.values("dc.rights") if not vocab.access_term(v)]
    for r in rights_entries(ev):
        uri = str(r.get("rightsUri") or "")
        if uri and vocab.access_term(uri):
            continue
        values.append(uri or str(r.get("rightsIdentifier") or r.get("rights") or ""))
    return [v for v in values if v.strip()]


def access_values(ev: Evidence) -> list[str]:
    """Return the access rights stated (openAccess, embargoedAccess, …) in dc.rights and DataCite."""
    found = [vocab.access_term(v) for v in ev.values("dc.rights*")]
    found += [vocab.access_term(str(r.get("rightsUri") or "")) for r in rights_entries(ev)]
    return list(dict.fromkeys(a for a in found if a))


def person_creators(ev: Evidence) -> list[str]:
    """Return the creators that are persons ("Family, Given" in DSpace, nameType Personal in DataCite)."""
    if ev.dc.get("dc.contributor.author"):  # the repository's own record first
        return [a for a in ev.values("dc.contributor.author") if "," in a]
    return [
        str(c.get("name"))
        for c in ev.record.get("creators") or []
        if isinstance(c, dict) and c.get("nameType", "Personal") == "Personal"
    ]


def orcid_named(ev: Evidence) -> set[str]:
    """Return the names (Family, Given) the repository pairs with an ORCID iD (Digital.CSIC's `Name [iD]` form)."""
    out = set()
    for value in ev.values("dc.contributor.orcid", "dc.identifier.orcid"):
        name, _, rest = value.partition("[")
        if rest:
            out.add(name.strip())
    return out


def datacite_orcids(ev: Evidence) -> tuple[int, int]:
    """Return (person creators with an ORCID nameIdentifier, person creators) of the DataCite record."""
    persons = [
        c for c in ev.record.get("creators") or [] if isinstance(c, dict) and c.get("nameType") != "Organizational"
    ]
    with_id = [
        c
        for c in persons
        if any(
            str(i.get("nameIdentifierScheme", "")).upper() == "ORCID"
            for i in c.get("nameIdentifiers") or []
            if isinstance(i, dict)
        )
    ]
    return len(with_id), len(persons)


def schema_types(ev: Evidence) -> list[str]:
    """Return the schema.org type names the level-1 `type` links announce (AboutPage included)."""
    out = []
    for link in item_links(ev):
        if link.rel == "type":
            out.append(link.href.rstrip("/").rsplit("/", 1)[-1])
    return out


def item_links(ev: Evidence) -> list[Any]:
    """Return the item's typed links: level 1 (Link header, else HTML), else the linkset's for the landing page."""
    level1 = [link for link in ev.all_links() if link.rel != "linkset"]
    return level1 or [n for n in ev.linkset if n.anchor in (None, ev.landing_url)]
