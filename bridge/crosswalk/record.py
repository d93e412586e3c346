"""Build and validate THE middle record: a DataCite dict in the `datacite` package's 4.5 JSON style.

Every rendering (DataCite XML and JSON, oai_datacite, oai_dc, the DSpace map) reads only this dict,
and what is harvested back is compared with it. Values that DataCite has no field for are kept in
DataCite's own terms: the landing page is ``url`` (the DOI's REST target), the Handle an
alternateIdentifier of type ``Handle``, an EC programme (Funding.program, else the mapping's
default when no award URI is given) the awardUri ``info:eu-repo/grantAgreement/EC/<program>/<n>``.

Identifier rule: ``doi`` is set only when a DOI is known (given here or in the metadata). The JSON
schema allows a record without one, but the DataCite XSD requires ``<identifier>``, so the XML
renderings refuse such a record unless asked for a preview (see ``datacite.to_datacite_xml``).
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

from bridge.artifact.foreign import related_key
from bridge.artifact.model import Artifact, Creator, Metadata, RelatedIdentifier
from bridge.crosswalk import identifiers, licenses, openaire, vocab
from bridge.crosswalk.mapping import Mapping
from bridge.errors import MetadataError, Problem, UsageError

T = TypeVar("T")
ORCID_SCHEME = {"nameIdentifierScheme": "ORCID", "schemeUri": "https://orcid.org"}
ROR_SCHEME = {"affiliationIdentifierScheme": "ROR", "schemeUri": "https://ror.org"}


class _Problems:
    """Collect every problem before raising, naming the metadata file a field came from."""

    def __init__(self, artifact: Artifact) -> None:
        self.provenance = artifact.provenance
        self.first_source = artifact.sources[0] if artifact.sources else None
        self.items: list[Problem] = []

    def add(self, field: str, message: str, *, missing: bool = False) -> None:
        """Record a problem; a missing field is reported against the highest-precedence file (where to add it)."""
        top = field.split(".", 1)[0]
        file = self.provenance.get(top) or (self.first_source if missing else None)
        self.items.append(Problem(message=message, file=file, field=field))

    def check(self, field: str, check: Callable[..., T], *args: Any) -> T | None:
        """Return check(*args), or record its ValueError under field and return None."""
        try:
            return check(*args)
        except ValueError as exc:
            self.add(field, str(exc))
            return None


def build_record(
    artifact: Artifact,
    mapping: Mapping,
    *,
    doi: str | None = None,
    landing_url: str | None = None,
    handle: str | None = None,
    publication_year: str | None = None,
) -> dict[str, Any]:
    """Return the validated DataCite record of an artefact under a mapping."""
    md = artifact.metadata
    problems = _Problems(artifact)
    record: dict[str, Any] = {"schemaVersion": vocab.SCHEMA_VERSION}

    doi_value = doi or md.doi
    if doi_value and (bare := problems.check("doi", identifiers.check_doi, doi_value)):
        record["doi"] = bare
    if landing_url or md.landing_url:
        record["url"] = landing_url or md.landing_url
    if handle:
        try:
            bare_handle = identifiers.check_handle(handle)
        except ValueError as exc:
            raise UsageError(str(exc)) from exc
        record["alternateIdentifiers"] = [{"alternateIdentifier": bare_handle, "alternateIdentifierType": "Handle"}]

    language = md.language or mapping.defaults.language
    lang = {"lang": language} if language else {}
    record["creators"] = [_person(c, f"creators.{i}", problems) for i, c in enumerate(md.creators)]
    record["titles"] = [{"title": md.title, **lang}]
    record["publisher"] = _publisher(md, mapping, problems)
    record["publicationYear"] = _publication_year(md, publication_year)
    record["types"] = {
        "resourceTypeGeneral": mapping.datacite.resource_type_general,
        "resourceType": mapping.datacite.resource_type,
    }
    _optional(record, "contributors", _contributors(md, problems))
    _optional(record, "dates", _dates(md))
    _optional(record, "subjects", _subjects(md, mapping))
    _optional(record, "descriptions", _descriptions(md, lang))
    _optional(record, "rightsList", _rights(md, mapping, problems))
    _optional(record, "fundingReferences", _funding(md, mapping, problems))
    _optional(record, "relatedIdentifiers", _related(md, mapping, problems, record.get("doi")))
    if md.version:
        record["version"] = md.version
    if language:
        record["language"] = language
    _optional(record, "sizes", _sizes(artifact))
    _optional(record, "formats", list(dict.fromkeys(f.media_type for f in artifact.files if f.media_type)))

    if not problems.items:
        for message in validate_record(record):
            problems.add("datacite", message)
    if problems.items:
        raise MetadataError(problems.items, hint="fix these fields in the artefact's metadata file")
    return record


def _optional(record: dict[str, Any], key: str, value: list[Any]) -> None:
    if value:
        record[key] = value


def _person(c: Creator, where: str, problems: _Problems) -> dict[str, Any]:
    out: dict[str, Any] = {"name": c.name, "nameType": c.name_type}
    if c.name_type == "Personal":
        if c.given_name:
            out["givenName"] = c.given_name
        if c.family_name:
            out["familyName"] = c.family_name
    if c.orcid and (orcid := problems.check(f"{where}.orcid", identifiers.check_orcid, c.orcid)):
        out["nameIdentifiers"] = [{"nameIdentifier": orcid, **ORCID_SCHEME}]
    affiliations = []
    for j, a in enumerate(c.affiliation):
        entry: dict[str, Any] = {"name": a.name}
        if a.ror and (ror := problems.check(f"{where}.affiliation.{j}.ror", identifiers.check_ror, a.ror)):
            entry.update(affiliationIdentifier=ror, **ROR_SCHEME)
        affiliations.append(entry)
    if affiliations:
        out["affiliation"] = affiliations
    return out


def _contributors(md: Metadata, problems: _Problems) -> list[dict[str, Any]]:
    out = []
    for i, c in enumerate(md.contributors):
        kind = vocab.canonical(c.contributor_type or "Other", vocab.CONTRIBUTOR_TYPE)
        if kind is None:
            problems.add(
                f"contributors.{i}.contributor_type",
                f"{c.contributor_type!r} is not a DataCite contributorType (e.g. ContactPerson, DataCurator, Other)",
            )
            continue
        out.append({**_person(c, f"contributors.{i}", problems), "contributorType": kind})
    return out


def _publisher(md: Metadata, mapping: Mapping, problems: _Problems) -> dict[str, Any]:
    source = md.publisher or mapping.defaults.publisher
    if source is None:
        problems.add("publisher", f"no publisher given and mapping {mapping.name!r} has no default")
        return {"name": "unknown"}
    out: dict[str, Any] = {"name": source.name}
    if source.ror and (ror := problems.check("publisher.ror", identifiers.check_ror, source.ror)):
        out.update(
            publisherIdentifier=ror,
            publisherIdentifierScheme="ROR",
            schemeUri="https://ror.org/",
        )
    return out


def _publication_year(md: Metadata, explicit: str | None) -> str:
    if explicit is not None:
        if not re.fullmatch(r"\d{4}", str(explicit)):
            raise UsageError(f"publication year {explicit!r} is not four digits")
        return str(explicit)
    if md.date_released:
        return _iso(md.date_released)[:4]
    return str(dt.datetime.now(dt.UTC).year)


def _iso(value: dt.date | str) -> str:
    """Return a date as DataCite writes it: YYYY-MM-DD, or YYYY-MM / YYYY when only that much is known."""
    return value if isinstance(value, str) else value.isoformat()


def _dates(md: Metadata) -> list[dict[str, str]]:
    out = []
    if md.date_released:
        out.append({"date": _iso(md.date_released), "dateType": "Issued"})
    if md.date_created:
        out.append({"date": md.date_created.isoformat(), "dateType": "Created"})
    if md.collected:
        out.append({"date": md.collected, "dateType": "Collected"})
    if md.access.status == "embargoed" and md.access.embargo_until:
        out.append({"date": md.access.embargo_until.isoformat(), "dateType": "Available"})
    return out


def _subjects(md: Metadata, mapping: Mapping) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    seen: set[tuple[str, str]] = set()

    def add(term: str, scheme: str | None, scheme_uri: str | None, value_uri: str | None) -> None:
        key = (term.casefold(), (scheme or "").casefold())
        if key in seen or not term:
            return
        seen.add(key)
        entry = {"subject": term}
        for name, value in (("subjectScheme", scheme), ("schemeUri", scheme_uri), ("valueUri", value_uri)):
            if value:
                entry[name] = value
        out.append(entry)

    for keyword in [*md.keywords, *mapping.defaults.keywords]:
        add(keyword, None, None, None)
    for s in md.subjects or mapping.defaults.subjects:
        add(s.term, s.scheme, s.scheme_uri, s.value_uri)
    return out


def _descriptions(md: Metadata, lang: dict[str, str]) -> list[dict[str, str]]:
    pairs = (("Abstract", md.description), ("Methods", md.methods), ("TechnicalInfo", md.technical_info))
    return [{"description": text, "descriptionType": kind, **lang} for kind, text in pairs if text]


def _rights(md: Metadata, mapping: Mapping, problems: _Problems) -> list[dict[str, str]]:
    # The model defaults access to open, so only an access block the artefact wrote counts as saying so.
    status = md.access.status if "access" in md.model_fields_set else mapping.defaults.access
    out = [{"rights": openaire.ACCESS_LABEL[status], "rightsUri": openaire.ACCESS_URI[status]}]
    if status == "open" and not md.license and not md.rights:
        problems.add(
            "license",
            "an open-access deposit needs a licence and no metadata file gives one: set license to an SPDX id "
            "(e.g. CC-BY-4.0) in publish.yaml, or access.status to restricted or closed",
            missing=True,
        )
    if not md.license and md.rights:
        # A licence with no SPDX id (a Hugging Face RAIL/Llama/Gemma licence): its name and link, no identifier.
        entry = {"rights": md.rights.name, "lang": "en"}
        if md.rights.url:
            entry["rightsUri"] = md.rights.url
        out.append(entry)
    if md.license and (found := problems.check("license", licenses.lookup, md.license)):
        out.append(
            {
                "rights": found.name,
                "rightsUri": found.url,
                "rightsIdentifier": found.spdx_id,
                "rightsIdentifierScheme": "SPDX",
                "schemeUri": licenses.SPDX_SCHEME_URI,
                "lang": "en",
            }
        )
    return out


def _funding(md: Metadata, mapping: Mapping, problems: _Problems) -> list[dict[str, str]]:
    out = []
    for i, f in enumerate(md.funding):
        ref: dict[str, str] = {"funderName": f.funder_name}
        where = f"funding.{i}.funder_id"
        funder = (
            problems.check(where, identifiers.check_funder_id, f.funder_id, f.funder_id_type) if f.funder_id else None
        )
        if funder:
            ref.update(funderIdentifier=funder[0], funderIdentifierType=funder[1])
        if f.award_number:
            ref["awardNumber"] = f.award_number
        # The awardUri is the only place a DataCite record can keep an EC programme, so the artefact's
        # programme takes it (as Zenodo does); a CORDIS page is derivable from the award number anyway.
        ec = f.award_number and openaire.is_european_commission(f.funder_name, ref.get("funderIdentifier"))
        program = f.program if f.program or f.award_uri else mapping.defaults.funding_program
        if ec and program:
            ref["awardUri"] = openaire.grant_agreement(program, f.award_number or "")
        elif f.award_uri:
            ref["awardUri"] = f.award_uri
        if f.award_title:
            ref["awardTitle"] = f.award_title
        out.append(ref)
    return out


PUBLISH_SOURCES = ("publish.yaml", "publish.yml", "publish.json")


def resolve_relation(r: RelatedIdentifier, mapping: Mapping) -> tuple[str | None, str | None]:
    """Return (DataCite relationType, role word or None) of one related identifier under a mapping.

    A role word (``code``, ``described_work`` …) is resolved by the mapping's [relations]; a relationType that
    another project's file wrote itself (its ``source`` is not publish.yaml) goes through the mapping's
    [source_relations], which rewrites the ones that cannot be true of the new deposit (IsIdenticalTo …).
    """
    relation = vocab.canonical(r.relation_type, vocab.RELATION_TYPE)
    if relation is not None:
        foreign = bool(r.source) and not str(r.source).startswith(PUBLISH_SOURCES)
        return (mapping.source_relation(relation) if foreign else relation), None
    rule = mapping.relation_for(r.relation_type)
    return (rule.relation_type if rule else None), r.relation_type.strip().casefold()


def related_sources(md: Metadata, mapping: Mapping, own_doi: str | None = None) -> list[dict[str, Any]]:
    """Return, for each related identifier the record carries, its relation and the file and field it came from."""
    out = []
    for r in md.related:
        relation, role = resolve_relation(r, mapping)
        if relation is None or _is_own(r.identifier, own_doi):
            continue
        file, _, field = (r.source or "").partition(": ")
        out.append(
            {
                "identifier": r.identifier,
                "relation_type": relation,
                "role": role,
                "file": file or None,
                "field": field or None,
            }
        )
    return out


def _is_own(identifier: str, own_doi: str | None) -> bool:
    return bool(own_doi) and related_key(identifier) == related_key(own_doi or "")


def _related(md: Metadata, mapping: Mapping, problems: _Problems, own_doi: str | None) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    seen: set[str] = set()
    for i, r in enumerate(md.related):
        where = f"related.{i}"
        relation, role = resolve_relation(r, mapping)
        if relation is None:
            roles = ", ".join(sorted(mapping.relations))
            problems.add(
                f"{where}.relation_type",
                f"{r.relation_type!r} is neither a DataCite relationType (e.g. IsDerivedFrom) "
                f"nor a role of mapping {mapping.name!r} ({roles})",
            )
            continue
        rule = mapping.relation_for(role) if role else None
        found = problems.check(f"{where}.identifier", identifiers.related, r.identifier, r.identifier_type)
        if found is None:
            continue
        value, kind = found
        key = related_key(value)
        if key in seen or _is_own(value, own_doi):
            continue  # one related identifier once; the deposit's own DOI is its identifier, not a relation
        seen.add(key)
        entry = {"relatedIdentifier": value, "relatedIdentifierType": kind, "relationType": relation}
        general = r.resource_type_general or (rule.resource_type_general if rule else None)
        if general:
            canon = vocab.canonical(general, vocab.RESOURCE_TYPE_GENERAL)
            if canon is None:
                problems.add(f"{where}.resource_type_general", f"{general!r} is not a resourceTypeGeneral")
                continue
            entry["resourceTypeGeneral"] = canon
        out.append(entry)
    return out


def _sizes(artifact: Artifact) -> list[str]:
    # One total rather than one entry per file: sizes must be unique and equal-sized files would collide.
    if not artifact.files:
        return []
    out = [f"{sum(f.size for f in artifact.files)} bytes"]
    if len(artifact.files) > 1:
        out.append(f"{len(artifact.files)} files")
    return out


def validate_record(record: dict[str, Any]) -> list[str]:
    """Return the record's schema errors as 'path: message', ignoring values only kernel 4.6 allows."""
    probe = _mask_46(copy.deepcopy(record))
    errors = []
    for error in sorted(_validator().iter_errors(probe), key=lambda e: list(map(str, e.absolute_path))):
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path).lstrip(".")
        errors.append(f"{path or '(record)'}: {error.message}")
    return errors


