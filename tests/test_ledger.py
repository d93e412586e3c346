"""The ledger: deposits and steps survive reopening; a failed transaction leaves nothing behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from bridge.ledger import Ledger, compress, decompress


def test_deposit_rows_and_steps_persist(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    with Ledger(path) as ledger:
        ledger.save_deposit("key1", "sandbox", target="dspace7", state="planned", path="/x")
        ledger.step("key1", "sandbox", "workspace-item", "started")
        ledger.step("key1", "sandbox", "workspace-item", "done", {"id": 7})
        ledger.save_deposit("key1", "sandbox", state="archived", handle="10261/9", receipt={"handle": "10261/9"})
    with Ledger(path) as again:
        row = again.deposit("key1", "sandbox")
        assert row is not None
        assert (row["state"], row["handle"], row["target"]) == ("archived", "10261/9", "dspace7")
        assert row["receipt"] == {"handle": "10261/9"}
        assert [(s["step"], s["status"]) for s in again.steps("key1", "sandbox")] == [
            ("workspace-item", "started"),
            ("workspace-item", "done"),
        ]
        assert again.steps("key1", "sandbox")[1]["detail"] == {"id": 7}
        assert again.deposit("key1", "other-profile") is None


def test_failed_transaction_is_rolled_back(tmp_path: Path) -> None:
    with Ledger(tmp_path / "l.sqlite") as ledger:
        with pytest.raises(RuntimeError), ledger.transaction() as db:
            db.execute("INSERT INTO meta VALUES ('half', 'written')")
            raise RuntimeError("killed mid-way")
        assert ledger.one("SELECT * FROM meta WHERE key = 'half'") is None


def test_raw_xml_compression_round_trips() -> None:
    raw = b"<record>" + b"x" * 1000 + b"</record>"
    blob = compress(raw)
    assert len(blob) < len(raw)
    assert decompress(blob) == raw
    assert decompress(None) is None
