"""The Ledger: typed methods over one backend; the only place the bridge writes SQL."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bridge.ledger.db import Row, Tx, connect
from bridge.ledger.harvests import HarvestTables
from bridge.ledger.schema import ensure_schema, local_id
from bridge.ledger.util import decompress, utcnow

if TYPE_CHECKING:
    from bridge.settings import Settings


@dataclass(frozen=True)
class StoredRecord:
    """One harvested record as the ledger keeps it (the newest harvest of its endpoint, prefix and identifier)."""

    identifier: str
    datestamp: str
    deleted: bool
    sets: list[str]
    prefix: str
    lossy: bool
    endpoint: str
    metadata: dict[str, Any] | None

    def as_dict(self) -> dict[str, Any]:
        """Return the record as `bridge records` exports it (keys in this order)."""
        return asdict(self)


def open_ledger(settings: Settings) -> Ledger:
    """Open the ledger the settings name: BRIDGE_LEDGER_URL / ledger_url, else SQLite under BRIDGE_HOME."""
    return Ledger(settings.ledger_url)


class Ledger(HarvestTables):
    """The bridge's state; safe to share between the threads of one process."""

    def __init__(self, target: str | Path) -> None:
        self.db = connect(target)
        self.dialect = self.db.dialect
        self.where = self.db.where
        try:
            ensure_schema(self.db)
        except BaseException:
            self.db.close()
            raise

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        """Run statements atomically; nothing of a failed block is kept."""
        with self.db.transaction() as tx:
            yield tx

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Run a read (``?`` placeholders) on either backend; for tests and diagnostics."""
        return self.db.execute(sql, params)

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None

    # -- deposits ---------------------------------------------------------------------------------------
    def deposit(self, deposit_key: str, profile: str) -> Row | None:
        row = self.one("SELECT * FROM deposit WHERE deposit_key = ? AND profile = ?", (deposit_key, profile))
        if row and row.get("receipt"):
            row["receipt"] = json.loads(row["receipt"])
        return row

    def deposits(self, profile: str | None = None) -> list[Row]:
        sql, params = "SELECT * FROM deposit", tuple[str, ...]()
        if profile is not None:
            sql, params = sql + " WHERE profile = ?", (profile,)
        rows = self.query(sql + " ORDER BY created, deposit_key", params)
        for row in rows:
            if row.get("receipt"):
                row["receipt"] = json.loads(row["receipt"])
        return rows

    _DEPOSIT_FIELDS = frozenset({"target", "path", "state", "item_id", "handle", "doi", "receipt"})

    def save_deposit(self, deposit_key: str, profile: str, **fields: Any) -> None:
        """Insert or update a deposit row; `receipt` is stored as JSON."""
        unknown = set(fields) - self._DEPOSIT_FIELDS
        if unknown:
            raise ValueError(f"unknown deposit fields: {sorted(unknown)}")
        if fields.get("receipt") is not None:
            fields["receipt"] = json.dumps(fields["receipt"], sort_keys=True)
        now = utcnow()
        with self.transaction() as tx:
            # the primary key makes a second writer of the same deposit update, never duplicate
            tx.execute(
                "INSERT INTO deposit (deposit_key, profile, target, state, created, updated) VALUES (?,?,?,?,?,?) "
                "ON CONFLICT (deposit_key, profile) DO NOTHING",
                (deposit_key, profile, fields.get("target", ""), fields.get("state", "planned"), now, now),
            )
            if fields:
                cols = ", ".join(f"{k} = ?" for k in fields)
                tx.execute(
                    f"UPDATE deposit SET {cols}, updated = ? WHERE deposit_key = ? AND profile = ?",
                    (*fields.values(), now, deposit_key, profile),
                )

    def step(
        self, deposit_key: str, profile: str, step: str, status: str, detail: dict[str, Any] | None = None
    ) -> None:
        """Record that a publish step started, finished or failed (written before and after each remote write)."""
        with self.transaction() as tx:
            tx.execute(
                "INSERT INTO deposit_step (deposit_key, profile, step, status, detail, at) VALUES (?,?,?,?,?,?)",
                (deposit_key, profile, step, status, json.dumps(detail or {}), utcnow()),
            )

    def steps(self, deposit_key: str, profile: str) -> list[Row]:
        rows = self.query(
            "SELECT step, status, detail, at FROM deposit_step WHERE deposit_key = ? AND profile = ? ORDER BY id",
            (deposit_key, profile),
        )
        for row in rows:
            row["detail"] = json.loads(row["detail"] or "{}")
        return rows

    # -- harvested records ------------------------------------------------------------------------------
    def records(self, *, endpoint: str | None = None, prefix: str | None = None) -> list[StoredRecord]:
        """Return the harvested records, of one endpoint and/or prefix when given, by endpoint, prefix, identifier."""
        sql = "SELECT endpoint, prefix, identifier, datestamp, sets, deleted, lossy, metadata FROM record"
        where, params = [], []
        for column, value in (("endpoint", endpoint), ("prefix", prefix)):
            if value:
                where.append(f"{column} = ?")
                params.append(value)
        if where:
            sql += " WHERE " + " AND ".join(where)
        return [
            StoredRecord(
                identifier=row["identifier"],
                datestamp=row["datestamp"],
                deleted=bool(row["deleted"]),
                sets=json.loads(row["sets"]),
                prefix=row["prefix"],
                lossy=bool(row["lossy"]),
                endpoint=row["endpoint"],
                metadata=json.loads(row["metadata"]) if row["metadata"] else None,
            )
            for row in self.query(sql + " ORDER BY endpoint, prefix, identifier", params)
        ]

    def record_identifiers(self, endpoint: str, prefix: str) -> list[str]:
        rows = self.query(
            "SELECT identifier FROM record WHERE endpoint = ? AND prefix = ? ORDER BY identifier", (endpoint, prefix)
        )
        return [r["identifier"] for r in rows]

    def raw_record(self, endpoint: str, prefix: str, identifier: str) -> bytes | None:
        row = self.one(
            "SELECT raw FROM record WHERE endpoint = ? AND prefix = ? AND identifier = ?",
            (endpoint, prefix, identifier),
        )
        return decompress(bytes(row["raw"])) if row and row["raw"] is not None else None

    def record_for_handle(self, prefix: str, handle: str, endpoint: str | None) -> Row | None:
        """Return the newest record whose identifier ends in ':<handle>', from `endpoint` first; metadata decoded."""
        rows = self.query(
            "SELECT endpoint, identifier, datestamp, deleted, metadata, harvested FROM record "
            "WHERE prefix = ? AND local_id = ?",
            (prefix, local_id(handle)),
        )
        rows = [r for r in rows if r["identifier"].endswith(":" + handle)]
        if not rows:
            return None
        rows.sort(key=lambda r: (r["endpoint"] == (endpoint or ""), r["harvested"]), reverse=True)
        row = rows[0]
        row["metadata"] = json.loads(row["metadata"]) if row["metadata"] else None
        return row

    def live_records(self, endpoint: str, since: str | None = None) -> list[Row]:
        """Return (identifier, metadata decoded) of the endpoint's records that are not deleted, by identifier."""
        sql = "SELECT identifier, metadata FROM record WHERE endpoint = ? AND deleted = 0"
        params: tuple[Any, ...] = (endpoint,)
        if since is not None:
            sql, params = sql + " AND datestamp >= ?", (*params, since)
        rows = self.query(sql + " ORDER BY identifier", params)
        for row in rows:
            row["metadata"] = json.loads(row["metadata"]) if row["metadata"] else {}
        return rows

    # -- verify runs ------------------------------------------------------------------------------------
    def start_verify(self, profile: str) -> tuple[int, str]:
        """Open a verify run; return (id, started)."""
        started = utcnow()
        with self.transaction() as tx:
            run_id = tx.execute(
                "INSERT INTO verify_run (profile, started) VALUES (?, ?) RETURNING id", (profile, started)
            )[0]["id"]
        return int(run_id), started

    def verify_run_ids(self, profile: str, before: int, limit: int) -> list[int]:
        """Return the ids of the profile's finished runs older than `before`, newest first."""
        rows = self.query(
            "SELECT id FROM verify_run WHERE profile = ? AND id < ? AND finished IS NOT NULL ORDER BY id DESC LIMIT ?",
            (profile, before, limit),
        )
        return [int(r["id"]) for r in rows]

    def verify_results(self, run_ids: Sequence[int]) -> list[Row]:
        """Return the results of these runs, newest run first (detail decoded)."""
        if not run_ids:
            return []
        marks = ",".join("?" * len(run_ids))
        rows = self.query(
            f"SELECT run_id, pid, check_name, status, detail FROM verify_result WHERE run_id IN ({marks}) "
            "ORDER BY run_id DESC, pid, check_name",
            tuple(run_ids),
        )
        for row in rows:
            row["detail"] = json.loads(row["detail"]) if row["detail"] else {}
        return rows

    def finish_verify(
        self, run_id: int, results: Iterable[tuple[str, str, str, dict[str, Any]]], summary: dict[str, Any]
    ) -> str:
        """Store (pid, check, status, detail) results and the summary in one transaction; return `finished`."""
        finished = utcnow()
        with self.transaction() as tx:
            tx.executemany(
                "INSERT INTO verify_result (run_id, pid, check_name, status, detail) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (run_id, pid, check_name) DO UPDATE SET status = excluded.status, "
                "detail = excluded.detail",
                [(run_id, pid, check, status, json.dumps(detail)) for pid, check, status, detail in results],
            )
            tx.execute(
                "UPDATE verify_run SET finished = ?, summary = ? WHERE id = ?", (finished, json.dumps(summary), run_id)
            )
        return finished

    def verify_runs(self, profile: str | None = None, limit: int = 20) -> list[Row]:
        """Return the latest runs with their summaries, newest first."""
        sql = "SELECT id, profile, started, finished, summary FROM verify_run"
        params: tuple[Any, ...] = ()
        if profile is not None:
            sql, params = sql + " WHERE profile = ?", (profile,)
        out = self.query(sql + " ORDER BY id DESC LIMIT ?", (*params, limit))
        for row in out:
            row["summary"] = json.loads(row["summary"]) if row["summary"] else None
        return out
