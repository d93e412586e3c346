"""Benchmark: 20,000 records harvested on SQLite in-process vs on PostgreSQL by two `bridge worker`s, and
10,000 PIDs verified in-process vs over the two workers; the ratios are measured in the same run.

Run (PostgreSQL and Redis from scripts/services.sh):

    eval "$(scripts/services.sh)"
    python tests/benchmarks/bench_scale.py [--records 20000] [--pids 10000] [--workers 2] [--parallel 4]

The sandbox runs in a process of its own (``--faults latency=<latency>`` on every request, default 5 ms: a
provider on the same network). Both harvests use the same politeness (at most --parallel requests at once to
the provider); the workers run --concurrency units each. Verify runs with --concurrency/--per-host 16 in
each process. Printed: seconds, records/s or PIDs/s in all and per worker, then the ratios; the last line is
the harvest ratio (PostgreSQL + workers / SQLite in-process).
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests/ for distributed_helpers

SERVER = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from bridge.commands.sandbox import profile_for
    from bridge.sandbox.app import SandboxConfig
    from bridge.sandbox.server import running_sandbox
    config = SandboxConfig(data_dir=Path(sys.argv[1]), faults=sys.argv[2] or None, seed=1)
    with running_sandbox(config, env={}) as sb:
        print(json.dumps(profile_for(sb.sandbox)), flush=True)
        while True:
            time.sleep(3600)
    """
)
LIVE_SHARE = 0.93  # the seeder withdraws or hides ~7% of its items


def new_database(server: str) -> str:
    import psycopg

    name = f"bench_scale_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    return server.rsplit("/", 1)[0] + "/" + name


def settings_for(home: Path, ledger: str, broker: str, config: Path | None = None) -> Any:
    from bridge.settings import load_settings

    env = {"BRIDGE_HOME": str(home), "BRIDGE_LEDGER_URL": ledger, "BRIDGE_BROKER_URL": broker}
    if config is not None:
        env["BRIDGE_CONFIG"] = str(config)
    return load_settings(env=env, cwd=home)


def timed_harvest(
    settings: Any, url: str, parallel: int, distributed: bool, until: str | None = None
) -> dict[str, Any]:
    from bridge.harvest import HarvestOptions, harvest

    options = HarvestOptions(parallel=parallel, distributed=distributed, until_date=until, full=True)
    started = time.perf_counter()
    summary = harvest(settings, options, endpoint=url)
    seconds = time.perf_counter() - started
    assert summary.complete, summary.error()
    records = sum(s.records for s in summary.scopes)
    return {"records": records, "seconds": round(seconds, 2), "per_second": round(records / seconds, 1)}


