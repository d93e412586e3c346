"""Read the bridge's own publish.yaml (or publish.yml / publish.json): Metadata field names as they are."""

from __future__ import annotations

from pathlib import Path

from bridge.artifact.read_common import Source, load_document

PUBLISH_FILES = ("publish.yaml", "publish.yml", "publish.json")


def read_publish(path: Path) -> Source:
    """Read a publish file; keys are Metadata field names, so nothing is translated."""
    source = Source(file=path.name)
    kind = "json" if path.suffix.lower() == ".json" else "yaml"
    data, lines = load_document(path, source, kind)
    # Unknown keys are kept so that validation can name them (Metadata forbids extra keys).
    source.data = data
    source.lines = dict(lines.table)
    return source
