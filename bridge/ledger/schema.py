"""The ledger's one schema and its one migration path, the same for SQLite and PostgreSQL.

A ledger is created at version 1 and then migrated forward step by step, so a new ledger and an old one
go through the same code. A ledger written by a newer bridge is refused, never half-understood.
Uniqueness (one record per endpoint/prefix/identifier, one deposit per key/profile, one result per
run/pid/check) is a constraint in the database, so any number of concurrent writers cannot duplicate rows.
"""

from __future__ import annotations

from collections.abc import Callable

from bridge.errors import ConfigError
from bridge.ledger.db import DB, Tx

SCHEMA_VERSION = 2

# {serial} and {blob} are the only differences between the dialects.
_V1 = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS deposit (
  deposit_key TEXT NOT NULL, profile TEXT NOT NULL, target TEXT NOT NULL, path TEXT,
  state TEXT NOT NULL, item_id TEXT, handle TEXT, doi TEXT, receipt TEXT,
  created TEXT NOT NULL, updated TEXT NOT NULL, PRIMARY KEY (deposit_key, profile));
CREATE TABLE IF NOT EXISTS deposit_step (
  id {serial}, deposit_key TEXT NOT NULL, profile TEXT NOT NULL,
  step TEXT NOT NULL, status TEXT NOT NULL, detail TEXT, at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS deposit_step_key ON deposit_step (deposit_key, profile, id);
CREATE TABLE IF NOT EXISTS harvest_run (
  id {serial}, endpoint TEXT NOT NULL, prefix TEXT NOT NULL, set_spec TEXT NOT NULL,
  from_date TEXT, until_date TEXT, response_date TEXT, status TEXT NOT NULL,
  started TEXT NOT NULL, finished TEXT, stats TEXT);
CREATE INDEX IF NOT EXISTS harvest_run_scope ON harvest_run (endpoint, prefix, set_spec, status, id);
CREATE TABLE IF NOT EXISTS harvest_window (
  run_id INTEGER NOT NULL, window_from TEXT NOT NULL, window_until TEXT NOT NULL, status TEXT NOT NULL,
  token TEXT, cursor TEXT, complete_list_size TEXT, pages INTEGER NOT NULL DEFAULT 0,
  records INTEGER NOT NULL DEFAULT 0, updated TEXT NOT NULL, PRIMARY KEY (run_id, window_from));
CREATE TABLE IF NOT EXISTS record (
  endpoint TEXT NOT NULL, prefix TEXT NOT NULL, identifier TEXT NOT NULL, datestamp TEXT NOT NULL,
  sets TEXT NOT NULL, deleted INTEGER NOT NULL, lossy INTEGER NOT NULL, raw {blob}, metadata TEXT,
  harvested TEXT NOT NULL, PRIMARY KEY (endpoint, prefix, identifier));
CREATE INDEX IF NOT EXISTS record_datestamp ON record (endpoint, prefix, datestamp);
CREATE TABLE IF NOT EXISTS verify_run (
  id {serial}, profile TEXT, started TEXT NOT NULL, finished TEXT, summary TEXT);
CREATE TABLE IF NOT EXISTS verify_result (
  run_id INTEGER NOT NULL, pid TEXT NOT NULL, check_name TEXT NOT NULL, status TEXT NOT NULL, detail TEXT,
  PRIMARY KEY (run_id, pid, check_name));
"""

_TYPES = {
    "sqlite": {"serial": "INTEGER PRIMARY KEY AUTOINCREMENT", "blob": "BLOB"},
    "postgresql": {"serial": "BIGSERIAL PRIMARY KEY", "blob": "BYTEA"},
}

# The tables in dependency order, with their columns: what export/import copies.
TABLES: dict[str, tuple[str, ...]] = {
    "deposit": (
        "deposit_key", "profile", "target", "path", "state", "item_id", "handle", "doi", "receipt", "created",
        "updated",
    ),
    "deposit_step": ("id", "deposit_key", "profile", "step", "status", "detail", "at"),
    "harvest_run": (
        "id", "endpoint", "prefix", "set_spec", "from_date", "until_date", "response_date", "status", "started",
        "finished", "stats",
    ),
    "harvest_window": (
        "run_id", "window_from", "window_until", "status", "token", "cursor", "complete_list_size", "pages",
        "records", "updated",
    ),
    "record": (
        "endpoint", "prefix", "identifier", "local_id", "datestamp", "sets", "deleted", "lossy", "raw", "metadata",
        "harvested",
    ),
    "verify_run": ("id", "profile", "started", "finished", "summary"),
    "verify_result": ("run_id", "pid", "check_name", "status", "detail"),
}  # fmt: skip
SERIAL_TABLES = ("deposit_step", "harvest_run", "verify_run")


def local_id(identifier: str) -> str:
    """Return what follows the last ':' of an OAI identifier (oai:host:10261/42 -> 10261/42), Handle lookups' key."""
    return identifier.rsplit(":", 1)[-1]


def _v2(tx: Tx, dialect: str) -> None:
    """Index records by the Handle part of their identifier: verify's lookup was a scan per PID."""
    tx.execute("ALTER TABLE record ADD COLUMN local_id TEXT")
    if dialect == "postgresql":
        tx.execute("UPDATE record SET local_id = regexp_replace(identifier, '^.*:', '')")
    else:
        rows = tx.execute("SELECT endpoint, prefix, identifier FROM record")
        tx.executemany(
            "UPDATE record SET local_id = ? WHERE endpoint = ? AND prefix = ? AND identifier = ?",
            [(local_id(r["identifier"]), r["endpoint"], r["prefix"], r["identifier"]) for r in rows],
        )
    tx.execute("CREATE INDEX IF NOT EXISTS record_local_id ON record (prefix, local_id)")


MIGRATIONS: dict[int, Callable[[Tx, str], None]] = {2: _v2}


def version_of(db: DB) -> int | None:
    if not db.table_exists("meta"):
        return None
    rows = db.execute("SELECT value FROM meta WHERE key = 'schema_version'")
    return int(rows[0]["value"]) if rows else None


def ensure_schema(db: DB) -> int:
    """Create or migrate the schema to SCHEMA_VERSION; refuse a ledger newer than this code."""
    with db.transaction(schema=True) as tx:
        version = version_of(db)
        if version is not None and version > SCHEMA_VERSION:
            raise ConfigError(
                f"the ledger {db.where} has schema version {version}, newer than this oai-bridge knows "
                f"({SCHEMA_VERSION}); it was written by a newer release",
                hint="upgrade oai-bridge (pip install -U oai-bridge) on every machine that uses this ledger",
            )
        if version is None:
            for statement in _V1.format(**_TYPES[db.dialect]).split(";"):
                if statement.strip():
                    tx.execute(statement)
            tx.execute("INSERT INTO meta (key, value) VALUES ('schema_version', '1') ON CONFLICT (key) DO NOTHING")
            version = 1
        for step in range(version + 1, SCHEMA_VERSION + 1):
            MIGRATIONS[step](tx, db.dialect)
            tx.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(step),))
        return SCHEMA_VERSION
