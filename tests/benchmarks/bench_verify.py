"""Benchmark: verify 10,000 harvested PIDs against the sandbox with 20 ms added latency, next to a sequential baseline.

Run:  python tests/benchmarks/bench_verify.py [--pids 10000] [--latency 20ms] [--concurrency 32] [--baseline 300]

The sandbox runs in its own process (so its request handling does not share the verifier's interpreter) with
``--faults latency=<latency>`` on every request, seeded with enough Digital.CSIC-style items to give the
wanted number of live records. They are harvested once over OAI-PMH; then `bridge verify`'s own code path
(harvested records: Handle API, DOI resolver when the record has a DOI, landing page) runs twice in this
process: one at a time (``--concurrency 1 --per-host 1``) on a sample of the records — the baseline — and
concurrently on all of them. Printed: PIDs, requests, seconds, PIDs/s and requests/s of both, the requests
per PID by check (and any request no check needed), and the ratio as the last line.
About 30% of the seeded items carry DOIs the sandbox never registered, so their ``doi`` checks fail: the
benchmark measures throughput, not a clean report.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from collections import Counter
from pathlib import Path
from typing import Any

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
HTTP_CHECKS = ("handle", "doi", "datacite", "landing")  # one request each; checksums are not run on harvested PIDs
LIVE_SHARE = 0.93  # the seeder withdraws ~5% and hides ~2% of its items: OAI-PMH shows them as deleted


def start_server(data: Path, faults: str) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(data), faults], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        proc.kill()
        raise SystemExit("the sandbox did not start")
    return proc, json.loads(line)


def copy_records(source: Any, target: Any, endpoint: str, limit: int, *, spread: bool = False) -> int:
    """Copy `limit` live harvested records of `endpoint` into another ledger (every column, as tuples).

    The first ones, or with `spread` ones taken evenly from all of them (a sample like the whole).
    """
    from bridge.ledger.schema import TABLES

    columns = TABLES["record"]
    rows = source.query(
        f"SELECT {', '.join(columns)} FROM record WHERE endpoint = ? AND deleted = 0 ORDER BY identifier", (endpoint,)
    )
    step = max(1, len(rows) // limit) if spread and limit else 1
    rows = rows[::step][:limit]
    with target.transaction() as db:  # tuples in column order: both backends bind them (mappings only SQLite)
        db.executemany(
            f"INSERT INTO record ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            [tuple(row[c] for c in columns) for row in rows],
        )
    return len(rows)


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed_verify(profile: Any, ledger: Any, concurrency: int, server: int) -> dict[str, Any]:
    from bridge.verify import Options, verify_profile

    started, cpu, server_cpu = time.perf_counter(), time.process_time(), cpu_seconds(server)
    report = verify_profile(profile, ledger, Options(concurrency=concurrency, per_host=concurrency))
    seconds = time.perf_counter() - started
    cpu, server_cpu = time.process_time() - cpu, cpu_seconds(server) - server_cpu
    pids = sum(report.run["subjects"].values())
    # Each HTTP check that reached the network carries its URL; every request beyond those is redundant.
    per_check = Counter(r.check for r in report.results if r.url and r.check in HTTP_CHECKS)
    return {
        "concurrency": concurrency,
        "pids": pids,
        "checks": report.summary["total"],
        "failed": report.summary["failed"],
        "requests": report.run["requests"],
        "requests_per_pid": round(report.run["requests"] / pids, 3) if pids else None,
        "requests_by_check": dict(per_check),
        "redundant_requests": report.run["requests"] - sum(per_check.values()),
        "verifier_cpu_ms_per_request": round(cpu / max(report.run["requests"], 1) * 1000, 3),
        "sandbox_cpu_ms_per_request": round(server_cpu / max(report.run["requests"], 1) * 1000, 3),
        "seconds": round(seconds, 2),
        "pids_per_second": round(pids / seconds, 1),
        "requests_per_second": round(report.run["requests"] / seconds, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pids", type=int, default=10_000, help="harvested PIDs to verify concurrently")
    parser.add_argument("--latency", default="20ms", help="latency the sandbox adds to every request")
    parser.add_argument("--concurrency", type=int, default=64, help="--concurrency (and --per-host) of the run")
    parser.add_argument("--baseline", type=int, default=300, help="PIDs verified one at a time for the baseline")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()

    from bridge.harvest import Harvester, Scope
    from bridge.ledger import Ledger
    from bridge.oai.client import OAIClient
    from bridge.sandbox.seed import seed_folder
    from bridge.settings import Profile

    with tempfile.TemporaryDirectory(prefix="bench-verify-") as tmp:
        work = Path(tmp)
        items = math.ceil(args.pids / LIVE_SHARE) + 200
        seeded = seed_folder(work / "sandbox", items, seed=42)
        proc, profile_data = start_server(work / "sandbox", f"latency={args.latency}")
        try:
            profile = Profile(name="bench", **profile_data)
            endpoint = profile.oai_url or ""
            started = time.perf_counter()
            with OAIClient(endpoint) as client, Ledger(work / "harvested.sqlite") as source:
                stats = Harvester(client, source).run(Scope(endpoint, "oai_dc"), full=True)
                harvest_seconds = time.perf_counter() - started
                with Ledger(work / "baseline.sqlite") as ledger:
                    copy_records(source, ledger, endpoint, args.baseline, spread=True)
                    baseline = timed_verify(profile, ledger, 1, proc.pid)
                with Ledger(work / "run.sqlite") as ledger:
                    live = copy_records(source, ledger, endpoint, args.pids)
                    concurrent = timed_verify(profile, ledger, args.concurrency, proc.pid)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    ratio = concurrent["pids_per_second"] / baseline["pids_per_second"] if baseline["pids_per_second"] else None
    result = {
        "latency": args.latency,
        "seeded_items": seeded.items,
        "harvested_records": stats.records,
        "harvest_seconds": round(harvest_seconds, 2),
        "live_pids": live,
        "baseline": baseline,
        "concurrent": concurrent,
        "speedup": round(ratio, 1) if ratio else None,
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(
        f"sandbox: {seeded.items} items, +{args.latency} per request; harvested {stats.records} records "
        f"in {harvest_seconds:.1f} s"
    )
    print(f"{'run':<24}{'PIDs':>7}{'checks':>8}{'requests':>10}{'seconds':>9}{'PIDs/s':>9}{'req/s':>9}")
    for name, r in (("one at a time", baseline), (f"concurrency {args.concurrency}", concurrent)):
        print(
            f"{name:<24}{r['pids']:>7}{r['checks']:>8}{r['requests']:>10}{r['seconds']:>9}"
            f"{r['pids_per_second']:>9}{r['requests_per_second']:>9}"
        )
    counts = sorted(concurrent["requests_by_check"].items())
    by_check = ", ".join(f"{k} {v / concurrent['pids']:.2f}" for k, v in counts)
    print(
        f"requests per PID: {concurrent['requests_per_pid']} ({by_check}); "
        f"redundant requests: {concurrent['redundant_requests']}"
    )
    print(
        f"CPU per request (concurrent run): verifier {concurrent['verifier_cpu_ms_per_request']} ms, "
        f"sandbox {concurrent['sandbox_cpu_ms_per_request']} ms; {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}"
    )
    print(f"throughput ratio (concurrent / one at a time): {result['speedup']}x")


if __name__ == "__main__":
    main()
