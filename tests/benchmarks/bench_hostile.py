"""Hostile-input benchmark: what the bounds cost and what they save, each against a baseline of the same run.

A plain script, not a pytest module (pyproject keeps tests/benchmarks out of the default run)::

    python tests/benchmarks/bench_hostile.py [--sizes 1000,4000] [--json]

1. The DataCite schema check of a record with N subjects: jsonschema's own ``uniqueItems`` (pairwise on
   objects: quadratic) against the bridge's (hashing: linear). Printed: seconds for each N and the ratio;
   growing N by k should grow the bridge's time by about k.
2. ``bridge validate`` of an artefact with 100,000 keywords (refused by the keyword limit) and of a YAML
   "billion laughs" (refused by the alias expansion bound), against ``validate`` of the same artefact with
   10 keywords: the ratio says what refusing hostile input costs over a normal run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BASE = "kind: model-weights\ntitle: A title\ncreators:\n  - name: Doe, Jane\n"


def schema_check(sizes: list[int]) -> list[dict[str, Any]]:
    from datacite.schema45 import validator as stock

    from bridge.crosswalk.record import _validator

    linear = _validator()
    rows = []
    for n in sizes:
        record = {"subjects": [{"subject": f"keyword {i}"} for i in range(n)]}
        started = time.perf_counter()
        list(stock.iter_errors(record))
        quadratic = time.perf_counter() - started
        started = time.perf_counter()
        list(linear.iter_errors(record))
        hashed = time.perf_counter() - started
        rows.append({"subjects": n, "jsonschema_s": quadratic, "bridge_s": hashed, "ratio": quadratic / hashed})
    return rows


def validate_seconds(publish: str, work: Path, name: str) -> float:
    root = work / name
    root.mkdir()
    (root / "data.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (root / "publish.yaml").write_text(publish, encoding="utf-8")
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "bridge", "validate", str(root)], capture_output=True, check=False)
    return time.perf_counter() - started


def laughs() -> str:
    lines = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]" for i in range(8)]
    return BASE + "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,4000", help="subject counts for the schema check")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result: dict[str, Any] = {"schema_check": schema_check([int(s) for s in args.sizes.split(",")])}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        normal = validate_seconds(BASE + "keywords: [a, b, c, d, e, f, g, h, i, j]\n", work, "normal")
        many = validate_seconds(BASE + "keywords:\n" + "".join(f"  - k{i}\n" for i in range(100_000)), work, "many")
        bomb = validate_seconds(laughs(), work, "bomb")
    result["validate"] = {"baseline_s": normal, "keywords_100k_s": many, "billion_laughs_s": bomb}
    if args.json:
        print(json.dumps(result, indent=2))
        return
    for row in result["schema_check"]:
        print(
            f"schema check, {row['subjects']:>6} subjects: jsonschema {row['jsonschema_s']:.2f} s, "
            f"bridge {row['bridge_s']:.3f} s, ratio {row['ratio']:.0f}x"
        )
    v = result["validate"]
    print(f"validate, 10 keywords (baseline): {v['baseline_s']:.2f} s")
    print(f"validate, 100,000 keywords (refused): {v['keywords_100k_s']:.2f} s, {v['keywords_100k_s'] / normal:.1f}x")
    print(f"validate, billion laughs (refused): {v['billion_laughs_s']:.2f} s, {v['billion_laughs_s'] / normal:.1f}x")


if __name__ == "__main__":
    main()
