"""OAI-PMH arguments of the sandbox provider: datestamps, list selections and resumption tokens.

Tokens keep DSpace's shape ``metadataPrefix/from/until/set/offset`` and add the list size counted on the first
page and the sort key of the last record sent (``/size/last_modified/uuid``). Lists are ordered by
(last_modified, uuid) and a token resumes *after* that key, so a record that changes during a harvest moves
to the end of the list (it is delivered again, which OAI-PMH allows) and never shifts the records not yet
sent. ``offset`` is the number of records already sent; it becomes the ``cursor`` attribute, which is 0-based
as the spec defines it (DSpace sends a page index). ``completeListSize`` is counted once, on the first page
(counting 100,000 rows on every page would cost more than the page itself), and is exact on the last page.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

DAY = "YYYY-MM-DD"
SECONDS = "YYYY-MM-DDThh:mm:ssZ"
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SECONDS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
PREFIX_SYNTAX = re.compile(r"^[A-Za-z0-9\-_.!~*'()]+$")
SET_SYNTAX = re.compile(r"^[A-Za-z0-9\-_.!~*'()]+(:[A-Za-z0-9\-_.!~*'()]+)*$")
_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")
_COUNT = re.compile(r"^[1-9][0-9]{0,11}$")
_UUID = re.compile(r"^[0-9a-fA-F-]{1,64}$")
_KEY = "%Y-%m-%dT%H:%M:%S"  # stored last_modified text starts with this, so string order is time order


def parse_datestamp(value: str) -> tuple[dt.datetime, str]:
    """Return (UTC datetime, granularity) of an OAI-PMH datestamp; ValueError if it is not one."""
    if _DAY.match(value):
        return dt.datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=dt.UTC), DAY
    if _SECONDS.match(value):
        return dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC), SECONDS
    raise ValueError(f"'{value}' is not a datestamp in the form {DAY} or {SECONDS}")


def datestamp(stored: str) -> str:
    """Return the OAI datestamp (seconds granularity) of a stored `YYYY-MM-DDTHH:MM:SS.mmmZ` time."""
    return stored[:19] + "Z"


@dataclass(frozen=True)
class Selection:
    """What a ListIdentifiers/ListRecords request asks for; from and until as the harvester wrote them."""

    prefix: str
    from_: str | None = None
    until: str | None = None
    set_spec: str | None = None

    def check(self) -> list[str]:
        """Return what is wrong with the arguments (empty when they are usable)."""
        problems: list[str] = []
        if not PREFIX_SYNTAX.match(self.prefix):
            problems.append(f"metadataPrefix '{self.prefix}' is not valid metadataPrefix syntax")
        if self.set_spec is not None and not SET_SYNTAX.match(self.set_spec):
            problems.append(f"set '{self.set_spec}' is not valid setSpec syntax")
        parsed = {}
        for name, value in (("from", self.from_), ("until", self.until)):
            if value is None:
                continue
            try:
                parsed[name] = parse_datestamp(value)
            except ValueError as exc:
                problems.append(f"{name}: {exc} (the repository's granularity is {SECONDS})")
        if len(parsed) == 2:
            (start, g1), (end, g2) = parsed["from"], parsed["until"]
            if g1 != g2:
                problems.append("from and until must have the same granularity")
            elif start > end:
                problems.append("from is later than until")
        return problems

    def bounds(self) -> tuple[str | None, str | None]:
        """Return (inclusive lower, exclusive upper) limits on the stored last_modified text.

        Both are 19-character `YYYY-MM-DDTHH:MM:SS` prefixes, so the comparison holds whether a stored time has
        milliseconds or not; a day `until` ends at the end of that day.
        """
        lower = upper = None
        if self.from_:
            lower = parse_datestamp(self.from_)[0].strftime(_KEY)
        if self.until:
            end, granularity = parse_datestamp(self.until)
            step = dt.timedelta(days=1) if granularity == DAY else dt.timedelta(seconds=1)
            try:
                upper = (end + step).strftime(_KEY)
            except OverflowError:  # until 9999-12-31: no upper limit at all
                upper = None
        return lower, upper


@dataclass(frozen=True)
class Token:
    """A resumption token: the selection, records sent, list size, and the sort key of the last record sent."""

    selection: Selection
    offset: int
    size: int
    last_modified: str
    uuid: str

    def encode(self) -> str:
        s = self.selection
        parts = [s.prefix, s.from_ or "", s.until or "", s.set_spec or "", str(self.offset), str(self.size)]
        return "/".join([*parts, self.last_modified, self.uuid])

    @classmethod
    def decode(cls, text: str) -> Token:
        """Parse a token this provider issued; ValueError for anything else."""
        parts = text.split("/")
        if len(parts) != 8:
            raise ValueError("wrong number of fields")
        prefix, from_, until, set_spec, offset, size, last_modified, uuid = parts
        selection = Selection(prefix, from_ or None, until or None, set_spec or None)
        if selection.check() or not _COUNT.match(offset) or not _COUNT.match(size):
            raise ValueError("malformed fields")
        if not _STAMP.match(last_modified) or not _UUID.match(uuid):
            raise ValueError("malformed sort key")
        return cls(selection, int(offset), int(size), last_modified, uuid)
