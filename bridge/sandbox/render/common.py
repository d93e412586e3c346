"""Helpers shared by the sandbox crosswalks: field lookup, XML-safe text, languages, DOIs, files."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bridge.sandbox.app import Sandbox
    from bridge.sandbox.store import Store

XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# Characters XML 1.0 cannot carry at all; a stored value may hold them (DSpace/DSpace#8915).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_LANG = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")
_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:)", re.IGNORECASE)


def clean(text: str) -> str:
    """Return text without the characters XML 1.0 forbids."""
    # Fast path: printable text holds none of them (they are all control, surrogate or non-characters).
    return text if text.isprintable() else _NOT_XML.sub("", text)


class Fields:
    """An item's metadata map grouped by `schema.element`, so repeated lookups do not rescan every field."""

    def __init__(self, md: dict[str, list[dict[str, Any]]]) -> None:
        self.md = md
        self.groups: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        for key in sorted(md):
            element = ".".join(key.split(".", 2)[:2])
            for v in md[key]:
                if v.get("value") not in (None, ""):
                    self.groups.setdefault(element, []).append((key, v))

    def __call__(self, name: str) -> list[tuple[str, dict[str, Any]]]:
        """Return (field, value) for `name` and, when `name` is schema.element, every qualified form of it."""
        if name.count(".") == 1:
            return self.groups.get(name, [])
        return [(name, v) for v in self.md.get(name) or [] if v.get("value") not in (None, "")]


def first(md: dict[str, list[dict[str, Any]]], name: str) -> str | None:
    """Return the first non-empty value of exactly `name`."""
    for v in md.get(name) or []:
        if v.get("value"):
            return str(v["value"])
    return None


def lang_of(value: dict[str, Any]) -> str | None:
    """Return a value's language as an xml:lang tag (DSpace's en_US → en-US), or None if unusable."""
    return language_tag(value.get("language") or "")


@functools.lru_cache(maxsize=256)
def language_tag(language: str) -> str | None:
    lang = language.strip().replace("_", "-")
    return lang if _LANG.match(lang) else None


def bare_doi(value: str) -> str | None:
    """Return the bare 10.x/… DOI of a value given bare, as doi: or as a resolver URL; None otherwise."""
    candidate = _DOI_PREFIX.sub("", value.strip())
    return candidate if _DOI.match(candidate) else None


def doi_of(md: dict[str, list[dict[str, Any]]]) -> str | None:
    """Return the item's DOI: dc.identifier.doi, else a doi.org URL in dc.identifier.uri (as DSpace stores it)."""
    for name in ("dc.identifier.doi", "dc.identifier.uri"):
        for v in md.get(name) or []:
            doi = bare_doi(str(v.get("value") or ""))
            if doi and (name == "dc.identifier.doi" or "doi.org/" in str(v["value"]).lower()):
                return doi
    return None


def original_files(
    item: dict[str, Any], sandbox: Sandbox | None, files: list[dict[str, Any]] | None
) -> list[dict[str, Any]]:
    """Return the item's ORIGINAL bitstreams: the ones given, else read from the sandbox's store."""
    if files is not None:
        return files
    if sandbox is None or not item.get("uuid"):
        return []
    return sandbox.store.item_bitstreams(item["uuid"], "ORIGINAL")


def load_original_files(store: Store, uuids: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """Return item uuid → its ORIGINAL bitstreams (name, size, mime, sequence_id) in one query."""
    ids = list(uuids)
    out: dict[str, list[dict[str, Any]]] = {uid: [] for uid in ids}
    for start in range(0, len(ids), 500):  # stay far below SQLite's bound-parameter limit
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        rows = store.query(
            "SELECT u.item AS item, b.name, b.size, b.mime, b.sequence_id FROM bitstream b "
            f"JOIN bundle u ON b.bundle = u.uuid WHERE u.name = 'ORIGINAL' AND u.item IN ({marks}) "
            "ORDER BY u.item, b.sequence_id",
            chunk,
        )
        for row in rows:
            out[row["item"]].append(row)
    return out
