"""Demo benchmark: `bridge demo` end to end with a fresh BRIDGE_HOME, next to the bare start-up of `bridge`.

A plain script, not a pytest module (pyproject keeps tests/benchmarks out of the default run)::

    python tests/benchmarks/bench_demo.py [--runs 3] [--json]

Each run starts ``bridge demo`` as a newcomer does right after installing: a new, empty BRIDGE_HOME (so the
sandbox is created, its accounts hashed, the examples published, harvested, verified and FAIR-assessed from
nothing), on a free port. The baseline, measured in the same run, is ``bridge --version``: the interpreter and
the CLI's imports, the floor under any command. Printed: the median wall time of each, the demo's own
"done in" time, and the ratios; the last line is the demo's median against the 5 s goal (goal < 1).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

GOAL_SECONDS = 5.0


def timed(args: list[str], env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "bridge", *args], env=env, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"bridge {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    return seconds


def run(runs: int) -> dict[str, Any]:
    demo: list[float] = []
    startup: list[float] = []
    for i in range(runs):
        with tempfile.TemporaryDirectory(prefix="bench-demo-") as tmp:
            work = Path(tmp)
            env = {**os.environ, "BRIDGE_HOME": str(work / f"home-{i}"), "BRIDGE_SANDBOX_PORT": "0"}
            startup.append(timed(["--version"], env, work))
            demo.append(timed(["demo"], env, work))
    result = {
        "runs": runs,
        "load_average": os.getloadavg(),
        "demo_seconds": statistics.median(demo),
        "startup_seconds": statistics.median(startup),
        "demo_all": demo,
    }
    result["ratios"] = {
        "demo_vs_startup": result["demo_seconds"] / result["startup_seconds"],
        "demo_vs_goal": result["demo_seconds"] / GOAL_SECONDS,
    }
    return result


def show(result: dict[str, Any]) -> None:
    print(f"demo benchmark: {result['runs']} runs of bridge demo, each with a new BRIDGE_HOME")
    print(f"  load average {' '.join(f'{x:.2f}' for x in result['load_average'])} on {os.cpu_count()} CPUs")
    print(f"  bridge --version (baseline)  {result['startup_seconds']:6.2f} s  (median)")
    runs = ", ".join(f"{s:.2f}" for s in result["demo_all"])
    print(f"  bridge demo                  {result['demo_seconds']:6.2f} s  (median of {runs})")
    print("  ratios:")
    print(f"    demo / bare start-up   {result['ratios']['demo_vs_startup']:.2f}")
    print(f"    demo / {GOAL_SECONDS:g} s goal        {result['ratios']['demo_vs_goal']:.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each (default 3)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    result = run(max(1, args.runs))
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        show(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
