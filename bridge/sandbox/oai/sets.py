"""OAI-PMH sets of the sandbox: com_<prefix>_<n> for communities, col_<prefix>_<n> for collections (as DSpace).

The community tree changes rarely, so the index is built once and rebuilt only when the communities or
collections change (a cheap signature query per request), never per record.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from bridge.sandbox.store import Store

SIGNATURE = (
    "SELECT (SELECT COUNT(*) || '|' || IFNULL(MAX(last_modified), '') FROM community) || '#' || "
    "(SELECT COUNT(*) || '|' || IFNULL(MAX(last_modified), '') FROM collection) AS sig"
)


def set_spec(kind: str, handle: str) -> str:
    """Return DSpace's setSpec for a community ("com") or collection ("col") handle: 10261/5 → com_10261_5."""
    return f"{kind}_{handle.replace('/', '_')}"


def _handle_order(handle: str | None) -> tuple[str, int, str]:
    prefix, _, suffix = (handle or "").partition("/")
    return (prefix, int(suffix) if suffix.isdigit() else 0, suffix)


@dataclass
class Sets:
    """One snapshot of the set hierarchy."""

    by_collection: dict[str, list[str]] = field(default_factory=dict)  # collection uuid → header setSpecs
    members: dict[str, list[str]] = field(default_factory=dict)  # setSpec → collection uuids
    names: list[tuple[str, str]] = field(default_factory=list)  # (setSpec, setName) for ListSets

    def specs(self, collection: str) -> list[str]:
        return self.by_collection.get(collection, [])

    def collections(self, spec: str) -> list[str]:
        return self.members.get(spec, [])


def build_sets(communities: list[dict[str, Any]], collections: list[dict[str, Any]]) -> Sets:
    """Return the set hierarchy: each collection's communities (nearest first) and its own set."""
    sets = Sets()
    by_uuid = {c["uuid"]: c for c in communities}
    for com in sorted(communities, key=lambda c: _handle_order(c["handle"])):
        if com["handle"]:
            spec = set_spec("com", com["handle"])
            sets.names.append((spec, com["name"]))
            sets.members[spec] = []
    for col in sorted(collections, key=lambda c: _handle_order(c["handle"])):
        if not col["handle"]:
            continue
        ancestors: list[str] = []
        parent, seen = col["community"], set()
        while parent in by_uuid and parent not in seen:  # guard against a cycle in hand-edited data
            seen.add(parent)
            com = by_uuid[parent]
            if com["handle"]:
                ancestors.append(set_spec("com", com["handle"]))
            parent = com["parent"]
        spec = set_spec("col", col["handle"])
        sets.names.append((spec, col["name"]))
        sets.by_collection[col["uuid"]] = [*ancestors, spec]
        sets.members[spec] = [col["uuid"]]
        for ancestor in ancestors:
            sets.members[ancestor].append(col["uuid"])
    return sets


class SetIndex:
    """The current set hierarchy of a store, cached until communities or collections change."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._signature: str | None = None
        self._sets = Sets()

    def current(self) -> Sets:
        signature = self.store.scalar(SIGNATURE)
        with self._lock:
            if signature != self._signature:
                self._sets = build_sets(self.store.communities(), self.store.collections())
                self._signature = signature
            return self._sets
