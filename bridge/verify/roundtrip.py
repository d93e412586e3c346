"""The OAI-PMH round trip: is the deposit in the harvested records, and do its fields match the deposit?

Verify never harvests (it stays read-only towards OAI-PMH; ``bridge harvest`` does that): it reads the
ledger's ``record`` table. DSpace's OAI index lags behind the database, so a record missing within
``grace`` of its deposit is *pending*; later it is *failed*, with a hint to harvest first when no harvest
of the endpoint completed after the deposit.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bridge.errors import BridgeError
from bridge.ledger import Ledger
from bridge.times import parse_time
from bridge.verify import compare
from bridge.verify.model import Result, Status

PREFIXES = ("oai_dc", "oai_datacite")


@dataclass
class HarvestedIndex:
    """The harvested records of one endpoint by Handle, and when that endpoint was last harvested."""

    ledger: Ledger
    endpoint: str | None

    def record(self, prefix: str, handle: str) -> dict[str, Any] | None:
        """Return the newest harvested record of `handle` (identifier ending ':<handle>'), this endpoint first."""
        return self.ledger.record_for_handle(prefix, handle, self.endpoint)

    def harvested_prefix(self, prefix: str) -> bool:
        """Tell whether this endpoint was ever harvested in `prefix` (oai_datacite is optional)."""
        return self.ledger.ever_harvested(prefix, self.endpoint)

    def last_complete_harvest(self, prefix: str) -> str | None:
        row = self.ledger.last_complete_harvest(self.endpoint or "", prefix)
        return row["started"] if row else None


def check_oai(
    index: HarvestedIndex,
    prefix: str,
    receipt: dict[str, Any],
    *,
    now: dt.datetime,
    grace: dt.timedelta,
    forms: set[str],
) -> Result:
    """Compare the harvested record of a deposit (in `prefix`) with the receipt's `deposited` fields."""
    started = time.perf_counter()
    handle = receipt.get("handle") or "?"

    def result(status: Status, detail: str) -> Result:
        return Result(handle, prefix, status, detail, seconds=time.perf_counter() - started)

    row = index.record(prefix, handle)
    if row is None:
        created = parse_time(receipt.get("created"))
        if created is not None and now - created < grace:
            return result("pending", f"not harvested yet; deposited {receipt.get('created')}, within the grace period")
        last = index.last_complete_harvest(prefix)
        last_time = parse_time(last)
        if last_time is None or (created is not None and last_time < created):
            return result(
                "failed",
                f"not in the harvested {prefix} records: run 'bridge harvest' first "
                f"(last complete harvest: {last or 'never'})",
            )
        return result("failed", f"not in the repository's OAI-PMH {prefix} records (harvested {last})")
    if row["deleted"]:
        return result("failed", f"OAI-PMH lists {row['identifier']} as deleted (withdrawn or hidden)")
    metadata = row["metadata"] or {}
    deposited = receipt.get("deposited") or {}
    doi = receipt.get("doi")
    if prefix == "oai_datacite":
        problems = compare.oai_datacite(deposited, metadata, handle=handle, doi=doi, forms=forms)
    else:
        problems = compare.oai_dc(deposited, metadata, handle=handle, doi=doi, forms=forms)
    if problems:
        return result("failed", f"{row['identifier']} ({row['datestamp']}): " + "; ".join(problems))
    return result("passed", f"{row['identifier']} ({row['datestamp']}) matches the deposit")


@dataclass
class RoundTrip:
    """What the OAI round-trip checks of one run share: the harvested records, the clock, the crosswalks."""

    index: HarvestedIndex
    now: dt.datetime
    grace: dt.timedelta
    mapping_dirs: list[Path] = field(default_factory=list)
    _mappings: dict[str, Any] = field(default_factory=dict)
    _prefixes: list[str] | None = None

    def checks(self, prefix: str) -> bool:
        """Tell whether `prefix` is compared in this run: oai_dc always, others once harvested."""
        if self._prefixes is None:
            self._prefixes = [p for p in PREFIXES if p == "oai_dc" or self.index.harvested_prefix(p)]
        return prefix in self._prefixes

    def check(self, prefix: str, receipt: dict[str, Any]) -> Result | None:
        """Compare a deposit's harvested record in `prefix` with its receipt, or None when `prefix` is not compared."""
        if not self.checks(prefix):
            return None
        forms = compare.type_forms(receipt.get("deposited") or {}, receipt.get("datacite"), self.mapping(receipt))
        return check_oai(self.index, prefix, receipt, now=self.now, grace=self.grace, forms=forms)

    def mapping(self, receipt: dict[str, Any]) -> Any:
        """Return the crosswalk mapping of the receipt's kind (for the forms of its type), or None."""
        kind = str(receipt.get("kind") or "")
        if kind not in self._mappings:
            from bridge.crosswalk.mapping import load_mapping

            try:
                self._mappings[kind] = load_mapping(kind, self.mapping_dirs) if kind and self.mapping_dirs else None
            except BridgeError:
                self._mappings[kind] = None
        return self._mappings[kind]
