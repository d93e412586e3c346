"""Read CITATION.cff (Citation File Format 1.2.0) into Metadata field names.

Translated: title, authors (persons and entities), contact (as ContactPerson contributors), license,
version, date-released, abstract, keywords, doi, identifiers (doi/url/swh as IsIdenticalTo),
repository-code (IsCompiledBy), references with a DOI (References) and preferred-citation with a DOI
(IsDocumentedBy). ``type`` is not translated: ``kind`` in publish.yaml names the crosswalk.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bridge.artifact.read_common import Lines, Source, as_list, load_document, text_or_none

CFF_FILE = "CITATION.cff"


def _creator(entry: Any, src: str, dst: str, source: Source, lines: Lines) -> dict[str, Any] | None:
    """Translate one CFF person or entity; record a problem when it is neither."""
    if not isinstance(entry, dict):
        source.problem(
            f"{src} must be a person (family-names, given-names) or an entity (name)", field=dst, line=lines.get(src)
        )
        return None
    family = text_or_none(entry.get("family-names"))
    given = text_or_none(entry.get("given-names"))
    particle = text_or_none(entry.get("name-particle"))
    out: dict[str, Any] = {}
    if family or given:
        if family:
            out["family_name"] = f"{particle} {family}" if particle else family
        if given:
            out["given_name"] = given
        if not family:
            out["name"] = given  # a mononym
    elif text_or_none(entry.get("name")):
        out["name"] = text_or_none(entry.get("name"))
        out["name_type"] = "Organizational"
    else:
        source.problem(
            f"{src} has neither family-names/given-names nor name; give the person's names or the entity's name",
            field=dst,
            line=lines.get(src),
        )
        return None
    lines.copy_to(source, dst, src)
    orcid = text_or_none(entry.get("orcid"))
    if orcid:
        out["orcid"] = orcid
        lines.copy_to(source, f"{dst}.orcid", f"{src}.orcid")
    affiliation = text_or_none(entry.get("affiliation"))
    if affiliation:
        out["affiliation"] = [{"name": affiliation}]
        lines.copy_to(source, f"{dst}.affiliation.0", f"{src}.affiliation")
    return out


def _people(raw: Any, key: str, target: str, source: Source, lines: Lines, role: str | None = None) -> list[Any]:
    """Translate a CFF list of persons/entities into creators or contributors."""
    out: list[Any] = []
    if not isinstance(raw, list):
        source.problem(f"{key} must be a list of persons or entities", field=target, line=lines.get(key))
        return out
    for index, entry in enumerate(raw):
        creator = _creator(entry, f"{key}.{index}", f"{target}.{len(out)}", source, lines)
        if creator is not None:
            if role:
                creator["contributor_type"] = role
            out.append(creator)
    return out


def _related(doc: dict[str, Any], source: Source, lines: Lines) -> list[dict[str, Any]]:
    """Collect related identifiers from identifiers, repository-code, references and preferred-citation."""
    related: list[dict[str, Any]] = []
    own_doi = (text_or_none(doc.get("doi")) or "").lower()

    def add(identifier: str, id_type: str, relation: str, src: str, general: str | None = None) -> None:
        item: dict[str, Any] = {"identifier": identifier, "identifier_type": id_type, "relation_type": relation}
        if general:
            item["resource_type_general"] = general
        lines.copy_to(source, f"related.{len(related)}", src)
        related.append(item)

    for index, ident in enumerate(as_list(doc.get("identifiers"))):
        if not isinstance(ident, dict):
            continue
        kind = str(ident.get("type", "")).lower()
        value = text_or_none(ident.get("value"))
        src = f"identifiers.{index}"
        if not value:
            continue
        if kind == "doi" and value.lower() != own_doi:
            add(value, "DOI", "IsIdenticalTo", src)
        elif kind == "url":
            add(value, "URL", "IsIdenticalTo", src)
        elif kind == "swh":
            # DataCite has no SWHID type; the Software Heritage archive resolves it as a URL.
            add(f"https://archive.softwareheritage.org/{value}", "URL", "IsIdenticalTo", src, "Software")
    code = text_or_none(doc.get("repository-code"))
    if code:
        add(code, "URL", "IsCompiledBy", "repository-code", "Software")
    for index, ref in enumerate(as_list(doc.get("references"))):
        doi = text_or_none(ref.get("doi")) if isinstance(ref, dict) else None
        if doi:
            add(doi, "DOI", "References", f"references.{index}")
    cited = doc.get("preferred-citation")
    doi = text_or_none(cited.get("doi")) if isinstance(cited, dict) else None
    if doi and doi.lower() != own_doi:
        add(doi, "DOI", "IsDocumentedBy", "preferred-citation")
    return related


def read_cff(path: Path) -> Source:
    """Read a CITATION.cff file."""
    source = Source(file=path.name)
    doc, lines = load_document(path, source, "yaml")
    data: dict[str, Any] = {}

    def take(key: str, target: str, value: Any) -> None:
        if value is not None and value != []:
            data[target] = value
            lines.copy_to(source, target, key)

    take("title", "title", text_or_none(doc.get("title")))
    take("abstract", "description", text_or_none(doc.get("abstract")))
    take("version", "version", text_or_none(doc.get("version")))  # CFF allows numbers here
    take("doi", "doi", text_or_none(doc.get("doi")))
    released = doc.get("date-released")
    take("date-released", "date_released", released if released not in ("", None) else None)
    if "authors" in doc:
        take("authors", "creators", _people(doc["authors"], "authors", "creators", source, lines))
    if "contact" in doc:
        contacts = _people(doc["contact"], "contact", "contributors", source, lines, role="ContactPerson")
        take("contact", "contributors", contacts)
    licenses = [x for x in map(text_or_none, as_list(doc.get("license"))) if x]
    if len(licenses) > 1:
        source.problem(
            f"lists several licences ({', '.join(licenses)}); the repository records one: "
            "set license to one SPDX id in publish.yaml",
            field="license",
            line=lines.get("license"),
        )
    elif licenses:
        take("license", "license", licenses[0])
    keywords = [text_or_none(k) for k in as_list(doc.get("keywords"))]
    take("keywords", "keywords", [k for k in keywords if k])
    related = _related(doc, source, lines)
    if related:
        data["related"] = related
    source.data = data
    return source
