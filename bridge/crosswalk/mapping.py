"""Declarative crosswalks: one TOML file per use case (``mappings/<kind>.toml``), validated here.

A mapping says what DataCite type an artefact kind gets, which defaults apply when the artefact is
silent, which relationType a role word (``dataset``, ``code``, ``paper`` …) stands for, and how the
oai_dc and DSpace renderings spell things. Everything not written in a file comes from the shared
defaults below, so a mapping file stays a dozen lines. Directories are searched in order (the
``Settings.mappings_dirs`` order: BRIDGE_MAPPINGS, BRIDGE_HOME/mappings, the built-in
``mappings/``) and the first file of a name wins.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bridge.artifact import checks
from bridge.crosswalk import identifiers, vocab
from bridge.errors import ConfigError, MetadataError, Problem

NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_FIELD = re.compile(r"^[a-z][a-z0-9]*\.[a-z][A-Za-z0-9]*(?:\.[A-Za-z][A-Za-z0-9]*)?$")
COAR_PREFIX = "http://purl.org/coar/resource_type/"
HINT = "see mappings/model-weights.toml for a commented example of every key"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _check(value: str | None, allowed: list[str], what: str) -> str | None:
    if value is None:
        return None
    found = vocab.canonical(value, allowed)
    if found is None:
        raise ValueError(f"{value!r} is not a DataCite 4.6 {what}")
    return found


class PublisherDefault(_Model):
    name: str = Field(min_length=1)
    ror: str | None = None

    @field_validator("ror")
    @classmethod
    def _ror(cls, value: str | None) -> str | None:
        return identifiers.check_ror(value) if value else None


class SubjectDefault(_Model):
    term: str = Field(min_length=1)
    scheme: str | None = None
    scheme_uri: str | None = None
    value_uri: str | None = None


class Defaults(_Model):
    """Values used when the artefact does not give its own."""

    publisher: PublisherDefault | None = None
    language: str | None = None
    access: Literal["open", "restricted", "closed"] = "open"
    subjects: list[SubjectDefault] = Field(default_factory=list)  # used when the artefact has none
    keywords: list[str] = Field(default_factory=list)  # always added to the artefact's keywords
    funding_program: str | None = None  # EC programme for info:eu-repo/grantAgreement, e.g. H2020

    @field_validator("language")
    @classmethod
    def _language(cls, value: str | None) -> str | None:
        return checks.check_language(value) if value is not None else None


class DataCiteSettings(_Model):
    resource_type_general: str
    resource_type: str = Field(min_length=1)

    @field_validator("resource_type_general")
    @classmethod
    def _rtg(cls, value: str) -> str:
        return _check(value, vocab.RESOURCE_TYPE_GENERAL, "resourceTypeGeneral") or value


class RelationRule(_Model):
    """What a role word in an artefact's related identifiers becomes."""

    relation_type: str
    resource_type_general: str | None = None

    @field_validator("relation_type")
    @classmethod
    def _relation(cls, value: str) -> str:
        return _check(value, vocab.RELATION_TYPE, "relationType") or value

    @field_validator("resource_type_general")
    @classmethod
    def _rtg(cls, value: str | None) -> str | None:
        return _check(value, vocab.RESOURCE_TYPE_GENERAL, "resourceTypeGeneral")


# Shared role defaults (datacite.md §0); a mapping's [relations] table overrides or adds roles.
# The readers of other projects' files (CITATION.cff, .zenodo.json, AI4OS, model cards) give every identifier
# they find one of these roles, never the deposit's own identifier (see bridge/artifact/foreign.py):
#   described_work  the work that file describes: CFF doi / identifiers (doi, url off a forge), .zenodo.json doi,
#                   AI4OS doi and links.zenodo_doi — the new deposit supplements it
#   code            CFF repository-code, a forge URL or SWHID in CFF identifiers, AI4OS source code
#   paper           CFF preferred-citation (doi, else url)
#   documentation   AI4OS links.documentation / links.citation, v1 cite_url
#   reference       CFF references (works the described work cites)
#   dataset         model-card datasets, AI4OS links.dataset / dataset_url
#   base_model      model-card base_model, AI4OS links.base_model
DEFAULT_RELATIONS: dict[str, dict[str, str]] = {
    "dataset": {"relation_type": "IsDerivedFrom", "resource_type_general": "Dataset"},
    "base_model": {"relation_type": "IsDerivedFrom", "resource_type_general": "Model"},
    "model": {"relation_type": "IsSourceOf", "resource_type_general": "Model"},
    "code": {"relation_type": "IsCompiledBy", "resource_type_general": "Software"},
    "runtime_code": {"relation_type": "Requires", "resource_type_general": "Software"},
    "paper": {"relation_type": "IsDocumentedBy", "resource_type_general": "JournalArticle"},
    "previous_version": {"relation_type": "IsNewVersionOf"},
    "concept": {"relation_type": "IsVersionOf"},
    "described_work": {"relation_type": "IsSupplementTo"},
    "documentation": {"relation_type": "IsDocumentedBy"},
    "reference": {"relation_type": "References"},
}
# A relation another project's file writes itself (.zenodo.json related_identifiers, a CFF identifier's
# `relation`) describes that project's record; these cannot be true of the new deposit and are rewritten
# (a mapping's [source_relations] table overrides or adds entries). Others are kept as written.
DEFAULT_SOURCE_RELATIONS: dict[str, str] = {
    "IsIdenticalTo": "IsSupplementTo",  # the other project's record, not this deposit
    "IsPartOf": "IsSupplementTo",  # e.g. mriqc's .zenodo.json: the software "isPartOf" its paper
    "HasPart": "References",
    "Documents": "IsDocumentedBy",  # mriqc: a documentation URL written as "documents" (direction reversed)
    "IsNewVersionOf": "IsSupplementTo",  # versions of the other project, not of this deposit
    "IsPreviousVersionOf": "IsSupplementTo",
    "HasVersion": "IsSupplementTo",
}


