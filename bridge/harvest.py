"""Harvesting as a library call: ``harvest(settings, options) -> HarvestSummary``, like publish() and verify().

The harvester itself (windows, resumption tokens, per-page commits) is ``bridge.oai.harvester``; this module
chooses the endpoint (``--endpoint``, else the profile's oai_url, else the embedded sandbox), harvests every
(prefix, set) scope and says what happened. ``harvested_records`` is what ``bridge records`` exports.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from bridge.distributed.limits import LocalHostLimiter
from bridge.endpoints import EndpointSpec
from bridge.errors import BridgeError, UsageError
from bridge.ledger import StoredRecord, open_ledger
from bridge.oai.bounds import MAX_STALE_PAGES, ChainLimits
from bridge.oai.client import OAIClient
from bridge.oai.harvester import (
    Harvester,
    Limiter,
    Progress,
    Scope,
    Stats,
    local_dispatch,
)
from bridge.oai.planning import WindowSize, parse_date, windows
from bridge.settings import Profile, Settings, ensure_home, net_limits

ENDPOINTS_AT_ONCE = 8  # providers harvested at once by one process
COORDINATOR_THREADS = 64  # providers whose windows are queued for the workers at once

__all__ = [
    "EndpointsSummary",
    "HarvestOptions",
    "HarvestSummary",
    "Harvester",
    "Scope",
    "Stats",
    "harvest",
    "harvest_endpoints",
    "harvested_records",
    "parse_date",
    "windows",
]


@dataclass
class HarvestOptions:
    """How to harvest; the CLI options of `bridge harvest`."""

    prefixes: Sequence[str] = ("oai_dc",)
    sets: Sequence[str] = ("",)  # "" = the whole repository
    from_date: str | None = None
    until_date: str | None = None
    full: bool = False
    window_size: WindowSize = "auto"  # one resumptionToken chain, or windows where there are records with parallel > 1
    parallel: int = 1  # windows at once, and the most requests any one host sees at once
    distributed: bool = False  # run the windows on `bridge worker`s (Celery) instead of threads here
    max_pages: int | None = None  # pages per token chain; None: from completeListSize, with slack
    max_stale_pages: int = MAX_STALE_PAGES  # pages in a row with nothing new that end a chain


@dataclass
class HarvestSummary:
    """What one harvest did: the endpoint, each scope's stats, and whether it was the embedded sandbox."""

    endpoint: str
    scopes: list[Stats]
    embedded: bool = False

    @property
    def complete(self) -> bool:
        return all(s.complete for s in self.scopes)

    def as_dict(self) -> dict[str, Any]:
        """Return the documented JSON shape of `bridge harvest --json`."""
        return {"endpoint": self.endpoint, "scopes": [s.as_dict() for s in self.scopes], "complete": self.complete}

    def error(self) -> BridgeError | None:
        """Return the error an incomplete harvest ends with (the first errors of each failed scope), or None."""
        failed = [s for s in self.scopes if not s.complete]
        if not failed:
            return None
        errors = "; ".join(e for s in failed for e in s.errors[:3])
        hint = next((s.hint for s in failed if s.hint), "run the same command again: it resumes from the last page")
        return BridgeError(f"harvest incomplete: {errors}", hint=hint)


def harvest(
    settings: Settings,
    options: HarvestOptions | None = None,
    *,
    profile: str | None = None,
    endpoint: str | None = None,
    progress: Progress | None = None,
    on_endpoint: Callable[[str, bool], None] | None = None,
) -> HarvestSummary:
    """Harvest every (prefix, set) scope of `endpoint`, else of the profile's oai_url, else of the embedded sandbox.

    An explicit `endpoint` reads no profile and never starts (or creates) the embedded sandbox. `on_endpoint`
    is told the URL, and whether it is the embedded sandbox's, before the first request.
    """
    options = options or HarvestOptions()
    if profile and endpoint:
        raise UsageError("give --profile or --endpoint, not both")
    ensure_home(settings)
    if endpoint:
        return _harvest_endpoint(settings, endpoint, False, options, progress, on_endpoint)
    from bridge.embedded import resolve_repository

    with resolve_repository(settings, profile) as repository:
        url = repository.profile.oai_url
        if not url:
            raise UsageError(f"profile {repository.profile.name!r} has no oai_url", hint="add oai_url to bridge.toml")
        return _harvest_endpoint(
            settings, url, repository.embedded, options, progress, on_endpoint, profile=repository.profile
        )


