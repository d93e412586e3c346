"""Verify runs in the ledger (``verify_run``, ``verify_result``) and what changed since the previous runs."""

from __future__ import annotations

import json
from typing import Any

from bridge.ledger import Ledger, utcnow
from bridge.verify.model import Report, Result

LOOKBACK_RUNS = 10  # a (pid, check) missing from the last run (say, a --pid run) is looked up this far back


def start_run(ledger: Ledger, profile: str) -> tuple[int, str]:
    """Open a run row; return (id, started)."""
    started = utcnow()
    with ledger.transaction() as db:
        cur = db.execute("INSERT INTO verify_run (profile, started) VALUES (?, ?)", (profile, started))
    return int(cur.lastrowid or 0), started


def previous_statuses(ledger: Ledger, profile: str, run_id: int) -> tuple[dict[tuple[str, str], str], int | None]:
    """Return the latest earlier status of each (pid, check) of this profile, and the previous run's id."""
    runs = ledger.query(
        "SELECT id FROM verify_run WHERE profile = ? AND id < ? AND finished IS NOT NULL ORDER BY id DESC LIMIT ?",
        (profile, run_id, LOOKBACK_RUNS),
    )
    if not runs:
        return {}, None
    ids = [r["id"] for r in runs]
    marks = ",".join("?" * len(ids))
    rows = ledger.query(
        f"SELECT run_id, pid, check_name, status FROM verify_result WHERE run_id IN ({marks}) ORDER BY run_id DESC",
        tuple(ids),
    )
    latest: dict[tuple[str, str], str] = {}
    for row in rows:
        latest.setdefault((row["pid"], row["check_name"]), row["status"])
    return latest, ids[0]


def mark_changes(results: list[Result], previous: dict[tuple[str, str], str], have_history: bool) -> None:
    """Set `changed`: newly-broken (failed now, not before) or fixed (failed before, passes now)."""
    if not have_history:
        return
    for r in results:
        before = previous.get((r.pid, r.check))
        if r.status == "failed" and before != "failed":
            r.changed = "newly-broken"
        elif r.status == "passed" and before == "failed":
            r.changed = "fixed"


def finish_run(ledger: Ledger, run_id: int, report: Report) -> None:
    """Store every result and the summary in one transaction."""
    rows: dict[tuple[str, str], tuple[Any, ...]] = {}
    for r in report.results:
        detail = json.dumps({"detail": r.detail, "url": r.url, "changed": r.changed, "subject": r.subject})
        rows[(r.pid, r.check)] = (run_id, r.pid, r.check, r.status, detail)
    with ledger.transaction() as db:
        db.executemany(
            "INSERT OR REPLACE INTO verify_result (run_id, pid, check_name, status, detail) VALUES (?, ?, ?, ?, ?)",
            list(rows.values()),
        )
        db.execute(
            "UPDATE verify_run SET finished = ?, summary = ? WHERE id = ?",
            (utcnow(), json.dumps(report.summary), run_id),
        )


def runs(ledger: Ledger, profile: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
    """Return the latest runs with their summaries, newest first."""
    sql = "SELECT id, profile, started, finished, summary FROM verify_run"
    params: tuple[Any, ...] = ()
    if profile is not None:
        sql, params = sql + " WHERE profile = ?", (profile,)
    out = ledger.query(sql + " ORDER BY id DESC LIMIT ?", (*params, limit))
    for row in out:
        row["summary"] = json.loads(row["summary"]) if row["summary"] else None
    return out
