"""The benchmarks' own helpers (the benchmarks themselves are not part of the test run)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from bridge.ledger import Ledger
from bridge.oai.records import HarvestedRecord

BENCHMARKS = Path(__file__).parent / "benchmarks"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def record(n: int, *, deleted: bool = False) -> HarvestedRecord:
    return HarvestedRecord(
        identifier=f"oai:x.test:10261/{n}",
        datestamp=f"2026-01-{n:02d}T00:00:00Z",
        sets=["col_1"],
        deleted=deleted,
        lossy=False,
        raw=f"<record>{n}</record>".encode(),
        metadata=None if deleted else {"title": [f"Item {n}"]},
    )


def test_bench_verify_copies_live_records_with_every_column(tmp_path: Path, ledger_url: str) -> None:
    bench = load("bench_verify")
    url = "http://127.0.0.1:1/oai"
    with Ledger(tmp_path / "source.sqlite") as source, Ledger(ledger_url) as target:
        run = source.create_harvest(url, "oai_dc", "", from_date=None, until_date=None, response_date="x", windows=[])
        records = [record(1), record(2, deleted=True), record(3), record(4)]
        source.commit_page(url, "oai_dc", run["id"], "", records, token=None, size=None, done=True)
        assert bench.copy_records(source, target, url, 2) == 2
        copied = target.query("SELECT * FROM record ORDER BY identifier")
        original = {r["identifier"]: r for r in source.query("SELECT * FROM record")}
    assert [r["identifier"] for r in copied] == ["oai:x.test:10261/1", "oai:x.test:10261/3"]
    for row in copied:
        assert row["local_id"] == row["identifier"].rsplit(":", 1)[1]
        assert {k: bytes(v) if isinstance(v, memoryview) else v for k, v in row.items()} == original[row["identifier"]]
