"""Sandbox benchmark: seeding speed and OAI-PMH ListRecords throughput at 100 records per page.

A plain script, not a pytest module (pyproject keeps tests/benchmarks out of the default run)::

    /work/venv/bin/python tests/benchmarks/bench_sandbox.py [--items 100000] [--page-size 100] [--json]

It seeds ``--items`` items into a fresh data folder, then harvests every page of ListIdentifiers and of
ListRecords (oai_dc) from a sandbox on 127.0.0.1 with a plain httpx loop that parses each page and follows
its resumptionToken, as a harvester does. Absolute numbers depend on the machine, so it also prints ratios
against baselines measured in the same run: a raw SQLite read of the same rows (the floor any server pays),
ListIdentifiers (headers only: what rendering metadata costs), and the first pages against the last ones (do
deep pages slow down, as offset-paging servers do?).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from lxml import etree

from bridge.sandbox.app import SandboxConfig
from bridge.sandbox.seed import seed_folder
from bridge.sandbox.server import running_sandbox

OAI = "{http://www.openarchives.org/OAI/2.0/}"
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def harvest(client: httpx.Client, url: str, verb: str) -> dict[str, Any]:
    """Harvest one whole list; return counts, wall time and per-page times."""
    params: dict[str, str] = {"verb": verb, "metadataPrefix": "oai_dc"}
    records = pages = deleted = size = 0
    page_times: list[float] = []
    started = time.perf_counter()
    while True:
        t = time.perf_counter()
        response = client.get(url, params=params)
        response.raise_for_status()
        root = etree.fromstring(response.content, PARSER)
        page_times.append(time.perf_counter() - t)
        error = root.find(f"{OAI}error")
        if error is not None:
            raise SystemExit(f"{verb}: OAI error {error.get('code')}: {error.text}")
        listing = root.find(f"{OAI}{verb}")
        headers = listing.findall(f"{OAI}header") if verb == "ListIdentifiers" else listing.findall(f"{OAI}record")
        records += len(headers)
        deleted += sum(1 for h in listing.iter(f"{OAI}header") if h.get("status") == "deleted")
        size += len(response.content)
        pages += 1
        token = listing.find(f"{OAI}resumptionToken")
        if token is None or not (token.text or "").strip():
            break
        params = {"verb": verb, "resumptionToken": token.text.strip()}
    seconds = time.perf_counter() - started
    # Medians of the first and last tenth of the pages, after the first (connection set-up, cold caches).
    timed = page_times[1:] or page_times
    edge = max(1, len(timed) // 10)
    return {
        "records": records,
        "deleted": deleted,
        "pages": pages,
        "seconds": seconds,
        "records_per_s": records / seconds,
        "pages_per_s": pages / seconds,
        "mib_received": size / 2**20,
        "first_pages_ms": statistics.median(timed[:edge]) * 1000,
        "last_pages_ms": statistics.median(timed[-edge:]) * 1000,
    }


def raw_read(data_dir: Path) -> dict[str, Any]:
    """Read and decode the same rows straight from SQLite: the floor under any OAI-PMH server."""
    db = sqlite3.connect(data_dir / "sandbox.sqlite")
    started = time.perf_counter()
    rows = 0
    for (metadata,) in db.execute("SELECT metadata FROM item WHERE handle IS NOT NULL ORDER BY last_modified, uuid"):
        json.loads(metadata)
        rows += 1
    seconds = time.perf_counter() - started
    db.close()
    return {"records": rows, "seconds": seconds, "records_per_s": rows / seconds}


def run(items: int, page_size: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-sandbox-") as tmp:
        data_dir = Path(tmp) / "data"
        report = seed_folder(data_dir, items, seed=1)
        result: dict[str, Any] = {"items": items, "page_size": page_size, "seeding": report.as_dict()}
        result["sqlite_read"] = raw_read(data_dir)
        config = SandboxConfig(data_dir=data_dir, page_size=page_size)
        with running_sandbox(config) as sandbox, httpx.Client(timeout=120) as client:
            url = sandbox.urls["oai"]
            result["list_identifiers"] = harvest(client, url, "ListIdentifiers")
            result["list_records"] = harvest(client, url, "ListRecords")
    records, identifiers = result["list_records"], result["list_identifiers"]
    result["ratios"] = {
        "list_records_vs_sqlite_read": records["records_per_s"] / result["sqlite_read"]["records_per_s"],
        "list_records_vs_list_identifiers": records["records_per_s"] / identifiers["records_per_s"],
        "last_vs_first_pages": records["last_pages_ms"] / records["first_pages_ms"],
    }
    return result


def show(result: dict[str, Any]) -> None:
    seeding, raw = result["seeding"], result["sqlite_read"]
    print(f"sandbox benchmark: {result['items']:,} items, {result['page_size']} records per page")
    print(f"  seeding            {seeding['seconds']:8.1f} s   {seeding['items_per_second']:10,.0f} items/s")
    print(f"  SQLite read        {raw['seconds']:8.1f} s   {raw['records_per_s']:10,.0f} rows/s   (baseline)")
    for key, label in (("list_identifiers", "ListIdentifiers"), ("list_records", "ListRecords oai_dc")):
        h = result[key]
        print(
            f"  {label:<18} {h['seconds']:8.1f} s   {h['records_per_s']:10,.0f} records/s  {h['pages_per_s']:7.1f} "
            f"pages/s  {h['pages']:,} pages, {h['records']:,} records ({h['deleted']:,} deleted), "
            f"{h['mib_received']:.1f} MiB; page {h['first_pages_ms']:.1f} ms first, {h['last_pages_ms']:.1f} ms last"
        )
    r = result["ratios"]
    print("  ratios (machine-independent):")
    print(f"    ListRecords / SQLite read       {r['list_records_vs_sqlite_read']:.3f}")
    print(f"    ListRecords / ListIdentifiers   {r['list_records_vs_list_identifiers']:.3f}")
    print(f"    last pages / first pages        {r['last_vs_first_pages']:.2f}  (1.0: deep paging costs nothing)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000, help="items to seed (default 100,000)")
    parser.add_argument("--page-size", type=int, default=100, help="OAI-PMH records per page (default 100)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    result = run(args.items, args.page_size)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        show(result)
    expected = result["sqlite_read"]["records"]
    if result["list_records"]["records"] != expected or result["list_identifiers"]["records"] != expected:
        print(f"error: harvested a different number of records than the {expected:,} items", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
