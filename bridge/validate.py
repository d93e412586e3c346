"""Validation before any network call: metadata, files, privacy gate, crosswalk and the DataCite record."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bridge.artifact import Artifact, Progress, load_artifact
from bridge.crosswalk import Mapping, build_record, load_mapping
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
            "warnings": self.artifact.warnings,
        }


def validate_artifact(root: Path, settings: Settings, *, progress: Progress | None = None) -> Validated:
    """Run every offline check; raise MetadataError listing each problem with file, field and line."""
    from bridge.privacy.gate import check_artifact

    artifact = load_artifact(root, progress=progress)
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
    return Validated(artifact=artifact, mapping=mapping, record=record, allowed_findings=allowed, pseudonyms=pseudonyms)
