"""Read CITATION.cff (Citation File Format 1.2.0) into Metadata field names.

Translated: title, authors (persons and entities; exact repeats once), contact (as ContactPerson contributors),
license, version, date-released (a partial YYYY-MM kept at its precision, with a warning), abstract, keywords.
No DOI or URL here is the deposit's own identifier (the file describes another work): each becomes a related
identifier with a role the kind's mapping resolves — ``doi`` and ``identifiers`` of type doi (and url off a
forge, repository-artifact, url) ``described_work`` (a concept DOI ``concept``); repository-code, forge URLs
and SWHIDs ``code``; preferred-citation (doi, else
url) ``paper``; references' DOIs ``reference``. An identifier of type ``other`` is dropped with a warning
unless it carries a ``relation`` key naming a DataCite relationType (kept as written). Title and authors
found only in preferred-citation are used, with a warning. ``type`` is not translated: ``kind`` names the
crosswalk.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bridge.artifact import checks
from bridge.artifact.foreign import foreign, url_role
from bridge.artifact.read_common import Lines, Source, as_list, load_document, text_or_none

CFF_FILE = "CITATION.cff"
KNOWN_CFF_VERSIONS = ("1.1.0", "1.2.0")


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


def _unique(people: list[dict[str, Any]], source: Source, lines: Lines) -> list[dict[str, Any]]:
    """Drop exact repeats of an author (same names and ORCID), with one warning naming them."""
    out: list[dict[str, Any]] = []
    repeated: list[str] = []
    seen: set[tuple[Any, ...]] = set()
    for person in people:
        key = tuple(str(person.get(k) or "").casefold() for k in ("family_name", "given_name", "name", "orcid"))
        if key in seen:
            repeated.append(person.get("name") or f"{person.get('family_name')}, {person.get('given_name')}")
            continue
        seen.add(key)
        out.append(person)
    if repeated:
        source.warn(
            f"authors listed more than once were kept once: {'; '.join(repeated)}",
            field="creators",
            line=lines.get("authors"),
        )
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


_CITATION_TYPES = {  # CFF reference type -> DataCite resourceTypeGeneral of the cited paper
    "article": "JournalArticle",
    "conference-paper": "ConferencePaper",
    "proceedings": "ConferenceProceeding",
    "book": "Book",
    "thesis": "Dissertation",
    "report": "Report",
    "preprint": "Preprint",
}


def _written_relation(ident: dict[str, Any]) -> str | None:
    """Return a DataCite relationType written in an identifier's non-standard ``relation`` key, if it names one."""
    value = text_or_none(ident.get("relation"))
    if not value:
        return None
    try:
        return checks.check_relation_type(value)
    except ValueError:
        return None


def _doi_role(description: str) -> str:
    """Return the role of a typed DOI from its description: a concept DOI, a previous version, else the work."""
    text = description.casefold()
    if "concept" in text or "all versions" in text:
        return "concept"
    if "previous version" in text or "earlier version" in text:
        return "previous_version"
    return "described_work"


def _identifier(ident: dict[str, Any], src: str, source: Source) -> dict[str, Any] | None:
    """Translate one typed CFF identifier (doi, url, swh, other) into a related item, or None with a warning."""
    kind = str(ident.get("type", "")).strip().lower()
    value = text_or_none(ident.get("value"))
    if not value:
        return None
    where = f"{source.file}: {src}"
    written = _written_relation(ident)
    if kind == "doi":
        item = foreign(value, _doi_role(text_or_none(ident.get("description")) or ""), where, identifier_type="DOI")
    elif kind == "url":
        item = foreign(value, url_role(value), where, identifier_type="URL")
        if item["relation_type"] == "code":
            item["resource_type_general"] = "Software"
    elif kind == "swh":
        # DataCite has no SWHID type; the Software Heritage archive resolves it as a URL.
        url = f"https://archive.softwareheritage.org/{value}"
        item = foreign(url, "code", where, identifier_type="URL", resource_type_general="Software")
    else:
        if written is None:
            source.warn(
                f"{src} ({kind or 'untyped'} identifier {value}) is not used: it names neither this deposit nor a "
                "work with a known relation to it; add it to related in publish.yaml with a relation_type if it is one",
                field="related",
            )
            return None
        item = foreign(value, written, where)
    if written:
        item["relation_type"] = written  # the file's own word, when it is a DataCite relationType
    return item


