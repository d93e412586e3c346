"""The metadata readers, one per format, each ``read_<format>(path) -> Source``, and how to find them.

``find_sources(root)`` lists the supported files present in an artefact folder, highest precedence
first (see ``bridge.artifact.metadata`` for the precedence rule).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bridge.artifact.bounded import Refused, check_file
from bridge.artifact.read_ai4os import AI4OS_FILES, looks_like_ai4os, read_ai4os
from bridge.artifact.read_cff import CFF_FILE, read_cff
from bridge.artifact.read_common import Source
from bridge.artifact.read_modelcard import MODEL_CARD_FILE, has_front_matter, read_modelcard
from bridge.artifact.read_publish import PUBLISH_FILES, read_publish
from bridge.artifact.read_zenodo import ZENODO_FILE, read_zenodo
from bridge.errors import Problem

__all__ = [
    "ACCEPTED_FILES",
    "FORMATS",
    "Format",
    "Source",
    "find_sources",
    "read_ai4os",
    "read_cff",
    "read_modelcard",
    "read_publish",
    "read_zenodo",
    "unread_metadata_files",
]


@dataclass(frozen=True)
class Format:
    """A supported metadata file: its accepted names, its reader and when a file of that name counts."""

    label: str
    names: tuple[str, ...]
    read: Callable[[Path], Source]
    applies: Callable[[Path], bool] = lambda path: True


# Highest precedence first.
FORMATS: tuple[Format, ...] = (
    Format("publish", PUBLISH_FILES, read_publish),
    Format("zenodo", (ZENODO_FILE,), read_zenodo),
    Format("cff", (CFF_FILE,), read_cff),
    Format("ai4os", AI4OS_FILES, read_ai4os, looks_like_ai4os),
    Format("modelcard", (MODEL_CARD_FILE,), read_modelcard, has_front_matter),
)
ACCEPTED_FILES: tuple[str, ...] = tuple(name for fmt in FORMATS for name in fmt.names)


def find_sources(root: Path) -> list[tuple[Format, Path]]:
    """Return the supported metadata files at the top of ``root``, highest precedence first."""
    found: list[tuple[Format, Path]] = []
    for fmt in FORMATS:
        for name in fmt.names:
            path = root / name
            if path.is_file() and (_refused(path) or fmt.applies(path)):
                found.append((fmt, path))  # a refused file is not sniffed: its reader says why it is refused
    return found


def _refused(path: Path) -> bool:
    """Tell whether a metadata file must not be read at all (a link out of the folder, too large)."""
    try:
        check_file(path)
    except (Refused, OSError):
        return True
    return False


# Top-level names that look like metadata but are not read (so their content is not used, and they are
# published as data files): each gets a warning naming the formats the bridge reads.
_LOOKS_LIKE_METADATA = re.compile(
    r"^(?:codemeta\.json|citation(?:\.bib|\.cff|\.md|\.txt)?|[^/]*\.cff|\.?zenodo\.(?:json|ya?ml)|"
    r"datacite\.(?:json|xml)|(?:ai4-)?metadata\.(?:json|ya?ml)|ai4-metadata\.[a-z]+|model_?card\.md|"
    r"ro-crate-metadata\.json|datapackage\.json|croissant\.json|publish\.[a-z]+)$",
    re.IGNORECASE,
)


def unread_metadata_files(root: Path, read: set[str]) -> list[Problem]:
    """Return a warning for each metadata-looking file at the top of root that no reader took."""
    out: list[Problem] = []
    try:
        names = sorted(p.name for p in root.iterdir() if p.is_file() and not p.is_symlink())
    except OSError:
        return out
    for name in names:
        if name in read or name == "README.md" or not _LOOKS_LIKE_METADATA.match(name):
            continue
        out.append(
            Problem(
                f"looks like a metadata file but is not read (the bridge reads {', '.join(ACCEPTED_FILES)}); "
                "its content is not used and it is published as a data file: move what matters into publish.yaml",
                file=name,
            )
        )
    return out