class OaiDcSettings(_Model):
    type: str = "info:eu-repo/semantics/other"  # the publication-type list has no dataset or model term
    type_text: str | None = None  # free-text dc:type after resourceTypeGeneral; default: resourceType

    @field_validator("type")
    @classmethod
    def _type(cls, value: str) -> str:
        if not value.startswith("info:eu-repo/semantics/"):
            raise ValueError("must be an info:eu-repo/semantics/… publication type, e.g. info:eu-repo/semantics/other")
        return value


class DSpaceFields(_Model):
    """The DSpace metadata field each element goes to; an empty string leaves the element out."""

    title: str = "dc.title"
    author: str = "dc.contributor.author"
    orcid: str = "dc.contributor.orcid"  # "Family, Given [0000-…]", as Digital.CSIC stores them
    contributor: str = "dc.contributor.other"
    date_issued: str = "dc.date.issued"
    date_created: str = "dc.date.created"
    date_embargo: str = "dc.date.embargo"
    collected: str = "dc.coverage.temporal"
    abstract: str = "dc.description.abstract"
    # No qualified field for these in DSpace's default registry; a repository with one may override.
    methods: str = "dc.description"
    technical_info: str = "dc.description"
    license: str = "dc.rights.license"
    license_uri: str = "dc.rights.uri"  # what DSpace 7.6+ signposting sends as the `license` link
    access_rights: str = "dc.rights"
    type: str = "dc.type"
    type_coar: str = "dc.type.coar"
    doi: str = "dc.identifier.doi"
    handle: str = "dc.identifier.uri"
    relation: str = "dc.relation.uri"  # any relationType not listed in [dspace.relation_fields]
    subject: str = "dc.subject"
    language: str = "dc.language.iso"
    publisher: str = "dc.publisher"
    version: str = "dc.description.version"
    funder: str = "dc.contributor.funder"
    funder_id: str = "dc.identifier.funder"
    project_id: str = "dc.relation.projectID"
    extent: str = "dc.format.extent"
    mimetype: str = "dc.format.mimetype"

    @field_validator("*")
    @classmethod
    def _field(cls, value: str) -> str:
        if value and not _FIELD.match(value):
            raise ValueError(f"{value!r} is not a DSpace field name (schema.element[.qualifier]) or ''")
        return value


DEFAULT_RELATION_FIELDS = {
    "IsDerivedFrom": "dc.relation.isbasedon",
    "IsReferencedBy": "dc.relation.isreferencedby",
    "IsNewVersionOf": "dc.relation.isversionof",
}
_COAR_BY_TYPE = {  # resourceTypeGeneral -> (dc.type as DSpace 7.6+ signposting spells it, COAR type)
    "Dataset": ("Dataset", COAR_PREFIX + "c_ddb1"),
    "Software": ("Software", COAR_PREFIX + "c_5ce6"),
}


