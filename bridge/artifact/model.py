"""The artefact model: what one publishable folder says about itself, after merging all sources.

Field names follow the bridge's own ``publish.yaml``; the readers of CITATION.cff, model cards,
AI4OS ``metadata.json`` and ``.zenodo.json`` translate into these names. Syntax checks that need
no network (ORCID checksum, DOI/Handle/ROR, SPDX, ISO 8601, BCP 47) live in ``bridge.artifact.checks``
and are applied by ``bridge.artifact.metadata.read_metadata``, so each problem names its file and line.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

AccessStatus = Literal["open", "embargoed", "restricted", "closed"]
NameType = Literal["Personal", "Organizational"]
# A date known to the month or the year only (CFF's date-released: 2020-10); DataCite allows YYYY-MM and YYYY.
PartialDate = Annotated[str, StringConstraints(pattern=r"^\d{4}(?:-(?:0[1-9]|1[0-2]))?$")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Affiliation(_Model):
    name: str = Field(min_length=1)
    ror: str | None = None  # full https://ror.org/0xxxxxxxx form after normalisation


class Creator(_Model):
    """A person (given/family name) or an organisation (name only)."""

    name: str | None = None  # "Family, Given" for persons; the name for organisations
    given_name: str | None = None
    family_name: str | None = None
    name_type: NameType = "Personal"
    orcid: str | None = None  # full https://orcid.org/0000-… form after normalisation
    affiliation: list[Affiliation] = Field(default_factory=list)
    contributor_type: str | None = None  # DataCite contributorType, for contributors only

    @model_validator(mode="after")
    def _name(self) -> Creator:
        if not self.name:
            if self.family_name:
                self.name = f"{self.family_name}, {self.given_name}" if self.given_name else self.family_name
            else:
                raise ValueError("needs a name, or family_name (and given_name)")
        return self


class Publisher(_Model):
    name: str = Field(min_length=1)
    ror: str | None = None


class Access(_Model):
    status: AccessStatus = "open"
    embargo_until: dt.date | None = None
    reason: str | None = None

    @model_validator(mode="after")
    def _embargo(self) -> Access:
        if self.status == "embargoed" and self.embargo_until is None:
            raise ValueError("an embargoed artefact needs embargo_until (YYYY-MM-DD)")
        return self


class Funding(_Model):
    funder_name: str = Field(min_length=1)
    funder_id: str | None = None  # e.g. https://doi.org/10.13039/501100000780 or a ROR URL
    funder_id_type: str | None = None  # "Crossref Funder ID" | "ROR" | "ISNI" | "GRID" | "Other"
    award_number: str | None = None
    award_uri: str | None = None
    award_title: str | None = None
    program: str | None = None  # e.g. H2020, for info:eu-repo/grantAgreement/EC/<program>/<n>


class RelatedIdentifier(_Model):
    identifier: str = Field(min_length=1)
    identifier_type: str | None = None  # DOI | Handle | URL | arXiv | …; detected when absent
    relation_type: str = Field(min_length=1)  # DataCite relationType, or a role word the mapping resolves
    resource_type_general: str | None = None
    source: str | None = None  # "CITATION.cff: doi": the file and field it came from (set by the readers)


class Rights(_Model):
    """A licence with no SPDX id (Hugging Face RAIL, Llama, Gemma … licences): its name and where to read it."""

    name: str = Field(min_length=1)
    url: str | None = None
    identifier: str | None = None  # the id the source used, e.g. creativeml-openrail-m


class Subject(_Model):
    term: str = Field(min_length=1)
    scheme: str | None = None
    scheme_uri: str | None = None
    value_uri: str | None = None


class PrivacyException(_Model):
    """An explicit, reasoned decision that the privacy gate's findings are acceptable."""

    reason: str = Field(min_length=10)
    allow: list[str] = Field(default_factory=list)  # finding kinds or literal values allowed; empty = all


class FileInfo(_Model):
    """Technical metadata of one file, computed in one streaming pass."""

    path: str  # relative to the artefact folder, POSIX separators
    size: int
    md5: str
    sha256: str
    media_type: str
    format: str | None = None  # short name: safetensors, hdf5, onnx, pytorch, npy, csv, jsonl, gzip, netcdf, log
    tensors: int | None = None
    parameters: int | None = None


class Metadata(_Model):
    """The merged, validated description of an artefact."""

    kind: str = Field(min_length=1)  # the crosswalk to use: model-weights | anonymised-logs | satellite-products
    title: str = Field(min_length=1)
    creators: list[Creator] = Field(min_length=1)
    contributors: list[Creator] = Field(default_factory=list)
    description: str | None = None
    methods: str | None = None
    technical_info: str | None = None
    license: str | None = None  # SPDX identifier, e.g. CC-BY-4.0
    rights: Rights | None = None  # a licence without an SPDX id (read from a model card); license wins
    access: Access = Field(default_factory=Access)
    funding: list[Funding] = Field(default_factory=list)
    related: list[RelatedIdentifier] = Field(default_factory=list)
    version: str | None = None
    keywords: list[str] = Field(default_factory=list)
    subjects: list[Subject] = Field(default_factory=list)
    publisher: Publisher | None = None
    language: str | None = None  # BCP 47
    date_released: dt.date | PartialDate | None = None
    date_created: dt.date | None = None
    collected: str | None = None  # ISO 8601 date or interval a/b
    doi: str | None = None  # bare 10.x/… form: this deposit's own DOI, only from publish.yaml (never another file)
    landing_url: str | None = None
    files: list[str] = Field(default_factory=list)  # explicit file list (globs); empty = every data file
    privacy_exception: PrivacyException | None = None


class Artifact(_Model):
    """A folder ready to be mapped and published."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    root: Path
    metadata: Metadata
    files: list[FileInfo]
    sources: list[str]  # metadata files read, highest precedence first
    provenance: dict[str, str] = Field(default_factory=dict)  # top-level field -> file it came from
    warnings: list[str] = Field(default_factory=list)  # what reading changed (invisible characters removed)
