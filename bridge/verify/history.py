"""Verify runs in the ledger (``verify_run``, ``verify_result``) and what changed since the previous runs."""

from __future__ import annotations

from typing import Any

from bridge.ledger import Ledger
from bridge.verify.model import Report, Result

LOOKBACK_RUNS = 10  # a (pid, check) missing from the last run (say, a --pid run) is looked up this far back


def start_run(ledger: Ledger, profile: str) -> tuple[int, str]:
    """Open a run row; return (id, started)."""
    return ledger.start_verify(profile)


def previous_statuses(ledger: Ledger, profile: str, run_id: int) -> tuple[dict[tuple[str, str], str], int | None]:
    """Return the latest earlier status of each (pid, check) of this profile, and the previous run's id."""
    ids = ledger.verify_run_ids(profile, run_id, LOOKBACK_RUNS)
    if not ids:
        return {}, None
    rows = ledger.verify_results(ids)
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
    rows: dict[tuple[str, str], tuple[str, str, str, dict[str, Any]]] = {}
    for r in report.results:
        detail = {"detail": r.detail, "url": r.url, "changed": r.changed, "subject": r.subject}
        rows[(r.pid, r.check)] = (r.pid, r.check, r.status, detail)
    ledger.finish_verify(run_id, list(rows.values()), report.summary)


def runs(ledger: Ledger, profile: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
    """Return the latest runs with their summaries, newest first."""
    return ledger.verify_runs(profile, limit)
