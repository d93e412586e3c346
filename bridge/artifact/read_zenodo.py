"""Read a ``.zenodo.json`` (Zenodo's legacy deposit metadata) into Metadata field names.

Translated: title, description, method (methods), creators and contributors ("Family, Given" names),
access_right/embargo_date/access_conditions (access), license (id or {id}), keywords, subjects,
related_identifiers (camelCase relations capitalised, scheme -> identifier_type, Zenodo resource
type -> resourceTypeGeneral; the mapping's [source_relations] rewrites relations that cannot be true of the
new deposit), grants (funding), version, publication_date (date_released) and language. HTML descriptions
become plain-text paragraphs (lxml.html). ``doi`` names the Zenodo record the file describes: it becomes a
related identifier (role ``described_work``), never the deposit's DOI. An ``orcid`` that is no ORCID iD and
a contributor with an empty name are left out with a warning.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path
from typing import Any

from bridge.artifact import checks
from bridge.artifact.foreign import foreign, html_to_text, looks_like_html
from bridge.artifact.read_common import Lines, Source, as_list, load_document, text_or_none

ZENODO_FILE = ".zenodo.json"

# Crossref Funder IDs that .zenodo.json grants commonly use; others must be named in publish.yaml.
KNOWN_FUNDERS = {
    "10.13039/501100000780": "European Commission",
    "10.13039/501100000781": "European Research Council",
    "10.13039/501100011033": "Agencia Estatal de Investigación",
    "10.13039/100000001": "National Science Foundation",
}
EC_FUNDER = "10.13039/501100000780"
_ORCID_LIKE = re.compile(r"\d{4}-?\d{4}-?\d{4}-?\d{3}[\dXx]")
_PLACEHOLDERS = {"unknown affiliation", "unknown", "none", "n/a", "-"}

# Contributor types that only an organisation can have; Zenodo has no other way to say so.
_ORGANISATION_ROLES = {
    "HostingInstitution",
    "Distributor",
    "RegistrationAgency",
    "RegistrationAuthority",
    "ResearchGroup",
}

# Zenodo upload/resource type (the part before '-') -> DataCite resourceTypeGeneral.
_RESOURCE_TYPES = {
    "publication": "Text",
    "poster": "Text",
    "presentation": "Text",
    "dataset": "Dataset",
    "image": "Image",
    "video": "Audiovisual",
    "software": "Software",
    "lesson": "InteractiveResource",
    "physicalobject": "PhysicalObject",
    "workflow": "Workflow",
    "model": "Model",
    "other": "Other",
}


def _person(entry: Any, src: str, dst: str, source: Source, lines: Lines) -> dict[str, Any] | None:
    """Translate one Zenodo creator/contributor ({name: "Family, Given", affiliation, orcid, type})."""
    name = text_or_none(entry.get("name")) if isinstance(entry, dict) else None
    if not name:
        if isinstance(entry, dict) and "name" in entry and src.startswith("contributors"):
            source.warn(f"{src} has an empty name and is left out", field=dst.rsplit(".", 1)[0], line=lines.get(src))
            return None
        source.problem(f'{src} needs a name ("Family, Given")', field=dst, line=lines.get(src))
        return None
    out: dict[str, Any] = {"name": name}
    family, comma, given = name.partition(",")
    if comma and family.strip():
        out["family_name"] = family.strip()
        if given.strip():
            out["given_name"] = given.strip()
    lines.copy_to(source, dst, src)
    orcid = text_or_none(entry.get("orcid"))
    if orcid and not _ORCID_LIKE.search(orcid):
        # Real files put other things here (mriqc: an affiliation); that is not an ORCID iD typed wrongly.
        where = lines.get(f"{src}.orcid")
        source.warn(f"{src}.orcid {orcid!r} is not an ORCID iD and is left out", field=dst, line=where)
    elif orcid:
        out["orcid"] = orcid
        lines.copy_to(source, f"{dst}.orcid", f"{src}.orcid")
    affiliation = text_or_none(entry.get("affiliation"))
    if affiliation and affiliation.casefold() in _PLACEHOLDERS:
        affiliation = None
    if affiliation:
        out["affiliation"] = [{"name": affiliation}]
        lines.copy_to(source, f"{dst}.affiliation.0", f"{src}.affiliation")
    role = text_or_none(entry.get("type"))
    if role:
        out["contributor_type"] = role
        if not comma and role in _ORGANISATION_ROLES:
            out["name_type"] = "Organizational"
    return out


def _people(doc: dict[str, Any], key: str, target: str, source: Source, lines: Lines) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for index, entry in enumerate(as_list(doc.get(key))):
        person = _person(entry, f"{key}.{index}", f"{target}.{len(out)}", source, lines)
        if person is not None:
            out.append(person)
    return out


def _related(doc: dict[str, Any], source: Source, lines: Lines) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for index, entry in enumerate(as_list(doc.get("related_identifiers"))):
        src = f"related_identifiers.{index}"
        if not isinstance(entry, dict):
            source.problem(
                f"{src} must be an object with identifier and relation", field="related", line=lines.get(src)
            )
            continue
        item: dict[str, Any] = {"identifier": text_or_none(entry.get("identifier")) or ""}
        relation = text_or_none(entry.get("relation")) or ""
        # Zenodo writes relations in camelCase (isDerivedFrom); DataCite capitalises them. The relation is the
        # other project's statement about its record: the mapping's [source_relations] rewrites the untrue ones.
        item["relation_type"] = relation[:1].upper() + relation[1:]
        item["source"] = f"{source.file}: {src}"
        scheme = text_or_none(entry.get("scheme"))
        if scheme and scheme.lower() == "swh" and item["identifier"]:
            # DataCite has no SWHID type; the Software Heritage archive resolves it as a URL.
            item["identifier"] = f"https://archive.softwareheritage.org/{item['identifier']}"
            item["identifier_type"] = "URL"
        elif scheme:
            # A scheme DataCite does not list (e.g. ads) is dropped: validation detects the type from the value.
            with contextlib.suppress(ValueError):
                item["identifier_type"] = checks.check_identifier_type(scheme)
        general = _RESOURCE_TYPES.get((text_or_none(entry.get("resource_type")) or "").split("-")[0])
        if general:
            item["resource_type_general"] = general
        lines.copy_to(source, f"related.{len(out)}", src)
        out.append(item)
    return out


def _funding(doc: dict[str, Any], source: Source, lines: Lines) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for index, grant in enumerate(as_list(doc.get("grants"))):
        src = f"grants.{index}"
        grant_id = text_or_none(grant.get("id")) if isinstance(grant, dict) else None
        if not grant_id:
            source.problem(
                f'{src} needs an id such as "10.13039/501100000780::777435"', field="funding", line=lines.get(src)
            )
            continue
        funder, sep, award = grant_id.partition("::")
        if not sep:  # legacy Zenodo grants: a bare number means a European Commission grant
            funder, award = EC_FUNDER, grant_id
        name = KNOWN_FUNDERS.get(funder.strip())
        if name is None:
            source.problem(
                f"{src}: the funder {funder} is not one the bridge knows by name; "
                "give this grant under funding (funder_name, funder_id, award_number) in publish.yaml",
                field="funding",
                line=lines.get(src),
            )
            continue
        lines.copy_to(source, f"funding.{len(out)}", src)
        out.append(
            {
                "funder_name": name,
                "funder_id": f"https://doi.org/{funder.strip()}",
                "funder_id_type": "Crossref Funder ID",
                "award_number": award.strip(),
            }
        )
    return out


def read_zenodo(path: Path) -> Source:
    """Read a .zenodo.json file."""
    source = Source(file=path.name)
    doc, lines = load_document(path, source, "json")
    data: dict[str, Any] = {}

    def take(target: str, value: Any, src: str) -> None:
        if value is not None and value != [] and value != {}:
            data[target] = value
            lines.copy_to(source, target, src)

    for key, target in (
        ("title", "title"),
        ("description", "description"),
        ("method", "methods"),
        ("version", "version"),
        ("publication_date", "date_released"),
        ("language", "language"),
    ):
        value = text_or_none(doc.get(key))
        if value and key in ("description", "method") and looks_like_html(value):
            value = html_to_text(value)  # Zenodo descriptions are HTML by design; DataCite and DC want text
        take(target, value, key)
    license_ = doc.get("license")
    take("license", text_or_none(license_.get("id") if isinstance(license_, dict) else license_), "license")
    take("creators", _people(doc, "creators", "creators", source, lines), "creators")
    take("contributors", _people(doc, "contributors", "contributors", source, lines), "contributors")
    if "access_right" in doc:
        access = {"status": text_or_none(doc.get("access_right"))}
        if text_or_none(doc.get("embargo_date")):
            access["embargo_until"] = text_or_none(doc.get("embargo_date"))
            lines.copy_to(source, "access.embargo_until", "embargo_date")
        if text_or_none(doc.get("access_conditions")):
            access["reason"] = text_or_none(doc.get("access_conditions"))
        take("access", access, "access_right")
    take("keywords", [k for k in (text_or_none(x) for x in as_list(doc.get("keywords"))) if k], "keywords")
    subjects = [
        {"term": text_or_none(s.get("term")), **({"value_uri": s["identifier"]} if s.get("identifier") else {})}
        for s in as_list(doc.get("subjects"))
        if isinstance(s, dict) and text_or_none(s.get("term"))
    ]
    take("subjects", subjects, "subjects")
    related = _related(doc, source, lines)
    doi = text_or_none(doc.get("doi"))
    if doi:  # the DOI of the Zenodo record this file describes, not of the new deposit
        lines.copy_to(source, f"related.{len(related)}", "doi")
        related.append(foreign(doi, "described_work", f"{source.file}: doi", identifier_type="DOI"))
    take("related", related, "related_identifiers")
    take("funding", _funding(doc, source, lines), "grants")
    source.data = data
    return source
