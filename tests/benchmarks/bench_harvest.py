"""Benchmark: harvest N sandbox records with the bridge and with plain sickle, in the same run.

Run:  python tests/benchmarks/bench_harvest.py [--items 20000] [--latency 50ms] [--memory 10000,200000]

The sandbox runs in its own process (so the harvesters' CPU and memory are theirs alone), seeded with N
items (100 records per OAI-PMH page), with ``--latency`` added to every request by its fault knob. Each
harvester runs in a fresh child process that times its own harvest (imports excluded) and reports its
peak RSS (VmHWM). Plain sickle (one token chain, records thrown away) is the baseline; the bridge harvests
on one chain (``--windows none``) and with monthly windows four at a time (``--windows month --parallel 4``),
persisting every record into a ledger. With ``--memory`` the four-window harvest is repeated on
repositories of each size (no sickle run) to show that its peak RSS stays flat. Runs are interleaved for
``--rounds`` rounds and the fastest of each harvester is kept (the machine may be shared). The last line
holds the ratios to plain sickle.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

SERVER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from bridge.sandbox.app import SandboxConfig
    from bridge.sandbox.server import running_sandbox
    config = SandboxConfig(data_dir=Path(sys.argv[1]), faults=sys.argv[2] or None, seed=1)
    with running_sandbox(config, env={}) as sb:
        print(sb.urls["oai"], flush=True)
        while True:
            time.sleep(3600)
    """
)

HWM = textwrap.dedent(
    """
    import time
    def hwm():
        # VmHWM is this process's own peak RSS (ru_maxrss would include the parent's before exec).
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    """
)

SICKLE = HWM + textwrap.dedent(
    """
    import sys
    from sickle import Sickle
    started = time.perf_counter()
    n = 0
    for record in Sickle(sys.argv[1], timeout=120).ListRecords(metadataPrefix="oai_dc", ignore_deleted=False):
        n += 1
    print(time.perf_counter() - started, n, hwm())
    """
)

BRIDGE = HWM + textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from bridge.harvest import Harvester, Scope
    from bridge.ledger import Ledger
    from bridge.oai.client import OAIClient
    url, ledger_path, windows, parallel = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    started = time.perf_counter()
    with OAIClient(url) as client, Ledger(Path(ledger_path)) as ledger:
        stats = Harvester(client, ledger).run(Scope(url, "oai_dc"), window_size=windows, parallel=parallel, full=True)
        stored = ledger.one("SELECT COUNT(*) AS n FROM record")["n"]
    assert stats.complete, stats.errors
    assert stored == stats.records, (stored, stats.records)  # everything persisted, nothing twice
    print(time.perf_counter() - started, stats.records, hwm())
    """
)

ONE_CHAIN = "bridge, one chain (--windows none)"
FOUR = "bridge, monthly windows, --parallel 4"
SICKLE_NAME = "plain sickle, one chain (baseline)"


def child(code: str, *args: str) -> tuple[float, int, float]:
    """Run a child Python; return (its harvest's seconds, its record count, its own peak RSS in MiB)."""
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"child failed: {proc.stderr}")
    seconds, count, peak_kib = proc.stdout.split()[-3:]
    return float(seconds), int(count), int(peak_kib) / 1024


class Sandbox:
    """A seeded sandbox in its own process."""

    def __init__(self, data: Path, items: int, latency: str) -> None:
        from bridge.sandbox.seed import seed_folder

        report = seed_folder(data, items, seed=42)
        print(f"seeded {items:,} items in {report.seconds:.1f}s", file=sys.stderr, flush=True)
        faults = f"latency={latency}" if latency not in ("", "0", "0ms") else ""
        cmd = [sys.executable, "-c", SERVER, str(data), faults]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().strip()
        if not self.url:
            raise SystemExit("the sandbox did not start")

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20_000, help="items in the sandbox for the throughput runs")
    parser.add_argument("--latency", default="50ms", help="latency the sandbox adds to every request (0 for none)")
    parser.add_argument(
        "--memory", default="", help="comma-separated repository sizes for the memory runs, e.g. 10000,200000"
    )
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; the best of each is kept")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-harvest-") as tmp:
        root = Path(tmp)
        runs: dict[str, list[tuple[float, int, float]]] = {SICKLE_NAME: [], ONE_CHAIN: [], FOUR: []}
        with Sandbox(root / "data", args.items, args.latency) as sb:
            for n in range(args.rounds):  # interleaved, so a burst of load elsewhere hits every harvester alike
                runs[SICKLE_NAME].append(child(SICKLE, sb.url))
                runs[ONE_CHAIN].append(child(BRIDGE, sb.url, str(root / f"one-{n}.sqlite"), "none", "1"))
                runs[FOUR].append(child(BRIDGE, sb.url, str(root / f"four-{n}.sqlite"), "month", "4"))
        results = {name: min(r, key=lambda x: x[0]) for name, r in runs.items()}  # best of the rounds
        memory: list[tuple[int, float, float]] = []
        for size in [int(s) for s in args.memory.split(",") if s.strip()]:
            with Sandbox(root / f"data-{size}", size, args.latency) as sb:
                seconds, count, mib = child(BRIDGE, sb.url, str(root / f"mem-{size}.sqlite"), "month", "4")
            memory.append((count, seconds, mib))

    base_s, base_n, _ = results[SICKLE_NAME]
    base_rate = base_n / base_s
    print(
        f"harvest of {args.items:,} sandbox items (oai_dc, 100 per page), +{args.latency} per request, "
        f"best of {args.rounds} interleaved rounds"
    )
    print(f"{'harvester':40} {'records':>8} {'seconds':>8} {'rec/s':>8} {'x sickle':>8} {'peak MiB':>9}")
    ratios = {}
    for name, (secs, count, mib) in results.items():
        ratios[name] = (count / secs) / base_rate
        print(f"{name:40} {count:>8,} {secs:>8.1f} {count / secs:>8,.0f} {ratios[name]:>8.2f} {mib:>9.0f}")
    for count, secs, mib in memory:
        print(f"memory run, {FOUR:26} {count:>8,} {secs:>8.1f} {count / secs:>8,.0f} {'':>8} {mib:>9.0f}")
    print(json.dumps({"results": results, "memory": memory}))
    last = (
        f"ratio to plain sickle at +{args.latency}: one chain {ratios[ONE_CHAIN]:.2f}x, "
        f"4 windows {ratios[FOUR]:.2f}x (peak {results[FOUR][2]:.0f} MiB)"
    )
    if len(memory) >= 2:
        low, high = memory[0], memory[-1]
        last += f"; peak RSS {low[0]:,} -> {high[0]:,} records: {low[2]:.0f} -> {high[2]:.0f} MiB"
        last += f" ({high[2] / low[2]:.2f}x)"
    print(last)


if __name__ == "__main__":
    main()
