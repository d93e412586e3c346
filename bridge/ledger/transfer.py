"""Move a whole ledger between backends: export to a JSON Lines file, import into an empty ledger.

The file is a header line (format, schema version) and then one line per row, ``{"table": …, "row": {…}}``,
tables in dependency order, rows in key order; raw XML (bytes) is base64. Ids are kept, so harvest windows
still point at their runs and verify results at theirs. Export -> import -> export gives the same file.
"""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from bridge.errors import UsageError
from bridge.fsutil import atomic_writer
from bridge.ledger.schema import SCHEMA_VERSION, SERIAL_TABLES, TABLES
from bridge.ledger.store import Ledger

FORMAT = "oai-bridge-ledger"
BATCH = 2000
_KEYS = {
    "deposit": "deposit_key, profile",
    "harvest_window": "run_id, window_from",
    "record": "endpoint, prefix, identifier",
    "verify_result": "run_id, pid, check_name",
}


@dataclass
class TransferSummary:
    """How many rows of each table moved."""

    path: str
    ledger: str
    rows: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "ledger": self.ledger, "rows": self.rows, "total": sum(self.rows.values())}


def _open(path: Path) -> IO[str]:
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8")
    return path.open("r", encoding="utf-8")


def _rows(ledger: Ledger, table: str) -> Iterator[dict[str, Any]]:
    """Yield a table's rows in key order, a batch at a time (a ledger may hold millions of records)."""
    order = _KEYS.get(table, "id")
    cols = ", ".join(TABLES[table])
    offset = 0
    while True:
        batch = ledger.query(f"SELECT {cols} FROM {table} ORDER BY {order} LIMIT ? OFFSET ?", (BATCH, offset))
        yield from batch
        if len(batch) < BATCH:
            return
        offset += BATCH


def export_ledger(ledger: Ledger, path: Path) -> TransferSummary:
    """Write every row of the ledger to `path` (.jsonl, or .jsonl.gz), atomically."""
    summary = TransferSummary(str(path), ledger.where)
    with atomic_writer(path, what="the ledger export") as raw_out:
        out: IO[bytes] | gzip.GzipFile = raw_out
        if path.suffix == ".gz":
            out = gzip.GzipFile(fileobj=raw_out, mode="wb", mtime=0)
        out.write(json.dumps({"format": FORMAT, "schema_version": SCHEMA_VERSION}).encode() + b"\n")
        for table in TABLES:
            n = 0
            for row in _rows(ledger, table):
                if row.get("raw") is not None:
                    row["raw"] = base64.b64encode(bytes(row["raw"])).decode("ascii")
                line = json.dumps({"table": table, "row": row}, ensure_ascii=False, sort_keys=True)
                out.write(line.encode("utf-8") + b"\n")
                n += 1
            summary.rows[table] = n
        if out is not raw_out:
            out.close()  # writes the gzip trailer; the file itself is closed by atomic_writer
    return summary


def import_ledger(ledger: Ledger, path: Path) -> TransferSummary:
    """Load an export into an empty ledger in one transaction; refuse a ledger that already holds rows."""
    summary = TransferSummary(str(path), ledger.where, {t: 0 for t in TABLES})
    busy = [t for t in TABLES if ledger.one(f"SELECT 1 AS x FROM {t} LIMIT 1")]
    if busy:
        raise UsageError(
            f"the ledger {ledger.where} is not empty (rows in {', '.join(busy)}): import only into a new ledger",
            hint="point BRIDGE_LEDGER_URL (or --ledger) at an empty database",
        )
    try:
        source = _open(path)
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        _load(ledger, path, source, summary)
    except (OSError, EOFError) as exc:  # a truncated or mislabelled .gz
        raise UsageError(f"cannot read {path}: {exc}", hint="use a file from 'bridge ledger export'") from exc
    for table in SERIAL_TABLES:
        ledger.db.reset_sequence(table)
    return summary


def _load(ledger: Ledger, path: Path, source: IO[str], summary: TransferSummary) -> None:
    with source, ledger.transaction() as tx:
        _header(path, source.readline())
        pending: dict[str, list[tuple[Any, ...]]] = {t: [] for t in TABLES}

        def flush(table: str) -> None:
            cols = TABLES[table]
            tx.executemany(
                f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", pending[table]
            )
            summary.rows[table] += len(pending[table])
            pending[table] = []

        for number, line in enumerate(source, start=2):
            try:
                item = json.loads(line)
                table, row = item["table"], item["row"]
                cols = TABLES[table]
                if row.get("raw") is not None:
                    row["raw"] = base64.b64decode(row["raw"])
                pending[table].append(tuple(row.get(c) for c in cols))
            except (ValueError, KeyError, TypeError) as exc:
                raise UsageError(
                    f"{path}:{number}: not a ledger row ({exc})", hint="use a file from 'bridge ledger export'"
                ) from exc
            if len(pending[table]) >= BATCH:
                flush(table)
        for table in TABLES:
            flush(table)


def _header(path: Path, line: str) -> None:
    try:
        header = json.loads(line)
    except ValueError:
        header = None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise UsageError(f"{path}:1: not an oai-bridge ledger export", hint="use a file from 'bridge ledger export'")
    if int(header.get("schema_version", 0)) != SCHEMA_VERSION:
        raise UsageError(
            f"{path}:1: exported at schema version {header.get('schema_version')}, this bridge writes {SCHEMA_VERSION}",
            hint="import it with the oai-bridge release that exported it, then export again after upgrading",
        )
