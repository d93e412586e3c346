"""The coordinator's side: enqueue a run's units on the broker, wait for the workers, merge what they did."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from bridge.errors import ConfigError, TransportError
from bridge.ledger import Ledger
from bridge.settings import Settings

POLL = 0.5
Tick = Callable[[int, int], None]  # (units done, units in all)


@contextmanager
def _broker(settings: Settings) -> Iterator[Any]:
    """Yield the configured Celery app; an unreachable broker or no worker at all is one clear error."""
    from kombu.exceptions import OperationalError

    from bridge.distributed.app import configure

    app = configure(settings)
    where = _mask(settings.broker_url)
    try:
        if not app.control.ping(timeout=1.0):
            raise ConfigError(
                f"no bridge worker answers on the broker {where}",
                hint="start one or more with 'bridge worker' (same BRIDGE_BROKER_URL and BRIDGE_LEDGER_URL)",
            )
        yield app
    except OperationalError as exc:
        raise ConfigError(
            f"cannot reach the broker {where}: {exc}", hint="check BRIDGE_BROKER_URL and that Redis runs"
        ) from exc


def _mask(url: str) -> str:
    from bridge.ledger.db import _mask as mask

    return mask(url)


def wait_all(results: list[Any], tick: Tick | None = None) -> list[Any]:
    """Wait for every unit; return each one's value, or the exception it ended with."""
    pending = set(range(len(results)))
    while pending:
        for i in list(pending):
            if results[i].ready():
                pending.discard(i)
        if tick is not None:
            tick(len(results) - len(pending), len(results))
        if pending:
            time.sleep(POLL)
    return [r.get(propagate=False) for r in results]


def harvest_dispatch(settings: Settings, per_host: int, progress: Callable[[Any], None] | None = None) -> Any:
    """Return a Harvester dispatch that runs each pending window as a `bridge.harvest_window` unit on the workers."""
    from bridge.distributed.tasks import harvest_window
    from bridge.oai.harvester import Harvester, Scope, Stats

    def dispatch(harvester: Harvester, scope: Scope, run_id: int, todo: list[dict[str, Any]], stats: Stats) -> None:
        if not todo:
            return
        ledger = harvester.ledger
        before = _window_totals(ledger, run_id)
        units = [
            {
                "endpoint": scope.endpoint,
                "prefix": scope.prefix,
                "set_spec": scope.set_spec,
                "run_id": run_id,
                "window_from": w["window_from"],
                "per_host": per_host,
                "ledger": ledger.where,
            }
            for w in todo
        ]

        def tick(done: int, total: int) -> None:
            if progress is not None:  # the ledger, not the workers, knows how far every window got
                pages, records = _window_totals(ledger, run_id)
                stats.pages, stats.records = pages - before[0], records - before[1]
                progress(stats)

        with _broker(settings):
            values = wait_all([harvest_window.apply_async((u,)) for u in units], tick)
        for unit, value in zip(units, values, strict=True):
            if isinstance(value, BaseException):
                stats.errors.append(f"window {unit['window_from'] or 'start'}: the worker failed: {value!r}")
            else:
                stats.add(value)
        # Pages a killed worker committed before dying count too: the windows' own counters are the truth.
        pages, records = _window_totals(ledger, run_id)
        stats.pages, stats.records = pages - before[0], records - before[1]

    return dispatch


def _window_totals(ledger: Ledger, run_id: int) -> tuple[int, int]:
    windows = ledger.harvest_windows(run_id)
    return sum(int(w["pages"]) for w in windows), sum(int(w["records"]) for w in windows)


def verify_runner(settings: Settings, tick: Tick | None = None) -> Any:
    """Return a verify runner that checks the subjects in shards, as `bridge.verify_shard` units on the workers."""
    from bridge.distributed.tasks import verify_shard
    from bridge.verify.model import Result

    def runner(profile: Any, subjects: list[Any], options: Any, stats: dict[str, Any], roundtrip: Any) -> list[Any]:
        if not subjects:
            return []
        size = max(1, options.shard_size)
        base = {
            # no secrets on the broker: each worker adds the credentials from its own environment
            "profile": profile.model_dump(exclude={"password", "token", "doi_password"}),
            "concurrency": options.concurrency,
            "per_host": options.per_host,
            "timeout": options.timeout,
            "grace": options.grace.total_seconds(),
            "now": roundtrip.now.isoformat(),
            "ledger": roundtrip.index.ledger.where,
        }
        shards = [subjects[i : i + size] for i in range(0, len(subjects), size)]
        with _broker(settings):
            values = wait_all(
                [
                    verify_shard.apply_async(({**base, "subjects": [dataclasses.asdict(s) for s in shard]},))
                    for shard in shards
                ],
                tick,
            )
        results: list[Result] = []
        stats["requests"] = 0
        for value in values:
            if isinstance(value, BaseException):
                raise TransportError(f"a verify shard failed on its worker: {value!r}", hint="see the worker's log")
            if "error" in value:
                raise TransportError(value["error"], hint=value.get("hint"))
            results += [Result(**r) for r in value["results"]]
            stats["requests"] += int(value.get("requests") or 0)
        return results

    return runner


def fair_runner(settings: Settings, tick: Tick | None = None) -> Any:
    """Return a runner for `bridge fair --all` that assesses the records in shards, as `bridge.fair_shard` units."""
    from bridge.distributed.fairwire import report_from_wire
    from bridge.distributed.tasks import fair_shard

    def runner(profile: Any, subjects: list[Any], options: Any, shard_size: int = 500) -> tuple[list[Any], dict]:
        if not subjects:
            return [], {"requests": 0}
        base = {
            "profile": profile.model_dump(exclude={"password", "token", "doi_password"}),
            "concurrency": options.concurrency,
            "per_host": options.per_host,
            "timeout": options.timeout,
        }
        shards = [subjects[i : i + shard_size] for i in range(0, len(subjects), shard_size)]
        with _broker(settings):
            values = wait_all(
                [fair_shard.apply_async(({**base, "subjects": [list(s) for s in shard]},)) for shard in shards], tick
            )
        reports: list[Any] = []
        requests = 0
        for value in values:
            if isinstance(value, BaseException):
                raise TransportError(f"a FAIR shard failed on its worker: {value!r}", hint="see the worker's log")
            if "error" in value:
                raise TransportError(value["error"], hint=value.get("hint"))
            reports += [report_from_wire(r) for r in value["reports"]]
            requests += int(value.get("requests") or 0)
        return reports, {"requests": requests}

    return runner