class DSpaceSettings(_Model):
    type: str | None = None  # dc.type text; default from resourceTypeGeneral
    coar_type: str | None = None  # dc.type.coar URI; default from resourceTypeGeneral
    fields: DSpaceFields = Field(default_factory=DSpaceFields)
    relation_fields: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_RELATION_FIELDS))

    @field_validator("coar_type")
    @classmethod
    def _coar(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(COAR_PREFIX):
            raise ValueError(f"must be a COAR resource type URI ({COAR_PREFIX}…)")
        return value

    @field_validator("relation_fields")
    @classmethod
    def _relation_fields(cls, value: dict[str, str]) -> dict[str, str]:
        merged = dict(DEFAULT_RELATION_FIELDS)
        for relation, field in value.items():
            name = _check(relation, vocab.RELATION_TYPE, "relationType") or relation
            if field and not _FIELD.match(field):
                raise ValueError(f"{field!r} is not a DSpace field name (schema.element[.qualifier]) or ''")
            merged[name] = field
        return merged


class Mapping(_Model):
    """One use case's crosswalk."""

    name: str
    title: str = Field(min_length=1)
    description: str = ""
    privacy_gate: bool = False  # the caller runs the privacy gate before publishing when set
    datacite: DataCiteSettings
    defaults: Defaults = Field(default_factory=Defaults)
    relations: dict[str, RelationRule] = Field(default_factory=dict)
    source_relations: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_SOURCE_RELATIONS))
    oai_dc: OaiDcSettings = Field(default_factory=OaiDcSettings)
    dspace: DSpaceSettings = Field(default_factory=DSpaceSettings)
    source: Path | None = Field(default=None, exclude=True)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not NAME.match(value):
            raise ValueError("must be lower case letters, digits, '-' or '_'")
        return value

    @field_validator("relations", mode="before")
    @classmethod
    def _relations(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        return {**DEFAULT_RELATIONS, **{str(k).casefold(): v for k, v in value.items()}}

    @field_validator("source_relations")
    @classmethod
    def _source_relations(cls, value: dict[str, str]) -> dict[str, str]:
        merged = dict(DEFAULT_SOURCE_RELATIONS)
        for written, relation in value.items():
            key = _check(written, vocab.RELATION_TYPE, "relationType") or written
            merged[key] = _check(relation, vocab.RELATION_TYPE, "relationType") or relation
        return merged

    @model_validator(mode="after")
    def _fill(self) -> Mapping:
        if not self.relations:
            self.relations = {k: RelationRule(**v) for k, v in DEFAULT_RELATIONS.items()}
        label, coar = _COAR_BY_TYPE.get(self.datacite.resource_type_general, ("other", COAR_PREFIX + "c_1843"))
        self.dspace.type = self.dspace.type or label
        self.dspace.coar_type = self.dspace.coar_type or coar
        return self

    @property
    def resource_type_general(self) -> str:
        """Return the DataCite resourceTypeGeneral of this kind."""
        return self.datacite.resource_type_general

    @property
    def resource_type(self) -> str:
        """Return the free-text DataCite resourceType of this kind."""
        return self.datacite.resource_type

    def source_relation(self, written: str) -> str:
        """Return the relationType a relation written in another project's file becomes for this kind."""
        return self.source_relations.get(written, written)

    def relation_for(self, role: str) -> RelationRule | None:
        """Return the rule for a role word such as 'dataset' or 'code', or None."""
        return self.relations.get(role.strip().casefold())


def _where(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def parse_mapping(path: Path) -> Mapping:
    """Read and validate one mapping file; errors name the file and the key."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}", hint="fix the TOML syntax of the mapping") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from exc
    raw.setdefault("name", path.stem)
    if raw["name"] != path.stem:
        raise ConfigError(
            f"{path}: name: {raw['name']!r} does not match the file name",
            hint=f"rename the file to {raw['name']}.toml or set name = {path.stem!r}",
        )
    try:
        mapping = Mapping.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise ConfigError(f"{path}: {_where(err['loc'])}: {err['msg']}", hint=HINT) from exc
    mapping.source = path
    return mapping


def _files(dirs: list[Path]) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for folder in dirs:
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.toml")):
            found.setdefault(path.stem, path)  # the first directory wins
    return found


def known_kinds(dirs: list[Path]) -> list[str]:
    """Return the names of the mapping files in dirs, without reading them."""
    return sorted(_files(dirs))


def list_mappings(dirs: list[Path]) -> list[Mapping]:
    """Return every mapping in dirs, sorted by name; the first directory wins on duplicate names."""
    return [parse_mapping(path) for _, path in sorted(_files(dirs).items())]


def load_mapping(name: str, dirs: list[Path]) -> Mapping:
    """Return the mapping for an artefact kind, or raise MetadataError naming the known kinds."""
    if NAME.match(name):
        for folder in dirs:
            path = folder / f"{name}.toml"
            if path.is_file():
                return parse_mapping(path)
    known = ", ".join(known_kinds(dirs)) or "none"
    raise MetadataError(
        Problem(message=f"unknown kind {name!r}; known: {known}", field="kind"),
        hint="set kind to one of the known mappings, or add mappings/<kind>.toml",
    )
