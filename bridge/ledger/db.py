"""The two ledger backends behind one small interface: SQLite (the default, one file) and PostgreSQL.

SQL is written once with ``?`` placeholders and portable syntax (``ON CONFLICT``, ``RETURNING``); the
PostgreSQL backend rewrites the placeholders for psycopg. Rows come back as dicts on both.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from bridge.errors import ConfigError

Row = dict[str, Any]


class Tx(Protocol):
    """What a transaction offers: statements that all commit or all roll back."""

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...
    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...


def _dict_row(cursor: sqlite3.Cursor, row: tuple[Any, ...]) -> Row:
    return {d[0]: v for d, v in zip(cursor.description, row, strict=True)}


class SQLiteDB:
    """One SQLite file in WAL mode; one connection shared by the threads of a process."""

    dialect = "sqlite"

    def __init__(self, path: Path) -> None:
        self.where = str(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(f"cannot open the ledger {path}: {exc}", hint="check BRIDGE_HOME") from exc
        self.conn.row_factory = _dict_row
        self.lock = threading.RLock()
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        with self.lock:
            return self.conn.execute(sql, tuple(params)).fetchall()

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        with self.lock:  # rows of mappings bind :named placeholders
            self.conn.executemany(sql, [r if isinstance(r, dict) else tuple(r) for r in rows])

    @contextmanager
    def transaction(self, *, schema: bool = False) -> Iterator[Tx]:
        with self.lock:
            self.conn.execute("BEGIN IMMEDIATE")  # writers queue here instead of failing half-way
            try:
                yield self
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    def table_exists(self, name: str) -> bool:
        return bool(self.execute("SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)))

    def reset_sequence(self, table: str) -> None:
        """Nothing to do: SQLite's AUTOINCREMENT follows explicit ids by itself."""

    def close(self) -> None:
        with self.lock:
            self.conn.close()


_PLACEHOLDER = re.compile(r"\?")


class PostgresDB:
    """A PostgreSQL database over psycopg 3; one connection per process, shared by its threads."""

    dialect = "postgresql"

    def __init__(self, url: str) -> None:
        try:
            import psycopg
            from psycopg.rows import dict_row
        except ImportError as exc:  # pragma: no cover - psycopg is a dependency
            raise ConfigError("a PostgreSQL ledger needs psycopg", hint="pip install 'psycopg[binary]'") from exc
        self.where = _mask(url)
        self._errors = psycopg.Error
        try:
            self.conn = psycopg.connect(url, autocommit=True, row_factory=dict_row, connect_timeout=15)
        except psycopg.Error as exc:
            raise ConfigError(
                f"cannot open the ledger {self.where}: {str(exc).strip().splitlines()[0]}",
                hint="check BRIDGE_LEDGER_URL (postgresql://user@host:port/db) and that PostgreSQL runs",
            ) from exc
        self.lock = threading.RLock()
        self._sql: dict[str, str] = {}

    def _q(self, sql: str) -> str:
        out = self._sql.get(sql)
        if out is None:
            out = self._sql[sql] = _PLACEHOLDER.sub("%s", sql.replace("%", "%%"))
        return out

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        with self.lock:
            cur = self.conn.execute(self._q(sql), tuple(params))
            return cur.fetchall() if cur.description else []

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        with self.lock, self.conn.cursor() as cur:
            cur.executemany(self._q(sql), [tuple(r) for r in rows])

    @contextmanager
    def transaction(self, *, schema: bool = False) -> Iterator[Tx]:
        with self.lock, self.conn.transaction():
            if schema:  # many workers opening a fresh database at once: one creates, the others wait
                self.conn.execute("SELECT pg_advisory_xact_lock(4242013)")
            yield self

    def table_exists(self, name: str) -> bool:
        return self.execute("SELECT to_regclass(?) AS t", (name,))[0]["t"] is not None

    def reset_sequence(self, table: str) -> None:
        """Move the id sequence past the largest id (after rows were copied in with their ids)."""
        self.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, "
            "false)"
        )

    def close(self) -> None:
        with self.lock:
            self.conn.close()


DB = SQLiteDB | PostgresDB


def _mask(url: str) -> str:
    """Hide a password in a database URL (user:secret@host -> user:***@host)."""
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)


def connect(target: str | Path) -> DB:
    """Open a ledger: a path or sqlite:///path is SQLite, postgresql://… is PostgreSQL."""
    if isinstance(target, Path):
        return SQLiteDB(target)
    if target.startswith(("postgresql://", "postgres://")):
        return PostgresDB(target)
    if target.startswith("sqlite:///"):
        return SQLiteDB(Path(target.removeprefix("sqlite://")))
    if "://" in target:
        raise ConfigError(
            f"unsupported ledger URL {_mask(target)!r}",
            hint="use postgresql://user@host:port/db or sqlite:///path/to/ledger.sqlite",
        )
    return SQLiteDB(Path(target))
