"""The local ledger (SQLite under BRIDGE_HOME): deposits and their steps, harvested records, verify runs.

Every write is one transaction, so a process killed at any point leaves the ledger at the last complete
step. Publish records each step before and after it happens; harvest commits a page's records with its
resumption token; verify stores each result so a report can say what changed since the last run.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bridge.errors import ConfigError

SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS deposit (
  deposit_key TEXT NOT NULL, profile TEXT NOT NULL, target TEXT NOT NULL, path TEXT,
  state TEXT NOT NULL, item_id TEXT, handle TEXT, doi TEXT, receipt TEXT,
  created TEXT NOT NULL, updated TEXT NOT NULL, PRIMARY KEY (deposit_key, profile));
CREATE TABLE IF NOT EXISTS deposit_step (
  id INTEGER PRIMARY KEY AUTOINCREMENT, deposit_key TEXT NOT NULL, profile TEXT NOT NULL,
  step TEXT NOT NULL, status TEXT NOT NULL, detail TEXT, at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS deposit_step_key ON deposit_step (deposit_key, profile, id);
CREATE TABLE IF NOT EXISTS harvest_run (
  id INTEGER PRIMARY KEY AUTOINCREMENT, endpoint TEXT NOT NULL, prefix TEXT NOT NULL, set_spec TEXT NOT NULL,
  from_date TEXT, until_date TEXT, response_date TEXT, status TEXT NOT NULL,
  started TEXT NOT NULL, finished TEXT, stats TEXT);
CREATE INDEX IF NOT EXISTS harvest_run_scope ON harvest_run (endpoint, prefix, set_spec, status, id);
CREATE TABLE IF NOT EXISTS harvest_window (
  run_id INTEGER NOT NULL, window_from TEXT NOT NULL, window_until TEXT NOT NULL, status TEXT NOT NULL,
  token TEXT, cursor TEXT, complete_list_size TEXT, pages INTEGER NOT NULL DEFAULT 0,
  records INTEGER NOT NULL DEFAULT 0, updated TEXT NOT NULL, PRIMARY KEY (run_id, window_from));
CREATE TABLE IF NOT EXISTS record (
  endpoint TEXT NOT NULL, prefix TEXT NOT NULL, identifier TEXT NOT NULL, datestamp TEXT NOT NULL,
  sets TEXT NOT NULL, deleted INTEGER NOT NULL, lossy INTEGER NOT NULL, raw BLOB, metadata TEXT,
  harvested TEXT NOT NULL, PRIMARY KEY (endpoint, prefix, identifier));
CREATE INDEX IF NOT EXISTS record_datestamp ON record (endpoint, prefix, datestamp);
CREATE TABLE IF NOT EXISTS verify_run (
  id INTEGER PRIMARY KEY AUTOINCREMENT, profile TEXT, started TEXT NOT NULL, finished TEXT, summary TEXT);
CREATE TABLE IF NOT EXISTS verify_result (
  run_id INTEGER NOT NULL, pid TEXT NOT NULL, check_name TEXT NOT NULL, status TEXT NOT NULL, detail TEXT,
  PRIMARY KEY (run_id, pid, check_name));
"""


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


def utcnow() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def compress(text: bytes) -> bytes:
    return zlib.compress(text, 1)  # raw XML compresses ~5x even at level 1; speed matters more


def decompress(blob: bytes | None) -> bytes | None:
    return zlib.decompress(blob) if blob is not None else None


class Ledger:
    """The bridge's local state; safe to share between threads of one process."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(f"cannot open the ledger {path}: {exc}", hint="check BRIDGE_HOME") from exc
        self.db.row_factory = sqlite3.Row
        self.lock = threading.RLock()
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        self.db.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))

    def close(self) -> None:
        with self.lock:
            self.db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Run statements atomically; nothing of a failed block is kept."""
        with self.lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(r) for r in self.db.execute(sql, params).fetchall()]

    def one(self, sql: str, params: tuple[Any, ...] = ()) -> dict[str, Any] | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None

    # -- deposits ---------------------------------------------------------------------------------------
    def deposit(self, deposit_key: str, profile: str) -> dict[str, Any] | None:
        row = self.one("SELECT * FROM deposit WHERE deposit_key = ? AND profile = ?", (deposit_key, profile))
        if row and row.get("receipt"):
            row["receipt"] = json.loads(row["receipt"])
        return row

    def deposits(self, profile: str | None = None) -> list[dict[str, Any]]:
        sql, params = "SELECT * FROM deposit", ()
        if profile is not None:
            sql, params = sql + " WHERE profile = ?", (profile,)
        rows = self.query(sql + " ORDER BY created", params)
        for row in rows:
            if row.get("receipt"):
                row["receipt"] = json.loads(row["receipt"])
        return rows

    def save_deposit(self, deposit_key: str, profile: str, **fields: Any) -> None:
        """Insert or update a deposit row; `receipt` is stored as JSON."""
        if "receipt" in fields and fields["receipt"] is not None:
            fields["receipt"] = json.dumps(fields["receipt"], sort_keys=True)
        now = utcnow()
        with self.transaction() as db:
            exists = db.execute(
                "SELECT 1 FROM deposit WHERE deposit_key = ? AND profile = ?", (deposit_key, profile)
            ).fetchone()
            if exists is None:
                base = {"target": fields.pop("target", ""), "state": fields.pop("state", "planned")}
                db.execute(
                    "INSERT INTO deposit (deposit_key, profile, target, state, created, updated) VALUES (?,?,?,?,?,?)",
                    (deposit_key, profile, base["target"], base["state"], now, now),
                )
            if fields:
                cols = ", ".join(f"{k} = ?" for k in fields)
                db.execute(
                    f"UPDATE deposit SET {cols}, updated = ? WHERE deposit_key = ? AND profile = ?",
                    (*fields.values(), now, deposit_key, profile),
                )

    def step(
        self, deposit_key: str, profile: str, step: str, status: str, detail: dict[str, Any] | None = None
    ) -> None:
        """Record that a publish step started, finished or failed (written before and after each remote write)."""
        with self.transaction() as db:
            db.execute(
                "INSERT INTO deposit_step (deposit_key, profile, step, status, detail, at) VALUES (?,?,?,?,?,?)",
                (deposit_key, profile, step, status, json.dumps(detail or {}), utcnow()),
            )

    def steps(self, deposit_key: str, profile: str) -> list[dict[str, Any]]:
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
        where, params = [], []
        for column, value in (("endpoint", endpoint), ("prefix", prefix)):
            if value:
                where.append(f"{column} = ?")
                params.append(value)
        sql = "SELECT endpoint, prefix, identifier, datestamp, sets, deleted, lossy, metadata FROM record"
        sql += (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY endpoint, prefix, identifier"
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
            for row in self.query(sql, tuple(params))
        ]
