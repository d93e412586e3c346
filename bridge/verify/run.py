"""One verify run: collect subjects, run their checks concurrently, compare with earlier runs, store the results."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bridge import __version__
from bridge.errors import TransportError, UsageError
from bridge.http import RetryPolicy
from bridge.ledger import Ledger, open_ledger
from bridge.settings import Profile, Settings, ensure_home
from bridge.times import parse_time
from bridge.verify import builtin as _builtin  # noqa: F401  (fills the check table)
from bridge.verify import history, http_checks
from bridge.verify.checklist import CHECKS
from bridge.verify.fetch import VERIFY_POLICY, Fetcher, close_clients, host_of, make_clients
from bridge.verify.model import Report, Result, VerifySubject
from bridge.verify.roundtrip import HarvestedIndex, RoundTrip
from bridge.verify.subjects import deposit_subjects, harvested_subjects, pid_subjects

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)?\s*$", re.IGNORECASE)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


@dataclass
class Options:
    """How to verify; the CLI options of `bridge verify`."""

    since: dt.datetime | None = None
    pids: list[str] = field(default_factory=list)  # when given, only these PIDs are verified
    concurrency: int = 8
    per_host: int = 4
    grace: dt.timedelta = dt.timedelta(hours=24)
    harvested: bool = True  # also check harvested records the bridge did not deposit
    timeout: float = 30.0
    policy: RetryPolicy = VERIFY_POLICY
    store: bool = True  # keep the results in the ledger
    distributed: bool = False  # run the checks on `bridge worker`s, in shards of `shard_size` subjects
    shard_size: int = 500


# Runs the checks of the subjects: here, concurrently (the default), or on Celery workers.
Runner = Callable[[Profile, list[VerifySubject], Options, dict[str, Any], RoundTrip], list[Result]]


def parse_duration(text: str) -> dt.timedelta:
    """Parse a duration such as 24h, 30m, 2d, 90s or 0 (a bare number is hours)."""
    match = _DURATION.match(text or "")
    if not match:
        raise UsageError(f"bad duration {text!r}", hint="use a number with s, m, h, d or w, e.g. --grace 24h")
    return dt.timedelta(seconds=float(match.group(1)) * _UNITS[(match.group(2) or "h").lower()])


def parse_since(text: str) -> dt.datetime:
    """Parse --since: a UTC date (YYYY-MM-DD) or an ISO 8601 time."""
    when = parse_time(text.strip() + ("T00:00:00Z" if len(text.strip()) == 10 else ""))
    if when is None:
        raise UsageError(f"bad date {text!r}", hint="use YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ (UTC)")
    return when


def verify(
    settings: Settings,
    options: Options,
    *,
    profile: str | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """Verify the named (or default) profile's PIDs, starting the embedded sandbox when none is configured.

    `progress` is told (PIDs checked, PIDs) as checks finish here, or (shards done, shards) while a
    --distributed run waits for its workers.
    """
    from bridge.embedded import resolve_repository

    ensure_home(settings)
    runner: Runner | None = None
    if options.distributed:
        from bridge.distributed.coordinator import verify_runner

        runner = verify_runner(settings, progress)
    with resolve_repository(settings, profile) as repository, open_ledger(settings) as ledger:
        return verify_profile(
            repository.profile,
            ledger,
            options,
            mapping_dirs=settings.mappings_dirs,
            transport=transport,
            runner=runner,
            progress=None if options.distributed else progress,
        )


def verify_profile(
    profile: Profile,
    ledger: Ledger,
    options: Options,
    *,
    mapping_dirs: Iterable[Path] = (),
    transport: httpx.AsyncBaseTransport | None = None,
    now: dt.datetime | None = None,
    runner: Runner | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """Run every check for the profile's subjects and return the report (stored in the ledger).

    `progress` is told (subjects checked, subjects) as each subject's checks finish (local runs only).
    """
    if options.concurrency < 1 or options.per_host < 1:
        raise UsageError("--concurrency and --per-host must be at least 1")
    started_clock = time.perf_counter()
    now = now or dt.datetime.now(dt.UTC)
    deposits = deposit_subjects(ledger, profile, None if options.pids else options.since)
    if options.pids:
        subjects = pid_subjects(options.pids, profile, deposits)
    else:
        skip = {s.handle for s in deposits if s.handle} | {s.doi.lower() for s in deposits if s.doi}
        harvested = harvested_subjects(ledger, profile, options.since, skip) if options.harvested else []
        subjects = deposits + harvested
    run_id, started = history.start_run(ledger, profile.name) if options.store else (0, "")
    fetcher_stats: dict[str, Any] = {}
    roundtrip = RoundTrip(HarvestedIndex(ledger, profile.oai_url), now, options.grace, list(mapping_dirs))
    if runner is None:
        results = check_subjects(
            profile, subjects, options, fetcher_stats, roundtrip, transport=transport, progress=progress
        )
    else:
        results = runner(profile, subjects, options, fetcher_stats, roundtrip)
    previous, previous_run = history.previous_statuses(ledger, profile.name, run_id or 1 << 62)
    history.mark_changes(results, previous, previous_run is not None)
    seconds = time.perf_counter() - started_clock
    report = Report(
        results,
        run={
            "id": run_id or None,
            "profile": profile.name,
            "started": started or now.isoformat(),
            "seconds": round(seconds, 3),
            "previous_run": previous_run,
            "subjects": dict(Counter(s.origin for s in subjects)),
            "pids_per_second": round(len(subjects) / seconds, 1) if seconds else None,
            "requests": fetcher_stats.get("requests", 0),
            # Each lookup answered once per run (repeats come from the run's cache): what a PID costs the hosts.
            "requests_per_pid": round(fetcher_stats.get("requests", 0) / len(subjects), 3) if subjects else None,
            "concurrency": options.concurrency,
            "per_host": options.per_host,
            "grace": options.grace.total_seconds(),
            "since": options.since.isoformat() if options.since else None,
            "oai_endpoint": profile.oai_url,
            "tool_version": __version__,
        },
    )
    if options.store:
        history.finish_run(ledger, run_id, report)
        report.run["finished"] = history.runs(ledger, profile.name, 1)[0]["finished"]
    return report


def check_subjects(
    profile: Profile,
    subjects: list[VerifySubject],
    options: Options,
    stats: dict[str, Any],
    roundtrip: RoundTrip,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Result]:
    """Run every check of the subjects here, concurrently; `stats` gets the number of requests."""
    return asyncio.run(_check_all(profile, subjects, options, transport, stats, roundtrip, progress))


async def _check_all(
    profile: Profile,
    subjects: list[VerifySubject],
    options: Options,
    transport: httpx.AsyncBaseTransport | None,
    stats: dict[str, Any],
    roundtrip: RoundTrip,
    progress: Callable[[int, int], None] | None = None,
) -> list[Result]:
    clients = make_clients(options.concurrency, timeout=options.timeout, transport=transport)
    try:
        fetcher = Fetcher(clients, concurrency=options.concurrency, per_host=options.per_host, policy=options.policy)
        ctx = http_checks.Context(fetcher=fetcher, profile=profile, roundtrip=roundtrip)
        done = 0

        async def one(subject: VerifySubject) -> list[Result]:
            nonlocal done
            results = await _check_subject(ctx, subject)
            done += 1
            if progress is not None:
                progress(done, len(subjects))
            return results

        batches = await asyncio.gather(*(one(s) for s in subjects))
        stats["requests"] = fetcher.requests
        _require_services(profile, fetcher)
    finally:
        await close_clients(clients)
    return [r for batch in batches for r in batch]


async def _check_subject(ctx: http_checks.Context, subject: VerifySubject) -> list[Result]:
    """Run every check of the table that applies to the subject, phase by phase."""
    results: list[Result] = []
    applicable = [c for c in CHECKS if c.applies(subject)]
    for phase in sorted({c.phase for c in applicable}):
        jobs = [c.run(ctx, subject, list(results)) for c in applicable if c.phase == phase]
        results += [r for r in await asyncio.gather(*jobs) if r is not None]
    return results


def _require_services(profile: Profile, fetcher: Fetcher) -> None:
    """Raise when a service the profile names never answered: then the checker, not the PIDs, is broken."""
    services = {
        "handle_api": profile.handle_api or http_checks.HANDLE_API,
        "doi_resolver_api": profile.doi_resolver_api or http_checks.DOI_RESOLVER_API,
        "doi_api": profile.doi_api or http_checks.DATACITE_API,
        "rest_url": profile.rest_url,
    }
    for name, url in services.items():
        host = host_of(url) if url else None
        if host and fetcher.unreachable[host] and not fetcher.answered[host]:
            raise TransportError(
                f"{name} {url} never answered ({fetcher.unreachable[host]} request(s) failed): the checks could "
                "not run, so nothing is said about the PIDs",
                hint=f"check the network and the profile's {name}, then run 'bridge verify' again",
            )
