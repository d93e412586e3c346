"""Harvesting as a library call: ``harvest(settings, options) -> HarvestSummary``, like publish() and verify().

The harvester itself (windows, resumption tokens, per-page commits) is ``bridge.oai.harvester``; this module
chooses the endpoint (``--endpoint``, else the profile's oai_url, else the embedded sandbox), harvests every
(prefix, set) scope and says what happened. ``harvested_records`` is what ``bridge records`` exports.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bridge.errors import BridgeError, UsageError
from bridge.ledger import StoredRecord, open_ledger
from bridge.oai.client import OAIClient
from bridge.oai.harvester import Harvester, Progress, Scope, Stats, WindowSize, parse_date, windows
from bridge.settings import Settings, ensure_home

__all__ = [
    "HarvestOptions",
    "HarvestSummary",
    "Harvester",
    "Scope",
    "Stats",
    "harvest",
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
    window_size: WindowSize = "month"
    parallel: int = 1


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
        return BridgeError(
            f"harvest incomplete: {errors}", hint="run the same command again: it resumes from the last page"
        )


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
        return _harvest_endpoint(settings, url, repository.embedded, options, progress, on_endpoint)


def _harvest_endpoint(
    settings: Settings,
    url: str,
    embedded: bool,
    options: HarvestOptions,
    progress: Progress | None,
    on_endpoint: Callable[[str, bool], None] | None,
) -> HarvestSummary:
    if on_endpoint is not None:
        on_endpoint(url, embedded)
    summary = HarvestSummary(url, [], embedded)
    with OAIClient(url) as client, open_ledger(settings) as ledger:
        harvester = Harvester(client, ledger, progress=progress)
        for prefix in options.prefixes or ("oai_dc",):
            for set_spec in options.sets or ("",):
                stats = harvester.run(
                    Scope(url, prefix, set_spec),
                    from_date=options.from_date,
                    until_date=options.until_date,
                    full=options.full,
                    window_size=options.window_size,
                    parallel=options.parallel,
                )
                summary.scopes.append(stats)
    return summary


def harvested_records(
    settings: Settings, *, endpoint: str | None = None, prefix: str | None = None
) -> list[StoredRecord]:
    """Return the harvested records (one per endpoint, prefix and identifier), or none before any harvest."""
    if settings.ledger_location is None and not settings.ledger_path.exists():
        return []
    with open_ledger(settings) as ledger:
        return ledger.records(endpoint=endpoint, prefix=prefix)