def _related(doc: dict[str, Any], source: Source, lines: Lines) -> list[dict[str, Any]]:
    """Collect related identifiers: every DOI and URL the file gives names another work, never this deposit."""
    related: list[dict[str, Any]] = []

    def add(item: dict[str, Any] | None, src: str) -> None:
        if item is None:
            return
        lines.copy_to(source, f"related.{len(related)}", src)
        related.append(item)

    doi = text_or_none(doc.get("doi"))
    if doi:
        add(foreign(doi, "described_work", f"{source.file}: doi", identifier_type="DOI"), "doi")
    for index, ident in enumerate(as_list(doc.get("identifiers"))):
        if isinstance(ident, dict):
            add(_identifier(ident, f"identifiers.{index}", source), f"identifiers.{index}")
    code = text_or_none(doc.get("repository-code"))
    if code:
        add(
            foreign(code, "code", f"{source.file}: repository-code", resource_type_general="Software"),
            "repository-code",
        )
    for key in ("repository-artifact", "url"):  # a package index page, a homepage or the forge: another work
        value = text_or_none(doc.get(key))
        if value:
            role = url_role(value)
            general = "Software" if role == "code" else None
            where = f"{source.file}: {key}"
            add(foreign(value, role, where, identifier_type="URL", resource_type_general=general), key)
    for index, ref in enumerate(as_list(doc.get("references"))):
        ref_doi = text_or_none(ref.get("doi")) if isinstance(ref, dict) else None
        if ref_doi:
            where = f"{source.file}: references.{index}.doi"
            add(foreign(ref_doi, "reference", where, identifier_type="DOI"), f"references.{index}")
    cited = doc.get("preferred-citation")
    if isinstance(cited, dict):
        general = _CITATION_TYPES.get(str(cited.get("type", "")).lower())
        role = "described_work" if str(cited.get("type", "")).lower() == "software" else "paper"
        for key in ("doi", "url"):
            value = text_or_none(cited.get(key))
            if value:
                where = f"{source.file}: preferred-citation.{key}"
                kind = "DOI" if key == "doi" else "URL"
                item = foreign(value, role, where, identifier_type=kind, resource_type_general=general)
                add(item, f"preferred-citation.{key}")
                break
    return related


def _check_version(doc: dict[str, Any], source: Source, lines: Lines) -> None:
    version = text_or_none(doc.get("cff-version"))
    if version not in KNOWN_CFF_VERSIONS:
        known = ", ".join(KNOWN_CFF_VERSIONS)
        source.warn(
            f"cff-version {version or '(missing)'} is not one the bridge knows ({known}); "
            "read as 1.2.0: check the result with bridge validate --json",
            field="cff-version",
            line=lines.get("cff-version"),
        )


def _date(value: Any, source: Source, lines: Lines) -> Any:
    """Return date-released; a year written as a number becomes text (the checks keep YYYY-MM / YYYY precision)."""
    if value in ("", None):
        return None
    if isinstance(value, int) and not isinstance(value, bool) and 1000 <= value <= 9999:
        return str(value)
    return value


def _from_preferred_citation(doc: dict[str, Any], source: Source, lines: Lines) -> dict[str, Any]:
    """Fill title/authors/abstract missing at the top level from preferred-citation, with a warning."""
    cited = doc.get("preferred-citation")
    if not isinstance(cited, dict):
        return doc
    taken = [key for key in ("title", "authors", "abstract") if key not in doc and key in cited]
    if not taken or ("title" in doc and "authors" in doc):
        return doc
    source.warn(
        f"{', '.join(taken)} read from preferred-citation (the top level of the file has none): "
        "the deposit is described with the cited work's metadata; check title and creators",
        field=taken[0] if taken[0] != "authors" else "creators",
        line=lines.get("preferred-citation"),
    )
    for key in taken:
        lines.table[key] = lines.get(f"preferred-citation.{key}") or 0
        for path, line in list(lines.table.items()):
            if path.startswith(f"preferred-citation.{key}."):
                lines.table[key + path[len(f"preferred-citation.{key}") :]] = line
    return {**doc, **{key: cited[key] for key in taken}}


def read_cff(path: Path) -> Source:
    """Read a CITATION.cff file."""
    source = Source(file=path.name)
    doc, lines = load_document(path, source, "yaml")
    if not doc:
        return source
    _check_version(doc, source, lines)
    doc = _from_preferred_citation(doc, source, lines)
    data: dict[str, Any] = {}

    def take(key: str, target: str, value: Any) -> None:
        if value is not None and value != []:
            data[target] = value
            lines.copy_to(source, target, key)

    take("title", "title", text_or_none(doc.get("title")))
    take("abstract", "description", text_or_none(doc.get("abstract")))
    take("version", "version", text_or_none(doc.get("version")))  # CFF allows numbers here
    take("date-released", "date_released", _date(doc.get("date-released"), source, lines))
    if "authors" in doc:
        people = _unique(_people(doc["authors"], "authors", "creators", source, lines), source, lines)
        take("authors", "creators", people)
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
