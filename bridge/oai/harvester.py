"""The OAI-PMH harvester: incremental, resumable harvesting of one scope into the ledger.

One run harvests one (endpoint, metadataPrefix, set) scope. It starts with Identify (granularity,
earliest datestamp), by default follows one resumptionToken chain, or with windows (``bridge.oai.planning``:
only where the provider has records) follows each window's chain strictly in order; windows may run in
parallel. Each chain is bounded (``bridge.oai.bounds``); a record without an identifier, or over the record
limit, is counted as broken and reported with its page and position, never stored. After every page, the page's
records and the window's token are committed in one transaction, so a killed harvest resumes from the
last token. The next incremental run's ``from`` is the responseDate of the first request of the last
complete run: nothing is missed, and the overlap is de-duplicated by identifier.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from bridge.errors import (
    BadResumptionToken,
    BridgeError,
    CannotDisseminateFormat,
    NoRecordsMatch,
    RepositoryError,
    UsageError,
)
from bridge.ledger import Ledger
from bridge.oai.bounds import ChainGuard, ChainLimits, EndlessList
from bridge.oai.client import Identity, OAIClient, OAIPage
from bridge.oai.parse import NS, record_is_lossy
from bridge.oai.planning import (
    WindowSize,
    cannot_disseminate,
    list_identifiers_probe,
    offered_prefixes,
    parse_date,
    plan,
    provider_earliest,
)
from bridge.oai.records import HarvestedRecord, parse_record
from bridge.oai.writer import PageWriter

MAX_WINDOW_REDOS = 3
MAX_WARNINGS = 100  # per scope; past this only `broken` counts


@dataclass
class Scope:
    endpoint: str
    prefix: str
    set_spec: str = ""  # "" = the whole repository


@dataclass
class Stats:
    """What one scope's harvest did."""

    endpoint: str
    prefix: str
    set_spec: str
    run_id: int = 0
    resumed: bool = False
    from_date: str | None = None
    until_date: str | None = None
    windows: int = 0
    pages: int = 0
    records: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    lossy: int = 0
    complete_list_size: int | None = None
    broken: int = 0  # records not stored: no identifier, no header, over the record limit
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    hint: str | None = None  # what to do after errors, true for this run (resumes or not)
    seconds: float = 0.0
    # For progress displays, not reports: each started window's expected records (its completeListSize, or
    # what it held once done) and what this run committed of it, by window start.
    window_sizes: dict[str, int] = field(default_factory=dict, repr=False)
    window_records: dict[str, int] = field(default_factory=dict, repr=False)

    @property
    def complete(self) -> bool:
        return not self.errors

    def expected_records(self) -> int | None:
        """Estimate the records of the whole run: known window sizes, the average for windows not yet started."""
        if not self.window_sizes:
            return None
        known = sum(self.window_sizes.values())
        return known + round(known / len(self.window_sizes) * max(self.windows - len(self.window_sizes), 0))

    def as_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k not in ("window_sizes", "window_records")}
        data["complete"] = self.complete
        data["records_per_second"] = round(self.records / self.seconds, 1) if self.seconds else None
        return data

    def warn(self, message: str) -> None:
        """Keep a warning for the report (the first MAX_WARNINGS; `broken` counts them all)."""
        if len(self.warnings) < MAX_WARNINGS:
            self.warnings.append(message)

    def add(self, part: dict[str, Any]) -> None:
        """Add what one window did (a worker's `as_dict()`) to this scope's totals."""
        for key in ("pages", "records", "new", "updated", "unchanged", "deleted", "lossy", "broken"):
            setattr(self, key, getattr(self, key) + int(part.get(key) or 0))
        self.errors += list(part.get("errors") or [])
        self.warnings += list(part.get("warnings") or [])[: max(0, MAX_WARNINGS - len(self.warnings))]
        self.hint = self.hint or part.get("hint")
        if part.get("complete_list_size") is not None:
            self.complete_list_size = max(self.complete_list_size or 0, int(part["complete_list_size"]))


