"""The ledger on both backends (SQLite and PostgreSQL): persistence, atomicity, uniqueness, migrations."""

from __future__ import annotations

import re
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bridge.errors import ConfigError
from bridge.ledger import SCHEMA_VERSION, Ledger, compress, decompress


@dataclass
class Rec:
    identifier: str
    datestamp: str
    sets: list[str] = field(default_factory=list)
    deleted: bool = False
    lossy: bool = False
    raw: bytes = b"<record/>"
    metadata: dict[str, Any] | None = None


def test_deposit_rows_and_steps_persist(ledger_url: str) -> None:
    with Ledger(ledger_url) as ledger:
        ledger.save_deposit("key1", "sandbox", target="dspace7", state="planned", path="/x")
        ledger.step("key1", "sandbox", "workspace-item", "started")
        ledger.step("key1", "sandbox", "workspace-item", "done", {"id": 7})
        ledger.save_deposit("key1", "sandbox", state="archived", handle="10261/9", receipt={"handle": "10261/9"})
    with Ledger(ledger_url) as again:
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
        assert [d["deposit_key"] for d in again.deposits("sandbox")] == ["key1"]


def test_failed_transaction_is_rolled_back(ledger_url: str) -> None:
    with Ledger(ledger_url) as ledger:
        with pytest.raises(RuntimeError), ledger.transaction() as db:
            db.execute("INSERT INTO meta (key, value) VALUES ('half', 'written')")
            raise RuntimeError("killed mid-way")
        assert ledger.one("SELECT * FROM meta WHERE key = 'half'") is None


def test_pages_upsert_keep_the_newest_datestamp_and_the_raw_xml(ledger_url: str) -> None:
    with Ledger(ledger_url) as ledger:
        run = ledger.create_harvest(
            "http://x/oai", "oai_dc", "", from_date=None, until_date=None, response_date="2026-01-01T00:00:00Z",
            windows=[("2026-01-01", "2026-01-31"), ("2026-02-01", "")],
        )  # fmt: skip
        assert [w["status"] for w in ledger.harvest_windows(run["id"])] == ["todo", "todo"]
        first = [Rec("oai:x:1/1", "2026-01-02T00:00:00Z", raw=b"<a/>"), Rec("oai:x:1/2", "2026-01-03T00:00:00Z")]
        assert ledger.commit_page(
            "http://x/oai", "oai_dc", run["id"], "2026-01-01", first, token="t1", size=3, done=False
        ) == (2, 0, 0)
        window = ledger.harvest_window(run["id"], "2026-01-01")
        assert window is not None and (window["token"], window["pages"], window["status"]) == ("t1", 1, "running")
        second = [
            Rec("oai:x:1/1", "2026-01-01T00:00:00Z"),  # older: kept as it was
            Rec("oai:x:1/2", "2026-02-03T00:00:00Z", deleted=True, metadata={"title": ["T"]}),
        ]
        counts = ledger.commit_page(
            "http://x/oai", "oai_dc", run["id"], "2026-01-01", second, token=None, size=3, done=True
        )
        assert counts == (0, 1, 1)
        assert ledger.raw_record("http://x/oai", "oai_dc", "oai:x:1/1") == b"<a/>"
        rows = {r.identifier: r for r in ledger.records(endpoint="http://x/oai", prefix="oai_dc")}
        assert rows["oai:x:1/1"].datestamp == "2026-01-02T00:00:00Z"
        assert rows["oai:x:1/2"].deleted is True and rows["oai:x:1/2"].metadata == {"title": ["T"]}
        assert [w["window_from"] for w in ledger.harvest_windows(run["id"], pending=True)] == ["2026-02-01"]
        found = ledger.record_for_handle("oai_dc", "1/2", "http://x/oai")
        assert found is not None and found["identifier"] == "oai:x:1/2"
        assert ledger.record_for_handle("oai_dc", "1/3", "http://x/oai") is None


