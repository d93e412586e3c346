"""The units of work a `bridge worker` runs: one harvest window, one shard of verify subjects or FAIR records.

Each opens this worker's ledger (once per process) and refuses to run when it is not the coordinator's.
A harvest window starts from its last committed token, so a unit redelivered after a worker died resumes it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import threading
from typing import Any

from bridge.distributed.app import app
from bridge.distributed.fairwire import report_to_wire
from bridge.distributed.limits import LocalHostLimiter, RedisHostLimiter
from bridge.errors import BridgeError, ConfigError
from bridge.fair.online import FairOptions, assess_many
from bridge.ledger import Ledger
from bridge.oai.client import OAIClient
from bridge.oai.harvester import Harvester, Scope, Stats
from bridge.settings import Profile, Settings, load_settings

# Imported here, not in the tasks: units start in several threads at once, and racing first imports of a
# package with import cycles can see a half-initialised module.
from bridge.verify.model import VerifySubject
from bridge.verify.roundtrip import HarvestedIndex, RoundTrip
from bridge.verify.run import Options, check_subjects

_lock = threading.Lock()
_ledgers: dict[str, Ledger] = {}
_limiters: dict[int, Any] = {}


def _settings() -> Settings:
    return load_settings()


def worker_ledger(settings: Settings, expected: str) -> Ledger:
    """Return this process's ledger; raise when it is not the one the coordinator planned the units in."""
    with _lock:
        ledger = _ledgers.get(settings.ledger_url)
        if ledger is None:
            ledger = _ledgers[settings.ledger_url] = Ledger(settings.ledger_url)
    if ledger.where != expected:
        raise ConfigError(
            f"this worker's ledger is {ledger.where}, the coordinator's is {expected}",
            hint="give every worker and the coordinator the same BRIDGE_LEDGER_URL (a PostgreSQL database)",
        )
    return ledger


def host_limiter(settings: Settings, limit: int) -> Any:
    """Return the per-host limiter all workers share (Redis), or a per-process one for other brokers."""
    with _lock:
        limiter = _limiters.get(limit)
        if limiter is None:
            if settings.broker_url.startswith(("redis://", "rediss://")):
                import redis

                limiter = RedisHostLimiter(redis.Redis.from_url(settings.broker_url), limit)
            else:
                limiter = LocalHostLimiter(limit)
            _limiters[limit] = limiter
        return limiter


@app.task(name="bridge.harvest_window")
def harvest_window(unit: dict[str, Any]) -> dict[str, Any]:
    """Harvest one window of a planned run (from its checkpoint); return what it did, as Stats.as_dict()."""
    scope = Scope(unit["endpoint"], unit["prefix"], unit["set_spec"])
    stats = Stats(scope.endpoint, scope.prefix, scope.set_spec, run_id=unit["run_id"])
    try:
        settings = _settings()
        ledger = worker_ledger(settings, unit["ledger"])
        window = ledger.harvest_window(unit["run_id"], unit["window_from"])
        if window is None:
            raise ConfigError(f"harvest run {unit['run_id']} has no window {unit['window_from']!r} in {ledger.where}")
        if window["status"] != "done":  # a unit delivered twice finds its window done: nothing to do
            with OAIClient(scope.endpoint) as client:
                harvester = Harvester(client, ledger, limiter=host_limiter(settings, int(unit["per_host"])))
                harvester.harvest_window(scope, unit["run_id"], window, stats)
    except BridgeError as exc:
        stats.errors.append(f"window {unit['window_from'] or 'start'}: {exc.message}")
    return stats.as_dict()


@app.task(name="bridge.fair_shard")
def fair_shard(unit: dict[str, Any]) -> dict[str, Any]:
    """Assess a shard of records with the RDA indicators; return the reports (read-only, so redelivery is harmless)."""
    try:
        settings = _settings()
        profile = Profile(**unit["profile"]).with_env(settings.env)
        options = FairOptions(
            concurrency=int(unit["concurrency"]), per_host=int(unit["per_host"]), timeout=float(unit["timeout"])
        )
        subjects = [(pid, known) for pid, known in unit["subjects"]]
        reports, stats = asyncio.run(assess_many(profile, subjects, options))
    except BridgeError as exc:
        return {"error": exc.message, "hint": exc.hint}
    return {"reports": [report_to_wire(r) for r in reports], "requests": stats.get("requests", 0)}


@app.task(name="bridge.verify_shard")
def verify_shard(unit: dict[str, Any]) -> dict[str, Any]:
    """Run every check of a shard of subjects; return the results (read-only, so a redelivery is harmless)."""
    try:
        settings = _settings()
        ledger = worker_ledger(settings, unit["ledger"])
        profile = Profile(**unit["profile"]).with_env(settings.env)  # credentials from this worker's env only
        options = Options(
            concurrency=int(unit["concurrency"]),
            per_host=int(unit["per_host"]),
            timeout=float(unit["timeout"]),
            grace=dt.timedelta(seconds=float(unit["grace"])),
        )
        subjects = [VerifySubject(**s) for s in unit["subjects"]]
        now = dt.datetime.fromisoformat(unit["now"])
        roundtrip = RoundTrip(HarvestedIndex(ledger, profile.oai_url), now, options.grace, settings.mappings_dirs)
        stats: dict[str, Any] = {}
        results = check_subjects(profile, subjects, options, stats, roundtrip)
    except BridgeError as exc:
        return {"error": exc.message, "hint": exc.hint}
    return {"results": [dataclasses.asdict(r) for r in results], "requests": stats.get("requests", 0)}