def timed_verify(settings: Any, distributed: bool) -> tuple[dict[str, Any], Any]:
    from bridge.verify import Options, verify

    started = time.perf_counter()
    report = verify(settings, Options(concurrency=16, per_host=16, distributed=distributed), profile="bench")
    seconds = time.perf_counter() - started
    pids = sum(report.run["subjects"].values())
    return {"pids": pids, "seconds": round(seconds, 2), "per_second": round(pids / seconds, 1)}, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000, help="sandbox records to harvest")
    parser.add_argument("--pids", type=int, default=10_000, help="harvested PIDs to verify")
    parser.add_argument("--workers", type=int, default=2, help="bridge worker processes")
    parser.add_argument("--concurrency", type=int, default=4, help="units each worker runs at once")
    parser.add_argument("--parallel", type=int, default=4, help="requests at once to the provider (both runs)")
    parser.add_argument("--latency", default="5ms", help="latency the sandbox adds to every request")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()

    import os

    import tomli_w
    from distributed_helpers import bridge_env, workers

    from bridge.sandbox.seed import seed_folder

    pg, redis_server = os.environ.get("BRIDGE_TEST_POSTGRES_URL"), os.environ.get("BRIDGE_TEST_REDIS_URL")
    if not pg or not redis_server:
        raise SystemExit('start PostgreSQL and Redis first: eval "$(scripts/services.sh)"')
    broker = redis_server.rstrip("/") + "/12"
    import redis

    redis.Redis.from_url(broker).flushdb()
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        work = Path(tmp)
        seeded = seed_folder(work / "sandbox", args.records, seed=42)
        proc = subprocess.Popen(
            [sys.executable, "-c", SERVER, str(work / "sandbox"), f"latency={args.latency}"],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        profile = json.loads(proc.stdout.readline())
        url = profile["oai_url"]
        config = work / "bridge.toml"
        config.write_text(tomli_w.dumps({"profiles": {"bench": profile}}))
        try:
            local = timed_harvest(settings_for(work, str(work / "local.sqlite"), broker), url, args.parallel, False)
            harvest_db, verify_db = new_database(pg), new_database(pg)
            env = bridge_env(work / "home", harvest_db, broker)
            with workers(env, args.workers, concurrency=args.concurrency, log=work / "workers.log"):
                spread = timed_harvest(settings_for(work, harvest_db, broker), url, args.parallel, True)
            # verify: the first ~--pids live records, harvested into a ledger of their own
            verify_settings = settings_for(work, verify_db, broker, config)
            until = _until(work / "local.sqlite", math.ceil(args.pids / LIVE_SHARE))
            timed_harvest(verify_settings, url, args.parallel, False, until=until)
            v_local, r_local = timed_verify(verify_settings, False)
            env = bridge_env(work / "home", verify_db, broker, BRIDGE_CONFIG=str(config))
            with workers(env, args.workers, concurrency=2, log=work / "workers.log"):
                v_spread, r_spread = timed_verify(verify_settings, True)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    same = _results(r_local) == _results(r_spread)
    n = args.workers
    result = {
        "seeded": seeded.items,
        "latency": args.latency,
        "parallel": args.parallel,
        "workers": n,
        "harvest_sqlite_in_process": local,
        "harvest_postgresql_workers": {**spread, "per_worker": round(spread["per_second"] / n, 1)},
        "verify_in_process": v_local,
        "verify_workers": {**v_spread, "per_worker": round(v_spread["per_second"] / n, 1)},
        "verify_reports_equal": same,
        "verify_ratio": round(v_spread["per_second"] / v_local["per_second"], 2),
        "harvest_ratio": round(spread["per_second"] / local["per_second"], 2),
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"sandbox: {seeded.items} items, +{args.latency} per request; --parallel {args.parallel}; {n} workers")
    print(f"{'run':<40}{'units':>8}{'seconds':>9}{'per s':>9}{'per worker':>12}")
    rows = (
        ("harvest, SQLite, in-process", local, None),
        (f"harvest, PostgreSQL, {n} workers", spread, spread["per_second"] / n),
        ("verify, in-process", v_local, None),
        (f"verify, {n} workers", v_spread, v_spread["per_second"] / n),
    )
    for name, r, per in rows:
        count = r.get("records", r.get("pids"))
        print(f"{name:<40}{count:>8}{r['seconds']:>9}{r['per_second']:>9}{(f'{per:.1f}' if per else '-'):>12}")
    print(f"verify reports equal: {same}")
    print(f"verify ratio ({n} workers / in-process): {result['verify_ratio']}x")
    print(f"harvest ratio (PostgreSQL + {n} workers / SQLite in-process): {result['harvest_ratio']}x")


def _until(ledger_path: Path, n: int) -> str:
    from bridge.ledger import Ledger

    with Ledger(ledger_path) as ledger:
        rows = ledger.query("SELECT datestamp FROM record ORDER BY datestamp LIMIT 1 OFFSET ?", (n - 1,))
    return str(rows[0]["datestamp"])[:10] if rows else time.strftime("%Y-%m-%d")


def _results(report: Any) -> list[tuple[Any, ...]]:
    return sorted((r.pid, r.check, r.status, r.detail, r.url, r.subject) for r in report.results)


if __name__ == "__main__":
    main()