@cache
def _validator() -> Any:
    """The DataCite 4.5 JSON schema validator, with uniqueItems checked in linear time.

    jsonschema compares unsortable items (the subjects, creators… objects) pairwise, so 100,000
    keywords took minutes; hashing a canonical form gives the same verdict (1 == 1.0, True != 1).
    """
    import jsonschema.validators
    from datacite.schema45 import validator  # imported late: it costs most of a second at startup

    def unique_items(checker: Any, wanted: bool, instance: Any, schema: Any) -> Any:
        if wanted and checker.is_type(instance, "array"):
            seen: set[Any] = set()
            for item in instance:
                key = _canonical(item)
                if key in seen:
                    yield jsonschema.ValidationError(f"{_short_repr(item)} is not unique in the list")
                    return
                seen.add(key)

    linear = jsonschema.validators.extend(type(validator), {"uniqueItems": unique_items})
    # The schema's $refs are all internal ('#/definitions/…'): no resolver needed.
    return linear(validator.schema, format_checker=validator.format_checker)


def _canonical(value: Any) -> Any:
    """Return a hashable form equal exactly when jsonschema calls two JSON values equal."""
    if isinstance(value, dict):
        return ("object", frozenset((k, _canonical(v)) for k, v in value.items()))
    if isinstance(value, list):
        return ("array", tuple(_canonical(v) for v in value))
    if isinstance(value, bool):
        return ("bool", value)
    return value  # str, None, and numbers (1 and 1.0 hash and compare equal)


def _short_repr(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _mask_46(node: Any) -> Any:
    """Replace 4.6-only enum values by 4.5 stand-ins so the 4.5 JSON schema judges everything else."""
    if isinstance(node, list):
        return [_mask_46(item) for item in node]
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            only = vocab.ONLY_46.get(key)
            if only and isinstance(value, str) and value in only[0]:
                value = only[1]
            out[key] = _mask_46(value)
        return out
    return node
