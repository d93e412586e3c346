"""Merge the Sources of an artefact folder field by field, highest precedence first.

For each top-level field the highest-precedence file that gives it wins; lists are not concatenated, except
``keywords`` (union, first spelling kept, case-insensitive duplicates dropped) and ``related`` (union where
each identifier appears once: the same DOI in any case and spelling, or the same normalised URL, keeps the
relation of the highest-precedence file). Each merged path remembers the Source and path it came from, so a
problem found later names its file and line.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from bridge.artifact.foreign import related_key
from bridge.artifact.read_common import Source
from bridge.errors import Problem

UNION_FIELDS = ("keywords", "related")


@dataclass
class Merged:
    """The merged dict plus, for each path prefix, the Source and the path it had there."""

    data: dict[str, Any] = field(default_factory=dict)
    provenance: dict[str, str] = field(default_factory=dict)
    origins: dict[str, tuple[Source, str]] = field(default_factory=dict)

    def locate(self, path: str) -> tuple[str | None, int | None]:
        """Return (file, line) for a dotted Metadata path of the merged dict."""
        parts = path.split(".")
        for cut in range(len(parts), 0, -1):
            origin = self.origins.get(".".join(parts[:cut]))
            if origin:
                source, local = origin
                return source.file, source.line_of(".".join([local, *parts[cut:]]))
        return None, None


def merge_sources(sources: list[Source]) -> tuple[Merged, list[Problem]]:
    """Merge sources (highest precedence first) field by field; keywords and related are unions.

    A related identifier appears once: the same DOI (any case, bare or as doi:/https://doi.org/) or the same
    normalised URL keeps the relation of the highest-precedence file that gives it.
    """
    merged = Merged()
    problems: list[Problem] = []
    seen: dict[str, set[Any]] = {name: set() for name in UNION_FIELDS}
    for source in sources:
        for key, value in source.data.items():
            if value is None:
                continue
            if key in UNION_FIELDS:
                if not isinstance(value, list):
                    problems.append(
                        Problem(f"{key} must be a list", file=source.file, field=key, line=source.line_of(key))
                    )
                    continue
                items = merged.data.setdefault(key, [])
                for index, item in enumerate(value):
                    ident = related_item_key(item, len(items)) if key == "related" else str(item).casefold()
                    if ident in seen[key]:
                        continue
                    seen[key].add(ident)
                    merged.origins[f"{key}.{len(items)}"] = (source, f"{key}.{index}")
                    item = copy.deepcopy(item)
                    if key == "related" and isinstance(item, dict):
                        item.setdefault("source", f"{source.file}: related.{index}")
                    items.append(item)
                merged.provenance.setdefault(key, source.file)
                merged.origins.setdefault(key, (source, key))
            elif key not in merged.data:
                merged.data[key] = copy.deepcopy(value)  # checks normalise in place; leave the Source as read
                merged.provenance[key] = source.file
                merged.origins[key] = (source, key)
    return merged, problems


def related_item_key(item: Any, index: int) -> str:
    """Return the identity of a related identifier: its normalised identifier (the relation does not count)."""
    if not isinstance(item, dict) or not str(item.get("identifier") or "").strip():
        return f"#{index}"
    return related_key(str(item["identifier"]))


def drop_own_doi(merged: Merged) -> None:
    """Forget a related identifier that is the deposit's own DOI (publish.yaml doi): nothing relates to itself."""
    own = merged.data.get("doi")
    related = merged.data.get("related")
    if not isinstance(own, str) or not isinstance(related, list):
        return
    key = related_key(own)
    kept = [(i, r) for i, r in enumerate(related) if not (isinstance(r, dict) and related_item_key(r, i) == key)]
    if len(kept) == len(related):
        return
    merged.data["related"] = [r for _, r in kept]
    origins = {k: v for k, v in merged.origins.items() if not k.startswith("related.")}
    for new, (old, _) in enumerate(kept):
        if f"related.{old}" in merged.origins:
            origins[f"related.{new}"] = merged.origins[f"related.{old}"]
    merged.origins = origins
