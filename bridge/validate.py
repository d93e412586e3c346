"""Validation before any network call: metadata, files, privacy gate, crosswalk and the DataCite record."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bridge import pid
from bridge.artifact import Artifact, Progress, load_artifact
from bridge.crosswalk import Mapping, build_record, load_mapping
from bridge.crosswalk.record import PUBLISH_SOURCES, related_sources
from bridge.errors import MetadataError, Problem
from bridge.settings import Settings


@dataclass
class Validated:
    """An artefact that passed every offline check, with its crosswalk and DataCite record."""

    artifact: Artifact
    mapping: Mapping
    record: dict[str, Any]
    allowed_findings: list[Any] = field(default_factory=list)  # privacy findings covered by an exception
    pseudonyms: dict[str, int] = field(default_factory=dict)  # addresses/MACs written by bridge anonymise, by kind
    related: list[dict[str, Any]] = field(default_factory=list)  # each relation with the file and field it came from
    warnings: list[str] = field(default_factory=list)  # read, but the user should look before publishing

    def report(self) -> dict[str, Any]:
        """Return the machine-readable summary printed by `bridge validate --json`."""
        md = self.artifact.metadata
        return {
            "valid": True,
            "path": str(self.artifact.root),
            "kind": md.kind,
            "mapping": self.mapping.name,
            "title": md.title,
            "sources": self.artifact.sources,
            "provenance": self.artifact.provenance,
            "files": [f.model_dump(exclude_none=True) for f in self.artifact.files],
            "total_size": sum(f.size for f in self.artifact.files),
            "privacy": {
                "gate": self.mapping.privacy_gate,
                "allowed_findings": [
                    {"kind": f.kind, "file": f.file, "line": f.line, "value": f.masked} for f in self.allowed_findings
                ],
                "exception_reason": md.privacy_exception.reason if md.privacy_exception else None,
                "pseudonyms": self.pseudonyms,
            },
            "datacite": self.record,
            "related_provenance": self.related,
            "warnings": self.warnings,
        }


def validate_artifact(
    root: Path, settings: Settings, *, progress: Progress | None = None, kind: str | None = None
) -> Validated:
    """Run every offline check; raise MetadataError listing each problem with file, field and line.

    ``kind`` (the ``--kind`` option) names the crosswalk when the folder's files do not, and wins over them.
    """
    from bridge.privacy.gate import check_artifact

    artifact = load_artifact(root, progress=progress, kind=kind)
    md = artifact.metadata
    try:
        mapping = load_mapping(md.kind, settings.mappings_dirs)
    except MetadataError as exc:
        raise MetadataError(
            [Problem(p.message, file=artifact.provenance.get("kind"), field=p.field or "kind") for p in exc.problems],
            hint="run 'bridge mappings' to list the kinds",
        ) from None
    allowed, pseudonyms = [], {}
    if mapping.privacy_gate:
        gate = check_artifact(artifact)
        allowed, pseudonyms = gate.allowed, dict(gate.pseudonyms)
    record = build_record(artifact, mapping)  # raises MetadataError if the record fails the DataCite schema
    related = related_sources(md, mapping, record.get("doi"))
    return Validated(
        artifact=artifact,
        mapping=mapping,
        record=record,
        allowed_findings=allowed,
        pseudonyms=pseudonyms,
        related=related,
        warnings=[*artifact.warnings, *_doi_warnings(related)],
    )


def _doi_warnings(related: list[dict[str, Any]]) -> list[str]:
    """Warn, for each DOI another project's file gives, that it becomes a relation and never this deposit's DOI."""
    out = []
    for r in related:
        if r["file"] in PUBLISH_SOURCES or not r["file"] or pid.bare_doi(r["identifier"]) is None:
            continue
        role = f" ({r['role']})" if r["role"] else ""
        message = (
            f"DOI {r['identifier']} names another work{role}, not this deposit: it becomes the related identifier "
            f"{r['relation_type']} {r['identifier']}; the deposit's own DOI comes from publish.yaml doi or --doi"
        )
        out.append(str(Problem(message, file=r["file"], field=r["field"])))
    return out