def _harvest_endpoint(
    settings: Settings,
    url: str,
    embedded: bool,
    options: HarvestOptions,
    progress: Progress | None,
    on_endpoint: Callable[[str, bool], None] | None,
    spec: EndpointSpec | None = None,
    limiter: Limiter | None = None,
    profile: Profile | None = None,
) -> HarvestSummary:
    limits_for = net_limits(profile, settings.env)
    if on_endpoint is not None:
        on_endpoint(url, embedded)
    summary = HarvestSummary(url, [], embedded)
    per_host = min(spec.parallel or options.parallel, options.parallel) if spec else options.parallel
    if options.distributed:
        from bridge.distributed.coordinator import harvest_dispatch

        dispatch = harvest_dispatch(settings, per_host, progress)
    else:
        dispatch = local_dispatch(per_host)
    with OAIClient(url, limits=limits_for) as client, open_ledger(settings) as ledger:
        chain = ChainLimits(max_pages=options.max_pages, max_stale_pages=options.max_stale_pages)
        harvester = Harvester(client, ledger, progress=progress, limiter=limiter, chain_limits=chain)
        for prefix in (spec.prefixes if spec else None) or options.prefixes or ("oai_dc",):
            for set_spec in (spec.sets if spec else None) or options.sets or ("",):
                stats = harvester.run(
                    Scope(url, prefix, set_spec),
                    from_date=options.from_date,
                    until_date=options.until_date,
                    full=options.full,
                    window_size=options.window_size,
                    parallel=per_host,
                    dispatch=dispatch,
                )
                summary.scopes.append(stats)
    return summary


@dataclass
class EndpointsSummary:
    """What a many-endpoint harvest did, one HarvestSummary per endpoint (in the file's order)."""

    endpoints: list[HarvestSummary]

    @property
    def complete(self) -> bool:
        return all(e.complete for e in self.endpoints)

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON shape of `bridge harvest --endpoints FILE --json`."""
        return {"endpoints": [e.as_dict() for e in self.endpoints], "complete": self.complete}

    def error(self) -> BridgeError | None:
        """Return the error an incomplete harvest ends with, naming the endpoints that failed, or None."""
        failed = [e for e in self.endpoints if not e.complete]
        if not failed:
            return None
        errors = "; ".join(
            f"{e.endpoint}: {e.scopes[0].errors[0] if e.scopes and e.scopes[0].errors else '?'}" for e in failed[:3]
        )
        return BridgeError(
            f"harvest incomplete at {len(failed)} of {len(self.endpoints)} endpoints: {errors}",
            hint="run the same command again: every endpoint resumes from its last page",
        )


def harvest_endpoints(
    settings: Settings,
    specs: Sequence[EndpointSpec],
    options: HarvestOptions | None = None,
    *,
    progress: Progress | None = None,
) -> EndpointsSummary:
    """Harvest many providers, several at once, none seeing more than `options.parallel` requests at once."""
    options = options or HarvestOptions()
    ensure_home(settings)
    # Locally one semaphore per host covers endpoints that share a host; distributed, the workers' Redis one does.
    limiter = None if options.distributed else LocalHostLimiter(options.parallel)
    at_once = COORDINATOR_THREADS if options.distributed else ENDPOINTS_AT_ONCE

    def one(spec: EndpointSpec) -> HarvestSummary:
        try:
            return _harvest_endpoint(settings, spec.url, False, options, progress, None, spec, limiter)
        except BridgeError as exc:  # one provider down must not stop the others
            failed = Stats(spec.url, (spec.prefixes or list(options.prefixes) or ["oai_dc"])[0], "")
            failed.errors.append(exc.message)
            return HarvestSummary(spec.url, [failed])

    with ThreadPoolExecutor(max_workers=max(1, min(at_once, len(specs))), thread_name_prefix="endpoint") as pool:
        return EndpointsSummary(list(pool.map(one, specs)))


def harvested_records(
    settings: Settings, *, endpoint: str | None = None, prefix: str | None = None
) -> list[StoredRecord]:
    """Return the harvested records (one per endpoint, prefix and identifier), or none before any harvest."""
    if settings.ledger_location is None and not settings.ledger_path.exists():
        return []
    with open_ledger(settings) as ledger:
        return ledger.records(endpoint=endpoint, prefix=prefix)
