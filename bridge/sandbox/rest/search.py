"""The discovery query language of the sandbox: a small Solr subset evaluated over SQLite's FTS5 word index.

Supported: ``*:*`` (everything), plain words and ``"phrases"`` (any metadata value, case-insensitive,
whole words, ``word*`` for a prefix), ``field:value`` and ``field:"phrase"`` (one metadata field, e.g.
``dc.identifier.other:abc123``), ``handle:10261/5``; terms are ANDed, ``OR`` separates alternatives.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bridge.sandbox.rest.common import INVALID, RestError
from bridge.sandbox.rest.metadata import check_field

# Discovery index names that DSpace clients use as well as metadata field names.
ALIASES = {
    "title": "dc.title",
    "author": "dc.contributor.author",
    "subject": "dc.subject",
    "dateIssued": "dc.date.issued",
    "type": "dc.type",
    "identifier": "dc.identifier",
}
_TOKEN = re.compile(r'\s*(?:(?P<field>[A-Za-z*][\w.*]*):)?(?:"(?P<phrase>[^"]*)"?|(?P<word>[^\s"]+))')
_WORDY = re.compile(r"[^\W_]")


@dataclass(frozen=True)
class Term:
    field: str | None  # a metadata field, "handle", or None for any field
    text: str
    prefix: bool = False

    def fts(self) -> str:
        """Return the FTS5 phrase query for the term's words."""
        return '"' + self.text.replace('"', '""') + '"' + (" *" if self.prefix else "")

    def words(self) -> list[str]:
        return [w.lower() for w in re.findall(r"[^\W_]+", self.text)]


def parse_query(query: str | None) -> list[list[Term]]:
    """Return OR-alternatives of AND-ed terms; ``[[]]`` (match everything) for an empty or ``*:*`` query."""
    groups: list[list[Term]] = [[]]
    text = (query or "").strip()
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            pos += 1
            continue
        pos = match.end()
        field, phrase, word = match.group("field"), match.group("phrase"), match.group("word")
        if field is None and word in ("AND", "&&"):
            continue
        if field is None and word in ("OR", "||"):
            groups.append([])
            continue
        value = phrase if phrase is not None else (word or "").lstrip("+")
        if field in (None, "*") and value in ("*", ""):
            continue  # *:* and * match everything
        prefix = phrase is None and value.endswith("*")
        value = value.rstrip("*") if prefix else value
        if not _WORDY.search(value):
            continue  # punctuation only: Solr's analyser would drop it as well
        name = _field(field)
        if field not in (None, "*") and name is None:  # not a field (a URL, "doi:…"): search the text
            value = f"{field}:{value}"
        groups[-1].append(Term(name, value, prefix))
    return [g for g in groups if g] or [[]]


def _field(name: str | None) -> str | None:
    """Return the metadata field (or "handle") a query names; None for any field or an unknown name."""
    if name in (None, "*"):
        return None
    if name in ("handle", "search.resourceid"):
        return name
    name = ALIASES.get(name, name)
    try:
        return check_field(name)
    except RestError:
        return None


def term_sql(term: Term) -> tuple[str, list[Any]]:
    """Return an SQL condition on ``i.uuid`` (item alias ``i``) and its parameters."""
    if term.field == "handle":
        return "i.handle = ?", [term.text]
    if term.field == "search.resourceid":
        return "i.uuid = ?", [term.text]
    words = "SELECT rowid FROM mdv_fts WHERE mdv_fts MATCH ?"
    if term.field is None:
        return f"i.uuid IN (SELECT m.item FROM metadatavalue m WHERE m.rowid IN ({words}))", [term.fts()]
    sql = f"i.uuid IN (SELECT m.item FROM metadatavalue m WHERE m.rowid IN ({words}) AND m.field = ?)"
    return sql, [term.fts(), term.field]


def query_sql(groups: list[list[Term]]) -> tuple[str, list[Any]]:
    """Return the SQL condition of a parsed query."""
    alternatives, params = [], []
    for group in groups:
        if not group:
            return "1 = 1", []
        parts = []
        for term in group:
            sql, more = term_sql(term)
            parts.append(sql)
            params.extend(more)
        alternatives.append("(" + " AND ".join(parts) + ")")
    return "(" + " OR ".join(alternatives) + ")", params


def filter_sql(name: str, raw: str) -> tuple[str, list[Any]]:
    """Return the condition of a discovery filter ``f.<name>=<value>,<operator>``."""
    value, _, operator = raw.rpartition(",")
    if operator not in ("equals", "notequals", "contains", "notcontains", "authority", "notauthority"):
        value, operator = raw, "equals"
    field_name = _field(name)
    if field_name in (None, "handle", "search.resourceid"):
        raise RestError(400, f"{INVALID}: unknown filter f.{name}")
    if operator in ("contains", "notcontains"):
        sql, params = term_sql(Term(field_name, value))
    else:
        sql = "i.uuid IN (SELECT m.item FROM metadatavalue m WHERE m.field = ? AND m.value = ?)"
        params = [field_name, value]
    return (f"NOT {sql}" if operator.startswith("not") else sql), params


def container_matches(groups: list[list[Term]], metadata: dict[str, list[dict]]) -> bool:
    """Evaluate the query on a community's or collection's metadata (few rows: done in Python)."""

    def hit(term: Term) -> bool:
        if term.field in ("handle", "search.resourceid"):
            return False
        fields = [term.field] if term.field else list(metadata)
        wanted = " ".join(term.words())
        for name in fields:
            for value in metadata.get(name, []):
                words = " ".join(w.lower() for w in re.findall(r"[^\W_]+", value["value"]))
                needle = f" {wanted}" if term.prefix else f" {wanted} "
                if needle in f" {words} ":
                    return True
        return False

    return any(all(hit(t) for t in group) for group in groups)
