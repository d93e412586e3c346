"""Benchmark: does a DSpace REST deposit slow down per file as the item grows? Seconds per 1,000 files at N and 3N.

A plain script, not a pytest module (pyproject keeps tests/benchmarks out of the default run)::

    python tests/benchmarks/bench_many_files.py [--files 1000] [--factor 3] [--json]

It makes two artefacts of tiny files (``--files`` and ``--files × --factor``), validates each (not timed), then
deposits each with the dspace7 target into a fresh sandbox on 127.0.0.1 and times the deposit alone. If each
file costs the same whatever the item already holds, seconds per 1,000 files is the same for both sizes and
the printed ratio is about 1; a per-file cost that grows with the item (re-reading the whole draft after every
upload, scanning its file list) shows as a ratio near ``--factor`` (issue 15: 29 s, 123 s, 249 s per 1,000).
The baseline is the smaller artefact, measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
METADATA = """kind: anonymised-logs
title: Many small files ({n}), a deposit benchmark of oai-bridge
version: "1.0"
creators:
  - given_name: Alba
    family_name: Ejemplo-Pérez
description: Many tiny synthetic metric files, to time a deposit as the item grows.
methods: Synthetic numbers written by tests/benchmarks/bench_many_files.py; nothing personal.
license: CC-BY-4.0
access:
  status: open
keywords: [benchmark]
language: en
date_created: 2026-11-02
"""


def make_artefact(root: Path, files: int) -> Path:
    folder = root / f"artefact-{files}"
    data = folder / "metrics"
    data.mkdir(parents=True)
    (folder / "publish.yaml").write_text(METADATA.format(n=files), encoding="utf-8")
    for n in range(files):
        (data / f"m{n:05d}.csv").write_text(f"t,value\n{n},{n * 0.5}\n", encoding="utf-8")
    return folder


def deposit_seconds(folder: Path, data_dir: Path) -> dict[str, Any]:
    from bridge.embedded import sandbox_profile
    from bridge.ledger import Ledger
    from bridge.publish import deposit_record, dspace_metadata, key_of, planned_files
    from bridge.sandbox.app import SandboxConfig
    from bridge.sandbox.server import running_sandbox
    from bridge.settings import load_settings
    from bridge.targets import DepositPlan, Journal, make_target, target_spec
    from bridge.validate import validate_artifact

    started = time.perf_counter()
    validated = validate_artifact(folder, load_settings())
    _, key = key_of(validated)
    record = deposit_record(validated, None)
    validate_s = time.perf_counter() - started
    with running_sandbox(SandboxConfig(data_dir=data_dir), env={}) as running:
        collection = running.store.collections()[0]["handle"]
        plan = DepositPlan(
            deposit_key=key,
            title=validated.artifact.metadata.title,
            collection=collection,
            metadata=dspace_metadata(validated, record, key),
            record=record,
            files=planned_files(validated, target_spec("dspace7")),
        )
        ledger = Ledger(data_dir / "ledger.sqlite")
        target = make_target(sandbox_profile(running), "dspace7")
        try:
            started = time.perf_counter()
            item = target.deposit(plan, Journal(ledger, key, "bench"))
            seconds = time.perf_counter() - started
        finally:
            target.close()
            ledger.close()
    if not item.archived or len(item.files) != len(plan.files):
        raise SystemExit(f"the deposit of {folder} is incomplete: {len(item.files)} of {len(plan.files)} files")
    n = len(plan.files)
    return {"files": n, "deposit_s": seconds, "s_per_1000": seconds / n * 1000, "validate_s": validate_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--factor", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-many-files-") as tmp:
        root = Path(tmp)
        os.environ["BRIDGE_HOME"] = str(root / "home")
        small = deposit_seconds(make_artefact(root, args.files), root / "sandbox-small")
        large = deposit_seconds(make_artefact(root, args.files * args.factor), root / "sandbox-large")
    ratio = large["s_per_1000"] / small["s_per_1000"]
    result = {"small": small, "large": large, "per_file_cost_ratio": ratio}
    if args.json:
        json.dump(result, sys.stdout, indent=2)
        print()
        return
    for label, row in (("small", small), ("large", large)):
        print(
            f"{label:<6} {row['files']:>6,} files: deposit {row['deposit_s']:7.1f} s = "
            f"{row['s_per_1000']:6.1f} s per 1,000 files (validation {row['validate_s']:.1f} s, not timed)"
        )
    print(f"per-file cost at {args.factor}x the files / at 1x: {ratio:.2f} (1.0 = no growth with the item)")


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    main()
