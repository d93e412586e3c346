"""`bridge ledger export|import`: SQLite -> PostgreSQL -> SQLite loses nothing (same export, byte for byte)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from typer.testing import CliRunner

from bridge.cli import app
from bridge.harvest import Harvester, Scope
from bridge.ledger import Ledger
from bridge.oai.client import OAIClient
from bridge.sandbox.seed import seed_store

runner = CliRunner()


def fill(ledger: Ledger, sandbox) -> str:
    """Put every kind of row in the ledger: deposits with steps, a real harvest (raw XML), verify runs."""
    ledger.save_deposit("k1", "local", target="dspace7", state="archived", handle="10261/1", receipt={"a": [1, "é"]})
    ledger.step("k1", "local", "deposit", "done", {"id": 3})
    url = sandbox.urls["oai"]
    with OAIClient(url) as client:
        stats = Harvester(client, ledger).run(Scope(url, "oai_dc"), window_size="month")
    assert stats.complete and stats.records == 40
    run_id, _ = ledger.start_verify("local")
    ledger.finish_verify(run_id, [("10261/1", "handle", "passed", {"detail": "ok"})], {"passed": 1})
    return url


def test_sqlite_to_postgresql_and_back_round_trips(tmp_path: Path, sandbox, postgres_url: str) -> None:
    seed_store(sandbox.store, 40, seed=3)
    sqlite_a, sqlite_b = str(tmp_path / "a.sqlite"), str(tmp_path / "b.sqlite")
    with Ledger(sqlite_a) as ledger:
        url = fill(ledger, sandbox)
        raw = ledger.raw_record(url, "oai_dc", ledger.record_identifiers(url, "oai_dc")[0])
    first, second, third = tmp_path / "1.jsonl", tmp_path / "2.jsonl.gz", tmp_path / "3.jsonl"

    out = runner.invoke(app, ["ledger", "export", str(first), "--ledger", sqlite_a, "--json"])
    assert out.exit_code == 0, out.output
    counts = json.loads(out.stdout)["rows"]
    assert counts["record"] == 40 and all(counts[t] > 0 for t in counts), counts

    out = runner.invoke(app, ["ledger", "import", str(first), "--ledger", postgres_url, "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["rows"] == counts
    assert runner.invoke(app, ["ledger", "export", str(second), "--ledger", postgres_url]).exit_code == 0
    assert runner.invoke(app, ["ledger", "import", str(second), "--ledger", sqlite_b]).exit_code == 0
    assert runner.invoke(app, ["ledger", "export", str(third), "--ledger", sqlite_b]).exit_code == 0

    assert first.read_bytes() == gzip.decompress(second.read_bytes()) == third.read_bytes()
    with Ledger(postgres_url) as pg:
        assert pg.raw_record(url, "oai_dc", pg.record_identifiers(url, "oai_dc")[0]) == raw
        next_run, _ = pg.start_verify("local")  # ids continue after the imported ones
        assert next_run == 2


def test_import_into_a_ledger_with_rows_is_refused(tmp_path: Path) -> None:
    source = str(tmp_path / "s.sqlite")
    with Ledger(source) as ledger:
        ledger.save_deposit("k1", "p", target="dspace7")
    dump = tmp_path / "d.jsonl"
    assert runner.invoke(app, ["ledger", "export", str(dump), "--ledger", source]).exit_code == 0
    out = runner.invoke(app, ["ledger", "import", str(dump), "--ledger", source])
    assert out.exit_code == 2
    assert "is not empty (rows in deposit)" in out.output
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"format": "something-else"}\n')
    out = runner.invoke(app, ["ledger", "import", str(bad), "--ledger", str(tmp_path / "new.sqlite")])
    assert out.exit_code == 2 and "bad.jsonl:1: not an oai-bridge ledger export" in out.output
