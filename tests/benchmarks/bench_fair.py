"""Benchmark: `bridge fair --all` over 10,000 harvested records of the sandbox with 20 ms latency, vs one at a time.

Run:  python tests/benchmarks/bench_fair.py [--pids 10000] [--latency 20ms] [--concurrency 32] [--baseline 200]
      [--files 0.5]

The same set-up as bench_verify.py (whose helpers it uses): the sandbox in its own process with
``--faults latency=<latency>``, seeded with Digital.CSIC-style items and harvested once over OAI-PMH. Then the
code path of ``bridge fair --all`` (verify's subjects and fetcher; per record the Handle API, the landing page,
its linkset and describedby, OAI-PMH GetRecord, a Range GET per file) runs twice in this process: one record at a
time (``--concurrency 1 --per-host 1``) on a sample — the baseline — and concurrently on all of them, with the
concurrency figures ``bridge verify`` uses in its benchmark. Printed: records, requests, seconds, PIDs/s and
requests/s of both, the ratio, and the spread of the scores (the seeded items are deliberately imperfect).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_verify import LIVE_SHARE, start_server

COLUMNS = ("endpoint", "prefix", "identifier", "datestamp", "sets", "deleted", "lossy", "raw", "metadata", "harvested")


def copy_records(source: Any, target: Any, endpoint: str, limit: int) -> int:
    """Copy the first `limit` live harvested records of `endpoint` into another ledger."""
    rows = source.query(
        f"SELECT {', '.join(COLUMNS)} FROM record WHERE endpoint = ? AND deleted = 0 ORDER BY identifier LIMIT ?",
        (endpoint, limit),
    )
    with target.transaction() as db:
        db.executemany(
            f"INSERT INTO record ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
            [tuple(r[c] for c in COLUMNS) for r in rows],
        )
    return len(rows)


def timed_fair(profile: Any, ledger: Any, concurrency: int) -> dict[str, Any]:
    from bridge.fair.batch import assess_profile
    from bridge.fair.online import FairOptions

    started = time.perf_counter()
    reports, extra = assess_profile(profile, ledger, FairOptions(concurrency=concurrency, per_host=concurrency))
    seconds = time.perf_counter() - started
    scores = sorted(r.score for r in reports if r.score is not None)
    return {
        "concurrency": concurrency,
        "pids": len(reports),
        "requests": extra["run"]["requests"],
        "seconds": round(seconds, 2),
        "pids_per_second": round(len(reports) / seconds, 1),
        "requests_per_second": round(extra["run"]["requests"] / seconds, 1),
        "errors": extra["summary"]["errors"],
        "essential_failed": extra["summary"]["essential_failed"],
        "score_median": scores[len(scores) // 2] if scores else None,
        "top_failing": list(extra["summary"]["failing_indicators"].items())[:3],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pids", type=int, default=10_000, help="harvested records to assess concurrently")
    parser.add_argument("--latency", default="20ms", help="latency the sandbox adds to every request")
    parser.add_argument("--concurrency", type=int, default=32, help="--concurrency (and --per-host) of the run")
    parser.add_argument("--baseline", type=int, default=200, help="records assessed one at a time for the baseline")
    parser.add_argument("--files", type=float, default=0.5, help="share of the seeded items that get a data file")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()

    from bridge.harvest import Harvester, Scope
    from bridge.ledger import Ledger
    from bridge.oai.client import OAIClient
    from bridge.sandbox.seed import seed_folder
    from bridge.settings import Profile

    with tempfile.TemporaryDirectory(prefix="bench-fair-") as tmp:
        work = Path(tmp)
        items = math.ceil(args.pids / LIVE_SHARE) + 200
        seeded = seed_folder(work / "sandbox", items, seed=42, files=args.files)
        proc, profile_data = start_server(work / "sandbox", f"latency={args.latency}")
        try:
            profile = Profile(name="bench", **profile_data)
            endpoint = profile.oai_url or ""
            started = time.perf_counter()
            with OAIClient(endpoint) as client, Ledger(work / "harvested.sqlite") as source:
                stats = Harvester(client, source).run(Scope(endpoint, "oai_dc"), full=True)
                harvest_seconds = time.perf_counter() - started
                with Ledger(work / "baseline.sqlite") as ledger:
                    copy_records(source, ledger, endpoint, args.baseline)
                    baseline = timed_fair(profile, ledger, 1)
                with Ledger(work / "run.sqlite") as ledger:
                    live = copy_records(source, ledger, endpoint, args.pids)
                    concurrent = timed_fair(profile, ledger, args.concurrency)
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
        f"sandbox: {seeded.items} items ({seeded.files} with a file), +{args.latency} per request; "
        f"harvested {stats.records} records "
        f"in {harvest_seconds:.1f} s"
    )
    print(f"{'run':<24}{'PIDs':>7}{'requests':>10}{'seconds':>9}{'PIDs/s':>9}{'req/s':>9}{'median':>8}")
    for name, r in (("one at a time", baseline), (f"concurrency {args.concurrency}", concurrent)):
        print(
            f"{name:<24}{r['pids']:>7}{r['requests']:>10}{r['seconds']:>9}"
            f"{r['pids_per_second']:>9}{r['requests_per_second']:>9}{r['score_median']!s:>8}"
        )
    print(f"most failed indicators on the seeded records: {concurrent['top_failing']}")
    print(f"throughput ratio (concurrent / one at a time): {result['speedup']}x")


if __name__ == "__main__":
    main()
