"""The ledger: deposits and their steps, harvested records, harvest and verify runs.

All SQL of the bridge lives in this package, behind typed methods of :class:`Ledger`. The default backend
is SQLite under BRIDGE_HOME; ``BRIDGE_LEDGER_URL=postgresql://…`` (or ``ledger_url`` in bridge.toml) puts it
on PostgreSQL for many workers. Every write is one transaction, so a process killed at any point leaves the
ledger at the last complete step.
"""

from __future__ import annotations

from bridge.ledger.harvests import PageRecord
from bridge.ledger.schema import SCHEMA_VERSION
from bridge.ledger.store import Ledger, StoredRecord, open_ledger
from bridge.ledger.util import compress, decompress, utcnow

__all__ = ["SCHEMA_VERSION", "Ledger", "PageRecord", "StoredRecord", "compress", "decompress", "open_ledger", "utcnow"]
