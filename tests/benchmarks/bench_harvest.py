"""Benchmark: harvest N sandbox records with the bridge and with plain sickle, in the same run.

Run:  python tests/benchmarks/bench_harvest.py [--items 100000]

The sandbox runs in its own process (so the harvesters' memory is theirs alone), seeded with N items
(100 records per OAI-PMH page). Each harvester runs in a fresh child process and reports its own peak
RSS (VmHWM). Printed: records/s and peak memory for plain sickle (the baseline), the bridge on one token
chain, and the bridge with monthly windows in parallel — and the ratios to the baseline. A second,
quarter-size repository shows whether the bridge's memory stays flat as the record count grows.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

SERVER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from bridge.sandbox.app import SandboxConfig
    from bridge.sandbox.server import running_sandbox
    with running_sandbox(SandboxConfig(data_dir=Path(sys.argv[1]))) as sb:
        print(sb.urls["oai"], flush=True)
        while True:
            time.sleep(3600)
    """
)

HWM = textwrap.dedent(
    """
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
    n = 0
    for record in Sickle(sys.argv[1], timeout=120).ListRecords(metadataPrefix="oai_dc", ignore_deleted=False):
        n += 1
    print(n, hwm())
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
    with OAIClient(url) as client, Ledger(Path(ledger_path)) as ledger:
        stats = Harvester(client, ledger).run(Scope(url, "oai_dc"), window_size=windows, parallel=parallel, full=True)
    assert stats.complete, stats.errors
    print(stats.records, hwm())
    """
)


def peak_of(code: str, *args: str) -> tuple[float, int, float]:
    """Run a child Python; return (seconds, the count it printed, its own peak RSS in MiB)."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate()
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"child failed: {err.decode()}")
    count, peak_kib = out.decode().split()[-2:]
    return seconds, int(count), int(peak_kib) / 1024


def serve(data: Path) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(data)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    args = parser.parse_args()
    from bridge.sandbox.seed import seed_folder

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        rows = []
        for label, n in (("quarter", args.items // 4), ("full", args.items)):
            report = seed_folder(root / label, n, seed=42)
            print(f"seeded {n} items in {report.seconds:.1f}s ({report.items_per_second:,.0f} items/s)", flush=True)
            proc, url = serve(root / label)
            try:
                results = {}
                if label == "full":
                    results["plain sickle, one chain"] = peak_of(SICKLE, url)
                    results["bridge, one chain"] = peak_of(BRIDGE, url, str(root / "l1.sqlite"), "none", "1")
                    results["bridge, monthly windows, 4 in parallel"] = peak_of(
                        BRIDGE, url, str(root / "l2.sqlite"), "month", "4"
                    )
                else:
                    results["bridge, one chain"] = peak_of(BRIDGE, url, str(root / "l0.sqlite"), "none", "1")
                rows.append((label, n, results))
            finally:
                proc.terminate()
                proc.wait()
        quarter, full = rows[0][2], rows[1][2]
        base_s, base_n, _ = full["plain sickle, one chain"]
        print(f"\nharvest of {args.items:,} records (oai_dc, 100 per page), sandbox in its own process")
        print(f"{'harvester':42} {'records':>9} {'seconds':>8} {'rec/s':>8} {'x sickle':>8} {'peak MiB':>9}")
        for name, (secs, count, mem) in full.items():
            ratio = (count / secs) / (base_n / base_s)
            print(f"{name:42} {count:>9,} {secs:>8.1f} {count / secs:>8,.0f} {ratio:>8.2f} {mem:>9.0f}")
        _, q_n, q_mem = quarter["bridge, one chain"]
        f_mem = full["bridge, one chain"][2]
        print(
            f"\nbridge memory: {q_n:,} records {q_mem:.0f} MiB -> {args.items:,} records {f_mem:.0f} MiB "
            f"(ratio {f_mem / q_mem:.2f}; flat is ~1.0)"
        )
        print(json.dumps({k: {"seconds": v[0], "records": v[1], "peak_mib": v[2]} for k, v in full.items()}))


if __name__ == "__main__":
    main()
