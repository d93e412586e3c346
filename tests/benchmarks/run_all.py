"""Run every benchmark of tests/benchmarks, one after the other, and print each one's last line (its ratio).

    python tests/benchmarks/run_all.py [--only sandbox,harvest] [--log-dir DIR]

Each benchmark runs in its own process with its default arguments (see its own docstring for options), its whole
output kept in ``--log-dir`` (default: a new folder in /tmp). Benchmarks share the machine with nothing else
from this script, so run it on a quiet machine; the load average is printed with each result. bench_scale needs
PostgreSQL and Redis (``eval "$(scripts/services.sh)"``) and is reported as skipped without them. The last line
says how many ran, failed and were skipped.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# The order of the README's Performance table: the server first, then the clients that depend on it.
ORDER = ["sandbox", "harvest", "verify", "publish", "demo", "many_files", "fair", "privacy", "hostile", "scale"]
NEEDS_SERVICES = {"scale": ("BRIDGE_TEST_POSTGRES_URL", "BRIDGE_TEST_REDIS_URL")}


def benchmarks() -> list[str]:
    found = {p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py")}
    return [name for name in ORDER if name in found] + sorted(found - set(ORDER))


def last_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1].strip() if lines else "(no output)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--only", default="", help="comma-separated names, e.g. sandbox,harvest (default: all)")
    parser.add_argument("--log-dir", type=Path, default=None, help="where each benchmark's full output goes")
    args = parser.parse_args(argv)
    names = benchmarks()
    if args.only:
        wanted = [n.strip().removeprefix("bench_") for n in args.only.split(",") if n.strip()]
        unknown = sorted(set(wanted) - set(names))
        if unknown:
            parser.error(f"no such benchmark: {', '.join(unknown)} (there are: {', '.join(names)})")
        names = [n for n in names if n in wanted]
    log_dir = args.log_dir or Path(tempfile.mkdtemp(prefix="bridge-bench-"))
    log_dir.mkdir(parents=True, exist_ok=True)
    print(f"{len(names)} benchmarks; full output in {log_dir}", flush=True)
    ran = failed = skipped = 0
    for name in names:
        missing = [var for var in NEEDS_SERVICES.get(name, ()) if not os.environ.get(var)]
        if missing:
            skipped += 1
            print(f'- {name:<11} skipped: {", ".join(missing)} not set (eval "$(scripts/services.sh)")', flush=True)
            continue
        started = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, str(HERE / f"bench_{name}.py")], capture_output=True, text=True, check=False
        )
        seconds = time.perf_counter() - started
        (log_dir / f"{name}.log").write_text(proc.stdout + ("\n--- stderr ---\n" + proc.stderr if proc.stderr else ""))
        load = " ".join(f"{x:.1f}" for x in os.getloadavg())
        ran += 1
        if proc.returncode != 0:
            failed += 1
            print(f"✗ {name:<11} exit {proc.returncode} after {seconds:.0f} s: {last_line(proc.stderr or proc.stdout)}")
        else:
            print(f"✓ {name:<11} {seconds:5.0f} s, load {load}: {last_line(proc.stdout)}", flush=True)
    print(f"benchmarks: {ran} ran, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
