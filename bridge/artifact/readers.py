"""The metadata readers, one per format, each ``read_<format>(path) -> Source``, and how to find them.

``find_sources(root)`` lists the supported files present in an artefact folder, highest precedence
first (see ``bridge.artifact.metadata`` for the precedence rule).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bridge.artifact.bounded import Refused, check_file
from bridge.artifact.read_ai4os import AI4OS_FILE, looks_like_ai4os, read_ai4os
from bridge.artifact.read_cff import CFF_FILE, read_cff
from bridge.artifact.read_common import Source
from bridge.artifact.read_modelcard import MODEL_CARD_FILE, has_front_matter, read_modelcard
from bridge.artifact.read_publish import PUBLISH_FILES, read_publish
from bridge.artifact.read_zenodo import ZENODO_FILE, read_zenodo

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
    Format("ai4os", (AI4OS_FILE,), read_ai4os, looks_like_ai4os),
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
