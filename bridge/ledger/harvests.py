"""The ledger's harvest tables: runs, their date windows (each with its checkpoint token) and page commits."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

from bridge.ledger.db import Row, Tx
from bridge.ledger.schema import local_id
from bridge.ledger.util import compress, to_json, utcnow


class PageRecord(Protocol):
    """A harvested record as the ledger stores it (bridge.oai.records.HarvestedRecord is one)."""

    identifier: str
    datestamp: str
    sets: list[str]
    deleted: bool
    lossy: bool
    raw: bytes
    metadata: dict[str, Any] | None


class HarvestTables:
    """Harvest runs and windows; mixed into Ledger, whose query/one/transaction it uses."""

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        raise NotImplementedError

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        raise NotImplementedError

    def transaction(self) -> AbstractContextManager[Tx]:
        raise NotImplementedError

    def harvest_run(self, run_id: int) -> Row | None:
        return self.one("SELECT * FROM harvest_run WHERE id = ?", (run_id,))

    def unfinished_harvest(self, endpoint: str, prefix: str, set_spec: str) -> Row | None:
        """Return the newest interrupted run of this scope, to resume."""
        return self.one(
            "SELECT * FROM harvest_run WHERE endpoint = ? AND prefix = ? AND set_spec = ? AND status = 'running' "
            "ORDER BY id DESC LIMIT 1",
            (endpoint, prefix, set_spec),
        )

    def last_complete_harvest(self, endpoint: str, prefix: str, set_spec: str | None = None) -> Row | None:
        """Return the newest complete run of this endpoint and prefix (and set, when given)."""
        sql = "SELECT * FROM harvest_run WHERE endpoint = ? AND prefix = ? AND status = 'complete'"
        params: tuple[Any, ...] = (endpoint, prefix)
        if set_spec is not None:
            sql, params = sql + " AND set_spec = ?", (*params, set_spec)
        return self.one(sql + " ORDER BY id DESC LIMIT 1", params)

    def ever_harvested(self, prefix: str, endpoint: str | None) -> bool:
        """Tell whether `prefix` was ever harvested (from `endpoint`, or from anywhere when None)."""
        if endpoint:
            row = self.one(
                "SELECT 1 AS x FROM harvest_run WHERE prefix = ? AND endpoint = ? LIMIT 1", (prefix, endpoint)
            )
        else:
            row = self.one("SELECT 1 AS x FROM harvest_run WHERE prefix = ? LIMIT 1", (prefix,))
        return row is not None

    def create_harvest(
        self,
        endpoint: str,
        prefix: str,
        set_spec: str,
        *,
        from_date: str | None,
        until_date: str | None,
        response_date: str,
        windows: Iterable[tuple[str, str]],
    ) -> Row:
        """Open a run with its date windows (each to be harvested once) and return the run row."""
        now = utcnow()
        with self.transaction() as tx:
            run_id = tx.execute(
                "INSERT INTO harvest_run (endpoint, prefix, set_spec, from_date, until_date, response_date, status, "
                "started) VALUES (?, ?, ?, ?, ?, ?, 'running', ?) RETURNING id",
                (endpoint, prefix, set_spec, from_date, until_date, response_date, now),
            )[0]["id"]
            tx.executemany(
                "INSERT INTO harvest_window (run_id, window_from, window_until, status, updated) "
                "VALUES (?, ?, ?, 'todo', ?)",
                [(run_id, lo, hi, now) for lo, hi in windows],
            )
        run = self.harvest_run(run_id)
        assert run is not None
        return run

    def harvest_windows(self, run_id: int, *, pending: bool = False) -> list[Row]:
        sql = "SELECT * FROM harvest_window WHERE run_id = ?" + (" AND status != 'done'" if pending else "")
        return self.query(sql + " ORDER BY window_from", (run_id,))

    def harvest_window(self, run_id: int, window_from: str) -> Row | None:
        return self.one("SELECT * FROM harvest_window WHERE run_id = ? AND window_from = ?", (run_id, window_from))

    def fail_window(self, run_id: int, window_from: str) -> None:
        with self.transaction() as tx:
            tx.execute(
                "UPDATE harvest_window SET status = 'failed', updated = ? WHERE run_id = ? AND window_from = ?",
                (utcnow(), run_id, window_from),
            )

    def finish_harvest(self, run_id: int, *, complete: bool, stats: dict[str, Any]) -> None:
        with self.transaction() as tx:
            tx.execute(
                "UPDATE harvest_run SET status = ?, finished = ?, stats = ? WHERE id = ?",
                ("complete" if complete else "running", utcnow() if complete else None, json.dumps(stats), run_id),
            )

    def commit_page(
        self,
        endpoint: str,
        prefix: str,
        run_id: int,
        window_from: str,
        records: Sequence[PageRecord],
        *,
        token: str | None,
        size: int | None,
        done: bool,
    ) -> tuple[int, int, int]:
        """Store a page's records with its window's token atomically; return (new, updated, unchanged).

        A record already stored with a newer datestamp is kept; concurrent writers meet in ON CONFLICT.
        """
        now = utcnow()
        new = updated = unchanged = 0
        rows: dict[str, tuple[Any, ...]] = {}
        with self.transaction() as tx:
            known: dict[str, Row] = {}
            if records:
                marks = ",".join("?" * len(records))
                for row in tx.execute(
                    f"SELECT identifier, datestamp, deleted FROM record WHERE endpoint = ? AND prefix = ? "
                    f"AND identifier IN ({marks})",
                    (endpoint, prefix, *(r.identifier for r in records)),
                ):
                    known[row["identifier"]] = row
            for rec in records:
                old = known.get(rec.identifier)
                if old is not None and old["datestamp"] > rec.datestamp:
                    unchanged += 1
                    continue
                if old is None:
                    new += 1
                elif old["datestamp"] == rec.datestamp and bool(old["deleted"]) == rec.deleted:
                    unchanged += 1
                else:
                    updated += 1
                known[rec.identifier] = {"datestamp": rec.datestamp, "deleted": int(rec.deleted)}  # repeats in a page
                rows[rec.identifier] = (
                    endpoint,
                    prefix,
                    rec.identifier,
                    local_id(rec.identifier),
                    rec.datestamp,
                    to_json(rec.sets),
                    int(rec.deleted),
                    int(rec.lossy),
                    compress(rec.raw),
                    to_json(rec.metadata) if rec.metadata is not None else None,
                    now,
                )
            tx.executemany(
                "INSERT INTO record (endpoint, prefix, identifier, local_id, datestamp, sets, deleted, lossy, raw, "
                "metadata, harvested) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (endpoint, prefix, identifier) DO UPDATE SET datestamp = excluded.datestamp, "
                "sets = excluded.sets, deleted = excluded.deleted, lossy = excluded.lossy, raw = excluded.raw, "
                "metadata = excluded.metadata, harvested = excluded.harvested "
                "WHERE excluded.datestamp >= record.datestamp",
                list(rows.values()),
            )
            tx.execute(
                "UPDATE harvest_window SET status = ?, token = ?, complete_list_size = ?, pages = pages + 1, "
                "records = records + ?, updated = ? WHERE run_id = ? AND window_from = ?",
                ("done" if done else "running", token, size, len(records), now, run_id, window_from),
            )
        return new, updated, unchanged
