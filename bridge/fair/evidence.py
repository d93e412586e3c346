"""What the indicators look at: repository-style metadata, the DataCite record, files, and what the web served.

One `Evidence` serves both modes. From an artefact folder (``mode="artefact"``) it holds the DataCite record
the bridge will register, the DSpace ``dc.*`` map it will deposit and the files it will upload. From a PID
(``mode="pid"``) it holds what the repository and the resolvers answered; every source that could not be
fetched is in ``failed``, and an indicator that needs it raises `Missing` (its result is indeterminate).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from bridge.fair.model import Missing

README = re.compile(r"(readme|model[_-]?card)[^/]*$", re.IGNORECASE)  # anywhere in the name, as FAIR EVA
CODEBOOK = re.compile(r"(^|/)[^/]*(codebook|data[_-]?dictionary|croissant)[^/]*$", re.IGNORECASE)


@dataclass
class FileSeen:
    """One data file: as the manifest or repository declares it, and (PID mode) as its URL answered."""

    name: str
    url: str | None = None
    size: int | None = None
    mime: str | None = None  # declared: the manifest's media type, the item link's type or the bitstream format
    format: str | None = None  # the bridge's short format name (safetensors, csv, …) when known
    md5: str | None = None
    status: int | None = None  # HTTP status of the HEAD / Range GET (PID mode)
    served_type: str | None = None
    served_length: int | None = None
    served_md5: str | None = None  # what the server declares (Content-MD5, or DSpace's MD5 ETag)
    problem: str | None = None  # no HTTP answer


@dataclass
class Link:
    """A typed link (RFC 8288) from a Link header, an HTML <link> or a linkset."""

    rel: str
    href: str
    type: str | None = None
    anchor: str | None = None
    profile: str | None = None


@dataclass
class Evidence:
    """Everything gathered about one subject."""

    mode: Literal["artefact", "pid"]
    subject: str
    dc: dict[str, list[str]] = field(default_factory=dict)  # repository metadata, dc.* fields
    datacite: dict[str, Any] | None = None  # the DataCite record (attributes of the REST API's JSON)
    files: list[FileSeen] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # source -> why it could not be had
    seen: dict[str, str] = field(default_factory=dict)  # source -> where it was read (URL, file)
    # artefact mode
    kind: str | None = None  # the crosswalk (model-weights, anonymised-logs, …)
    metadata_files: list[str] = field(default_factory=list)  # publish.yaml, CITATION.cff, README.md (model card)
    # PID mode
    deposited_md5: dict[str, str] = field(default_factory=dict)  # file name -> MD5 of the deposit (receipt)
    sandbox: bool = False  # assessed against the bridge's sandbox (DataCite's test prefix is expected there)
    pid: str | None = None
    handle: str | None = None
    doi: str | None = None
    resolved: dict[str, str | None] = field(default_factory=dict)  # PID -> URL it resolves to (None: not)
    resolve_problems: dict[str, str] = field(default_factory=dict)
    landing_url: str | None = None
    landing_status: int | None = None
    landing_type: str | None = None
    landing_html: str = ""
    header_links: list[Link] = field(default_factory=list)
    html_links: list[Link] = field(default_factory=list)
    linkset: list[Link] = field(default_factory=list)
    jsonld: list[dict[str, Any]] = field(default_factory=list)
    meta: dict[str, list[str]] = field(default_factory=dict)  # <meta name=…> tags (citation_*, DC.*)
    datacite_state: str | None = None  # findable | registered | draft | None (not visible)
    datacite_status: int | None = None
    describedby: bytes | None = None
    describedby_type: str | None = None
    oai_identify: bool | None = None
    oai_deleted_policy: str | None = None  # Identify's deletedRecord: no | transient | persistent
    oai_formats: list[str] = field(default_factory=list)
    oai_record: bool | None = None  # GetRecord found the item
    oai_deleted: bool = False
    withdrawn: bool = False

    def need(self, *sources: str) -> None:
        """Raise Missing when a source this check needs could not be gathered."""
        for source in sources:
            if source in self.failed:
                raise Missing(source, self.failed[source])

    def values(self, *fields: str) -> list[str]:
        """Return the non-empty values of dc fields; a field ending in '*' matches its qualifiers too."""
        out: list[str] = []
        for f in fields:
            if f.endswith("*"):
                stem = f[:-1].rstrip(".")
                for key, vals in self.dc.items():
                    if key == stem or key.startswith(stem + "."):
                        out += [v for v in vals if v.strip()]
            else:
                out += [v for v in self.dc.get(f, []) if v.strip()]
        return out

    @property
    def record(self) -> dict[str, Any]:
        return self.datacite or {}

    @property
    def file_names(self) -> list[str]:
        return [f.name for f in self.files]

    def readme(self) -> str | None:
        return next((n for n in self.file_names if README.search(n)), None)

    def codebook(self) -> str | None:
        return next((n for n in self.file_names if CODEBOOK.search(n)), None)

    def all_links(self) -> list[Link]:
        """Return the level-1 typed links: the Link header's, else the HTML <link>s."""
        return self.header_links or self.html_links

    def resource_type(self) -> str | None:
        types = self.record.get("types") or {}
        return types.get("resourceTypeGeneral") if isinstance(types, dict) else None


def from_validated(validated: Any) -> Evidence:
    """Build the evidence of an artefact folder from what `bridge validate` produced (no network)."""
    from bridge.crosswalk.dspace import to_dspace

    artifact, record = validated.artifact, validated.record
    dspace = to_dspace(record, validated.mapping)
    dc = {k: [str(v["value"]) for v in vals] for k, vals in dspace.items()}
    files = [FileSeen(name=f.path, size=f.size, mime=f.media_type, format=f.format, md5=f.md5) for f in artifact.files]
    root = Path(artifact.root)
    return Evidence(
        mode="artefact",
        subject=str(root),
        dc=dc,
        datacite=record,
        files=files,
        kind=validated.mapping.name,
        metadata_files=list(artifact.sources),
        seen={"metadata": ", ".join(artifact.sources), "files": str(root)},
    )
