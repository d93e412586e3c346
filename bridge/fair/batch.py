"""`bridge fair --all`: every record the ledger knows (the profile's deposits and harvested records), concurrently.

The subjects are verify's (``bridge.verify.subjects``): one per published Handle, then one per live harvested
record that is not a deposit. They are assessed with verify's limits (``--concurrency``, ``--per-host``) through
one fetcher, so the Handle API, OAI-PMH Identify and shared pages are asked once per run.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx

from bridge import __version__
from bridge.fair.model import FairReport
from bridge.fair.online import FairOptions, assess_many
from bridge.ledger import Ledger, open_ledger
from bridge.settings import Profile, Settings, ensure_home
from bridge.verify.subjects import deposit_subjects, harvested_subjects


def ledger_subjects(ledger: Ledger, profile: Profile, options: FairOptions) -> list[tuple[str, dict[str, Any]]]:
    """Return (PID, what is known of it) for every deposit and every other live harvested record."""
    deposits = deposit_subjects(ledger, profile, options.since)
    skip = {s.handle for s in deposits if s.handle} | {s.doi.lower() for s in deposits if s.doi}
    harvested = harvested_subjects(ledger, profile, options.since, skip)
    return [
        (s.pid, {"handle": s.handle, "doi": s.doi, "landing": s.landing_url, "md5s": deposited_md5(s.receipt)})
        for s in deposits + harvested
    ]


def deposited_md5(receipt: dict[str, Any] | None) -> dict[str, str]:
    """Return file name -> MD5 from a deposit's receipt (empty for a harvested record)."""
    files = (receipt or {}).get("files") or []
    return {str(f["name"]): str(f["md5"]) for f in files if isinstance(f, dict) and f.get("name") and f.get("md5")}


def assess_profile(
    profile: Profile,
    ledger: Ledger,
    options: FairOptions,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    runner: Callable[..., tuple[list[FairReport], dict[str, Any]]] | None = None,
) -> tuple[list[FairReport], dict[str, Any]]:
    """Assess every record of the profile (here, or in shards by `runner` on workers); return reports and summary."""
    started = time.perf_counter()
    subjects = ledger_subjects(ledger, profile, options)
    if runner is None:
        reports, stats = asyncio.run(assess_many(profile, subjects, options, transport))
    else:
        reports, stats = runner(profile, subjects, options)
    seconds = time.perf_counter() - started
    scores = [r.score for r in reports if r.score is not None]
    statuses = Counter("error" if r.error else "ok" if r.ok else "essential_failed" for r in reports)
    extra = {
        "summary": {
            "records": len(reports),
            "ok": statuses["ok"],
            "essential_failed": statuses["essential_failed"],
            "errors": statuses["error"],
            "mean_score": round(sum(scores) / len(scores), 1) if scores else None,
            "failing_indicators": dict(
                Counter(x.indicator.id for r in reports for x in r.results if x.status == "fail").most_common()
            ),
        },
        "run": {
            "profile": profile.name,
            "seconds": round(seconds, 3),
            "pids_per_second": round(len(reports) / seconds, 1) if seconds and reports else None,
            "requests": stats["requests"],
            "concurrency": options.concurrency,
            "per_host": options.per_host,
            "since": options.since.isoformat() if options.since else None,
            "tool_version": __version__,
        },
    }
    return reports, extra


def assess_all(
    settings: Settings,
    options: FairOptions,
    *,
    profile: str | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    distributed: bool = False,
) -> tuple[list[FairReport], dict[str, Any]]:
    """Assess every record of the named (or default) profile, starting the embedded sandbox when none is set.

    `distributed` assesses the records in shards on `bridge worker`s (see bridge.distributed).
    """
    from bridge.embedded import resolve_repository

    runner = None
    if distributed:
        from bridge.distributed.coordinator import fair_runner

        runner = fair_runner(settings)
    ensure_home(settings)
    with resolve_repository(settings, profile) as repository, open_ledger(settings) as ledger:
        return assess_profile(repository.profile, ledger, options, transport=transport, runner=runner)
