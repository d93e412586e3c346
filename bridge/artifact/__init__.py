"""An artefact folder: its merged metadata and the technical metadata of its files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bridge.artifact.model import Artifact, FileInfo, Metadata
from bridge.errors import MetadataError, Problem, UsageError

Progress = Callable[[str, int, int], None]


def load_artifact(root: Path, *, progress: Progress | None = None, kind: str | None = None) -> Artifact:
    """Read, merge and check an artefact folder; raise MetadataError with every problem found.

    ``kind`` (the ``--kind`` option) names the crosswalk when no file does, and wins over the files.
    """
    from bridge.artifact.files import scan_files
    from bridge.artifact.metadata import read_metadata

    if not root.exists():
        raise UsageError(f"{root}: no such folder", hint="give the path of an artefact folder")
    if not root.is_dir():
        raise UsageError(f"{root}: not a folder", hint="an artefact is a folder of data files plus metadata files")
    problems: list[Problem] = []
    result = None
    try:
        result = read_metadata(root, kind=kind)
    except MetadataError as exc:
        problems.extend(exc.problems)
    files: list[FileInfo] = []
    try:
        files = scan_files(
            root,
            exclude=result.metadata_files if result else _metadata_names(root),
            include=(result.metadata.files or None) if result else None,
            include_source=result.provenance.get("files", "publish.yaml") if result else "publish.yaml",
            progress=progress,
        )
    except MetadataError as exc:
        problems.extend(exc.problems)
    if problems or result is None:
        raise MetadataError(problems, hint=_hint(problems))
    return Artifact(
        root=root,
        metadata=result.metadata,
        files=files,
        sources=result.sources,
        provenance=result.provenance,
        warnings=result.warnings,
    )


def _metadata_names(root: Path) -> set[str]:
    """Names that are metadata, not data, when the metadata itself could not be read."""
    from bridge.artifact.metadata import METADATA_FILES

    return {name for name in METADATA_FILES if (root / name).exists()}


def _hint(problems: list[Problem]) -> str:
    if len(problems) > 1:
        return f"{len(problems)} problems; fix them and run 'bridge validate' again"
    return "fix it and run 'bridge validate' again"


__all__ = ["Artifact", "FileInfo", "Metadata", "load_artifact"]