def test_concurrent_writers_never_duplicate_a_record_or_result(ledger_url: str) -> None:
    with Ledger(ledger_url) as setup:
        run = setup.create_harvest(
            "e", "oai_dc", "", from_date=None, until_date=None, response_date="r", windows=[("a", ""), ("b", "")]
        )
        verify_run, _ = setup.start_verify("p")
    page = [Rec(f"oai:x:1/{i}", "2026-01-01T00:00:00Z") for i in range(200)]
    errors: list[BaseException] = []

    def writer(window: str) -> None:
        try:
            with Ledger(ledger_url) as ledger:  # a connection of its own, as a separate worker has
                for _ in range(3):
                    ledger.commit_page("e", "oai_dc", run["id"], window, page, token=None, size=None, done=True)
                    ledger.finish_verify(verify_run, [("1/1", "handle", "passed", {})], {"passed": 1})
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(w,)) for w in ("a", "b", "a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with Ledger(ledger_url) as ledger:
        assert len(ledger.record_identifiers("e", "oai_dc")) == 200
        assert ledger.one("SELECT COUNT(*) AS n FROM record")["n"] == 200
        assert len(ledger.verify_results([verify_run])) == 1
        with pytest.raises(Exception, match=r"(?i)unique|duplicate"), ledger.transaction() as tx:
            tx.execute(
                "INSERT INTO record (endpoint, prefix, identifier, datestamp, sets, deleted, lossy, harvested) "
                "VALUES ('e', 'oai_dc', 'oai:x:1/1', 'd', '[]', 0, 0, 'h')"
            )


def test_verify_runs_store_results_and_summaries(ledger_url: str) -> None:
    with Ledger(ledger_url) as ledger:
        first, _ = ledger.start_verify("p")
        ledger.finish_verify(first, [("1/1", "handle", "failed", {"detail": "x"})], {"failed": 1})
        second, _ = ledger.start_verify("p")
        assert ledger.verify_run_ids("p", second, 10) == [first]
        assert ledger.verify_results([first])[0]["detail"] == {"detail": "x"}
        assert [r["id"] for r in ledger.verify_runs("p")] == [second, first]
        assert ledger.verify_runs("p")[1]["summary"] == {"failed": 1}


def test_ledger_newer_than_the_code_is_refused(ledger_url: str) -> None:
    with Ledger(ledger_url) as ledger, ledger.transaction() as tx:
        tx.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
    with pytest.raises(ConfigError, match=f"schema version {SCHEMA_VERSION + 1}, newer than this oai-bridge"):
        Ledger(ledger_url)


def test_version_1_ledger_is_migrated_forward(tmp_path: Path) -> None:
    """A ledger written by the first release (schema 1, no local_id) is upgraded in place and keeps its rows."""
    path = tmp_path / "v1.sqlite"
    from bridge.ledger.schema import _TYPES, _V1

    db = sqlite3.connect(path)
    db.executescript(_V1.format(**_TYPES["sqlite"]))
    db.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    db.execute(
        "INSERT INTO record (endpoint, prefix, identifier, datestamp, sets, deleted, lossy, harvested) "
        "VALUES ('e', 'oai_dc', 'oai:repo.org:10261/42', '2026-01-01', '[]', 0, 0, 'h')"
    )
    db.commit()
    db.close()
    with Ledger(path) as ledger:
        assert ledger.one("SELECT value FROM meta WHERE key = 'schema_version'") == {"value": str(SCHEMA_VERSION)}
        row = ledger.record_for_handle("oai_dc", "10261/42", "e")
        assert row is not None and row["identifier"] == "oai:repo.org:10261/42"


def test_bad_ledger_url_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match=re.escape("unsupported ledger URL 'mysql://u:***@h/db'")):
        Ledger("mysql://u:secret@h/db")
    with pytest.raises(ConfigError, match=re.escape("cannot open the ledger postgresql://u:***@127.0.0.1:1/db")):
        Ledger("postgresql://u:secret@127.0.0.1:1/db")


def test_raw_xml_compression_round_trips() -> None:
    raw = b"<record>" + b"x" * 1000 + b"</record>"
    blob = compress(raw)
    assert len(blob) < len(raw)
    assert decompress(blob) == raw
    assert decompress(None) is None


def test_rows_written_before_zstd_still_read_and_threads_compress_alike() -> None:
    import threading
    import zlib

    raw = "<record><dc:title>Núñez</dc:title></record>".encode() * 20
    assert decompress(zlib.compress(raw, 1)) == raw  # a ledger row written by an earlier version
    assert compress(raw)[:4] == b"\x28\xb5\x2f\xfd"
    results: list[bytes | None] = []
    workers = [threading.Thread(target=lambda: results.append(decompress(compress(raw)))) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert results == [raw] * 4


def test_ledger_and_broker_come_from_env_or_bridge_toml(tmp_path: Path) -> None:
    from bridge.settings import load_settings

    (tmp_path / "bridge.toml").write_text('ledger_url = "postgresql://b@db/bridge"\nbroker_url = "redis://r:6379/1"\n')
    from_file = load_settings(env={"BRIDGE_HOME": str(tmp_path)}, cwd=tmp_path)
    assert (from_file.ledger_url, from_file.broker_url) == ("postgresql://b@db/bridge", "redis://r:6379/1")
    env = {"BRIDGE_HOME": str(tmp_path), "BRIDGE_LEDGER_URL": "postgresql://e@db/x", "BRIDGE_BROKER_URL": "redis://e"}
    from_env = load_settings(env=env, cwd=tmp_path)
    assert (from_env.ledger_url, from_env.broker_url) == ("postgresql://e@db/x", "redis://e")
    default = load_settings(env={"BRIDGE_HOME": str(tmp_path)}, cwd=tmp_path / "elsewhere")
    assert default.ledger_url == str(tmp_path / "ledger.sqlite")
    assert default.broker_url == "redis://127.0.0.1:6379/0"