Progress = Callable[[Stats], None]
# Harvests a run's pending windows into `stats`: threads in this process (the default) or Celery workers.
Dispatch = Callable[["Harvester", Scope, int, list[dict[str, Any]], Stats], None]
# Holds one of a host's request slots for the duration of a request (see bridge.distributed.limits).
Limiter = Callable[[str], AbstractContextManager[object]]


def local_dispatch(parallel: int) -> Dispatch:
    """Harvest the windows here, `parallel` at a time."""

    def dispatch(harvester: Harvester, scope: Scope, run_id: int, todo: list[dict[str, Any]], stats: Stats) -> None:
        if parallel > 1 and len(todo) > 1:
            with ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="harvest") as pool:
                list(pool.map(lambda w: harvester.harvest_window(scope, run_id, w, stats), todo))
        else:
            for window in todo:
                harvester.harvest_window(scope, run_id, window, stats)

    return dispatch


class Harvester:
    """Harvest scopes of one endpoint into the ledger."""

    def __init__(
        self,
        client: OAIClient,
        ledger: Ledger,
        *,
        progress: Progress | None = None,
        limiter: Limiter | None = None,
        chain_limits: ChainLimits | None = None,
    ) -> None:
        self.client = client
        self.ledger = ledger
        self.progress = progress
        self.limiter = limiter
        self.chain_limits = chain_limits or ChainLimits()
        self.host = urlsplit(client.endpoint).netloc or client.endpoint
        self.lock = threading.Lock()
        self._identity: Identity | None = None

    @property
    def identity(self) -> Identity:
        if self._identity is None:
            self._identity = self.client.identify()
        return self._identity

    def run(
        self,
        scope: Scope,
        *,
        from_date: str | None = None,
        until_date: str | None = None,
        full: bool = False,
        window_size: WindowSize = "auto",
        parallel: int = 1,
        dispatch: Dispatch | None = None,
    ) -> Stats:
        """Harvest one scope, resuming an interrupted run of the same scope when there is one."""
        started = time.monotonic()
        stats = Stats(scope.endpoint, scope.prefix, scope.set_spec)
        fresh = bool(full or from_date or until_date)  # such a run is never resumed by the same command
        run = None if fresh else self._unfinished_run(scope)
        if run is None:
            try:
                run = self._new_run(scope, from_date, until_date, full, window_size, parallel, stats)
            except CannotDisseminateFormat as exc:
                message, hint = self._offered(exc, scope)
                raise CannotDisseminateFormat(message, hint=hint) from exc
        else:
            stats.resumed = True
        stats.run_id, stats.from_date, stats.until_date = run["id"], run["from_date"], run["until_date"]
        todo = self.ledger.harvest_windows(run["id"], pending=True)
        stats.windows = len(self.ledger.harvest_windows(run["id"]))
        (dispatch or local_dispatch(parallel))(self, scope, run["id"], todo, stats)
        if stats.errors and stats.hint is None:
            stats.hint = (
                "run the same command without --full/--from/--until to resume this run from its last page "
                "(with them it starts again from the beginning)"
                if fresh
                else "run the same command again: it resumes from the last page"
            )
        stats.seconds = time.monotonic() - started
        self.ledger.finish_harvest(run["id"], complete=stats.complete, stats=stats.as_dict())
        return stats

    # -- runs and windows --------------------------------------------------------------------------------
    def _unfinished_run(self, scope: Scope) -> dict[str, Any] | None:
        return self.ledger.unfinished_harvest(scope.endpoint, scope.prefix, scope.set_spec)

    def _new_run(
        self,
        scope: Scope,
        from_date: str | None,
        until_date: str | None,
        full: bool,
        size: WindowSize,
        parallel: int,
        stats: Stats,
    ) -> dict[str, Any]:
        # Identify is the first request of the run: its responseDate is the next incremental run's `from`.
        ident = self._identity = self.client.identify()
        response_date = ident.response_date or dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        if from_date is None and not full:
            last = self.ledger.last_complete_harvest(scope.endpoint, scope.prefix, scope.set_spec)
            from_date = last["response_date"] if last else None
        if from_date:
            lo: dt.datetime | None = parse_date(from_date)
        else:  # the provider's word: a bad value is its mistake, reported, and the harvest goes on without `from`
            lo, warning = provider_earliest(ident.earliest_datestamp)
            if warning:
                stats.warn(warning)
        hi = parse_date(until_date, end=True) if until_date else None
        if lo is not None and hi is not None and lo > hi:
            raise UsageError(f"--from {from_date} is after --until {until_date}")
        step = dt.timedelta(seconds=1) if ident.seconds else dt.timedelta(days=1)
        spans: list[tuple[dt.datetime | None, dt.datetime | None]] = [(lo, hi)]
        if lo is not None and (size not in ("none", "auto") or (size == "auto" and parallel > 1)):
            probe = list_identifiers_probe(self._request, prefix=scope.prefix, set_spec=scope.set_spec, ident=ident)
            spans = plan(lo, hi, unit=size, slots=parallel, step=step, probe=probe, warn=stats.warn)
        return self.ledger.create_harvest(
            scope.endpoint,
            scope.prefix,
            scope.set_spec,
            from_date=from_date,
            until_date=until_date,
            response_date=response_date,
            windows=[
                (ident.format_date(lo_w) if lo_w else "", ident.format_date(hi_w) if hi_w else "")
                for lo_w, hi_w in spans
            ],
        )

    def _offered(self, exc: BridgeError, scope: Scope) -> tuple[str, str]:
        """Say which metadataPrefixes the provider offers (ListMetadataFormats), for cannotDisseminateFormat."""
        return cannot_disseminate(exc.message, scope.prefix, offered_prefixes(self._request))

    def harvest_window(self, scope: Scope, run_id: int, window: dict[str, Any], stats: Stats) -> None:
        """Harvest one window from its checkpoint (its last committed token) to its end; errors go to `stats`."""
        redo = 0
        while True:
            try:
                self._follow(scope, run_id, window, stats)
                return
            except BadResumptionToken as exc:
                redo += 1
                if redo > MAX_WINDOW_REDOS:
                    self._fail(run_id, window, stats, f"{exc.message} (window redone {MAX_WINDOW_REDOS} times)")
                    return
                # The token expired: only this window is harvested again, from its start.
                window = {**window, "token": None}
            except CannotDisseminateFormat as exc:
                message, hint = self._offered(exc, scope)
                with self.lock:
                    stats.hint = hint
                self._fail(run_id, window, stats, message)
                return
            except EndlessList as exc:  # its hint, not "run again": a re-run would not end the chain either
                with self.lock:
                    stats.hint = stats.hint or exc.hint
                self._fail(run_id, window, stats, exc.message)
                return
            except BridgeError as exc:
                self._fail(run_id, window, stats, exc.message)
                return

    def _fail(self, run_id: int, window: dict[str, Any], stats: Stats, message: str) -> None:
        span = f"{window['window_from'] or 'start'}..{window['window_until'] or 'now'}"
        with self.lock:
            stats.errors.append(f"window {span}: {message}")
        self.ledger.fail_window(run_id, window["window_from"])

    def _follow(self, scope: Scope, run_id: int, window: dict[str, Any], stats: Stats) -> None:
        """Follow one window's token chain; the writer commits each page with its token, in order."""
        with PageWriter(name=f"harvest-writer-{window['window_from'] or 'all'}") as writer:
            self._follow_pages(writer, scope, run_id, window, stats)

    def _follow_pages(
        self, writer: PageWriter, scope: Scope, run_id: int, window: dict[str, Any], stats: Stats
    ) -> None:
        token: str | None = window.get("token")
        seen: set[str] = set()
        guard = ChainGuard(self.chain_limits)
        while True:
            if token:
                params: dict[str, str] = {"verb": "ListRecords", "resumptionToken": token}
            else:
                params = {"verb": "ListRecords", "metadataPrefix": scope.prefix}
                if window["window_from"]:
                    params["from"] = window["window_from"]
                if window["window_until"]:
                    params["until"] = window["window_until"]
                if scope.set_spec:
                    params["set"] = scope.set_spec
            try:
                page = self._request(params)
            except NoRecordsMatch:
                writer.submit(partial(self._commit, scope, run_id, window, [], None, None, stats, done=True))
                return
            elements = page.xml.findall("oai:ListRecords/oai:record", NS)
            rt = page.resumption_token()
            next_token = rt.token if rt and rt.token else None
            size = (
                int(rt.complete_list_size) if rt and rt.complete_list_size and rt.complete_list_size.isdigit() else None
            )
            guard.page([el.findtext("oai:header/oai:identifier", "", NS) for el in elements], next_token, size)
            if next_token is not None and next_token in seen:
                raise RepositoryError(
                    f"the repository returned resumptionToken {next_token!r} twice: a loop; stopping this window",
                    hint="report it to the repository; harvest with smaller --windows to limit the damage",
                )
            if next_token:
                seen.add(next_token)
            stored = partial(self._store, scope, run_id, window, page, elements, next_token, size, stats, guard.pages)
            writer.submit(stored)
            if next_token is None:
                return
            token = next_token

    def _store(
        self,
        scope: Scope,
        run_id: int,
        window: dict[str, Any],
        page: OAIPage,
        elements: list[Any],
        token: str | None,
        size: int | None,
        stats: Stats,
        page_no: int,
    ) -> None:
        """Build a page's records and commit them with the page's token (on the writer thread)."""
        records = []
        where = f"window {window['window_from'] or 'start'}, page {page_no}"
        broken: list[str] = []
        for i, el in enumerate(elements):
            nxt = elements[i + 1].sourceline if i + 1 < len(elements) else None
            try:
                record = parse_record(el, scope.prefix, lossy=record_is_lossy(page.parsed, el, nxt))
            except ValueError:
                broken.append(f"{where}, record {i + 1}: no <header>; not stored")
                continue
            if not record.identifier:
                broken.append(f"{where}, record {i + 1}: header without an <identifier>; not stored")
                continue
            records.append(record)
        limit = self.client.limits.max_record / 1024**2
        for big in page.oversized:
            broken.append(
                f"{where}, record {big.position} ({big.identifier or 'no identifier'}): {big.size / 1024**2:.1f} MB, "
                f"over the record limit of {limit:g} MB (max_record_mb); skipped, never held whole"
            )
        if broken:
            with self.lock:
                stats.broken += len(broken)
                for message in broken:
                    stats.warn(message)
        self._commit(scope, run_id, window, records, token, size, stats, done=token is None)

    def _request(self, params: dict[str, str]) -> Any:
        if self.limiter is None:
            return self.client.harvest(**params)
        with self.limiter(self.host):
            return self.client.harvest(**params)

    def _commit(
        self,
        scope: Scope,
        run_id: int,
        window: dict[str, Any],
        records: list[HarvestedRecord],
        token: str | None,
        size: int | None,
        stats: Stats,
        *,
        done: bool,
    ) -> None:
        """Store a page's records and its token atomically; duplicates keep the newest datestamp."""
        new, updated, unchanged = self.ledger.commit_page(
            scope.endpoint, scope.prefix, run_id, window["window_from"], records, token=token, size=size, done=done
        )
        with self.lock:
            stats.pages += 1
            stats.records += len(records)
            stats.new += new
            stats.updated += updated
            stats.unchanged += unchanged
            stats.deleted += sum(1 for r in records if r.deleted)
            stats.lossy += sum(1 for r in records if r.lossy)
            if size is not None:
                stats.complete_list_size = max(stats.complete_list_size or 0, size)
            key = window["window_from"]
            got = stats.window_records[key] = stats.window_records.get(key, 0) + len(records)
            if size is not None or done:
                stats.window_sizes[key] = max(size or 0, got, stats.window_sizes.get(key, 0))
        if self.progress is not None:
            self.progress(stats)
