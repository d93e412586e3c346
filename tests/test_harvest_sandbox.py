"""Harvesting the sandbox over real HTTP: exact item sets, deletions, incremental runs, faults, kill and resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from bridge.harvest import Harvester, Scope
from bridge.http import RetryPolicy
from bridge.ledger import Ledger
from bridge.oai.client import OAIClient
from bridge.sandbox.app import SandboxConfig
from bridge.sandbox.server import RunningSandbox, running_sandbox
from bridge.sandbox.store import metadata_value

ENV = {
    "BRIDGE_SANDBOX_ADMIN_EMAIL": "admin@sandbox.test",
    "BRIDGE_SANDBOX_ADMIN_PASSWORD": "admin-secret-1",
    "BRIDGE_SANDBOX_SUBMITTER_EMAIL": "submitter@sandbox.test",
    "BRIDGE_SANDBOX_SUBMITTER_PASSWORD": "submitter-secret-1",
}


@contextmanager
def sandbox_with(data: Path, **config: object) -> Iterator[RunningSandbox]:
    with running_sandbox(SandboxConfig(data_dir=data, **config), env=ENV) as running:
        yield running


def add_items(running: RunningSandbox, n: int, *, start: int = 0, now: bool = False) -> list[dict]:
    store = running.store
    coll = store.collections()[0]["uuid"]
    items = []
    for i in range(start, start + n):
        day = 1 + i % 28
        month = 1 + (i // 28) % 10
        ts = None if now else f"2026-{month:02d}-{day:02d}T{(i % 24):02d}:{(i * 7) % 60:02d}:{i % 60:02d}.000Z"
        md = {
            "dc.title": [metadata_value(f"Sandbox item {i}")],
            "dc.contributor.author": [metadata_value("García, Ana")],
            "dc.date.issued": [metadata_value("2026")],
            "dc.type": [metadata_value("dataset")],
        }
        items.append(store.create_item(coll, md, timestamp=ts))
    return items


def db_identifiers(running: RunningSandbox) -> tuple[set[str], set[str]]:
    host = running.sandbox.config.oai_host
    rows = running.store.query("SELECT handle, withdrawn, discoverable FROM item WHERE handle IS NOT NULL")
    ids = {f"oai:{host}:{r['handle']}" for r in rows}
    deleted = {f"oai:{host}:{r['handle']}" for r in rows if r["withdrawn"] or not r["discoverable"]}
    return ids, deleted


def harvested(ledger: Ledger, endpoint: str, prefix: str = "oai_dc") -> tuple[set[str], set[str], int]:
    rows = ledger.query("SELECT identifier, deleted FROM record WHERE endpoint = ? AND prefix = ?", (endpoint, prefix))
    return {r["identifier"] for r in rows}, {r["identifier"] for r in rows if r["deleted"]}, len(rows)


def quick_client(url: str) -> OAIClient:
    return OAIClient(url, policy=RetryPolicy(attempts=8, base_wait=0.01, max_wait=0.05))


def test_multi_page_harvest_gets_exactly_the_items_with_deletions(tmp_path: Path, ledger_url: str) -> None:
    with sandbox_with(tmp_path / "data", page_size=50) as sb:
        items = add_items(sb, 420)
        for item in items[::37]:
            sb.store.update_item(item["uuid"], withdrawn=True)
        url = sb.urls["oai"]
        with quick_client(url) as client, Ledger(ledger_url) as ledger:
            stats = Harvester(client, ledger).run(Scope(url, "oai_dc"), window_size="none")
            assert stats.complete, stats.errors
            ids, deleted, count = harvested(ledger, url)
        want_ids, want_deleted = db_identifiers(sb)
    assert ids == want_ids and count == len(want_ids)
    assert deleted == want_deleted and len(deleted) == len(items[::37])
    assert stats.pages >= 9


def test_windows_in_parallel_give_the_same_set(tmp_path: Path, ledger_url: str) -> None:
    with sandbox_with(tmp_path / "data", page_size=40) as sb:
        add_items(sb, 300)
        url = sb.urls["oai"]
        with quick_client(url) as client, Ledger(ledger_url) as ledger:
            stats = Harvester(client, ledger).run(Scope(url, "oai_dc"), window_size="month", parallel=3, full=True)
            assert stats.complete, stats.errors
            assert stats.windows > 3
            ids, _, _ = harvested(ledger, url)
        assert ids == db_identifiers(sb)[0]


def test_incremental_rerun_fetches_only_what_changed(tmp_path: Path, ledger_url: str) -> None:
    with sandbox_with(tmp_path / "data", page_size=50) as sb:
        items = add_items(sb, 120)
        url = sb.urls["oai"]
        with quick_client(url) as client, Ledger(ledger_url) as ledger:
            first = Harvester(client, ledger).run(Scope(url, "oai_dc"))
            assert first.complete and first.new == 120
            time.sleep(1.1)  # seconds granularity: changes must land after the first run's responseDate
            sb.store.update_item(items[5]["uuid"], withdrawn=True)
            changed = dict(items[6]["metadata"])
            changed["dc.title"] = [metadata_value("Renamed item 6")]
            sb.store.update_item(items[6]["uuid"], metadata=changed)
            add_items(sb, 2, start=500, now=True)
            second = Harvester(client, ledger).run(Scope(url, "oai_dc"))
            assert second.complete, second.errors
            assert second.from_date == first_response_date(ledger, url)
            # Only the two changed and the two new items come back.
            assert second.records == 4
            assert (second.updated, second.new, second.deleted) == (2, 2, 1)
            assert harvested(ledger, url)[2] == 122
            title = ledger.one("SELECT metadata FROM record WHERE identifier LIKE ?", (f"%{items[6]['handle']}",))
            assert title is not None and "Renamed item 6" in title["metadata"]


def first_response_date(ledger: Ledger, url: str) -> str:
    row = ledger.one("SELECT response_date FROM harvest_run WHERE endpoint = ? ORDER BY id LIMIT 1", (url,))
    assert row is not None
    return row["response_date"]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_faults_do_not_change_the_harvested_set(tmp_path: Path, seed: int) -> None:
    data = tmp_path / "data"
    with sandbox_with(data, page_size=30) as sb:
        items = add_items(sb, 200)
        for item in items[::23]:
            sb.store.update_item(item["uuid"], withdrawn=True)
        clean_url = sb.urls["oai"]
        with quick_client(clean_url) as client, Ledger(tmp_path / "clean.sqlite") as ledger:
            assert Harvester(client, ledger).run(Scope(clean_url, "oai_dc"), window_size="none").complete
            clean = harvested(ledger, clean_url)
    faults = "503=0.15,slow=0.05:50ms,truncate=0.05,reset=0.03,expire-tokens=3"
    with sandbox_with(data, page_size=30, faults=faults, seed=seed) as sb:
        url = sb.urls["oai"]
        with quick_client(url) as client, Ledger(tmp_path / "faulty.sqlite") as ledger:
            stats = Harvester(client, ledger).run(Scope(url, "oai_dc"), window_size="none")
            assert stats.complete, stats.errors
            faulty = harvested(ledger, url)
        injected = sb.sandbox.faults.stats
    assert faulty[0] == clean[0] and faulty[1] == clean[1] and faulty[2] == clean[2]
    assert sum(injected.values()) > 0


def test_killed_harvest_resumes_without_duplicates_or_losses(tmp_path: Path, ledger_url: str) -> None:
    home = tmp_path / "home"
    with sandbox_with(tmp_path / "data", page_size=20, faults="oai:slow=1:150ms", seed=5) as sb:
        add_items(sb, 400)
        url = sb.urls["oai"]
        env = {**os.environ, "BRIDGE_HOME": str(home), "BRIDGE_LEDGER_URL": ledger_url}
        cmd = [sys.executable, "-m", "bridge", "harvest", "--endpoint", url, "--windows", "none", "--json"]
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        pages = 0
        while time.monotonic() < deadline and pages < 5:
            time.sleep(0.1)
            with Ledger(ledger_url) as ledger:
                row = ledger.one("SELECT SUM(pages) AS p FROM harvest_window")
                pages = (row or {}).get("p") or 0
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        assert 5 <= pages < 20, f"kill landed at page {pages}"
        with Ledger(ledger_url) as ledger:
            partial = harvested(ledger, url)[2]
            assert 0 < partial < 400
            # the checkpoint is exactly the committed pages: their records, their last token
            window = ledger.one("SELECT pages, records, token FROM harvest_window")
            assert window is not None and window["records"] == partial == 20 * window["pages"] and window["token"]
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        with Ledger(ledger_url) as ledger:
            ids, _, count = harvested(ledger, url)
            runs = ledger.query("SELECT status FROM harvest_run")
            resumed_from = ledger.one("SELECT stats FROM harvest_run ORDER BY id DESC LIMIT 1")
        assert ids == db_identifiers(sb)[0] and count == 400
        assert [r["status"] for r in runs] == ["complete"]  # the killed run was resumed, not restarted
        assert resumed_from is not None and '"resumed": true' in resumed_from["stats"]
        resumed = json.loads(done.stdout)["scopes"][0]
        # the resumed run fetched exactly the pages not yet committed: none lost, none stored twice
        assert resumed["records"] == resumed["new"] == 400 - partial
        assert resumed["unchanged"] == 0


def test_each_page_is_stored_while_the_next_one_is_fetched(tmp_path: Path) -> None:
    with sandbox_with(tmp_path / "data", page_size=20) as sb:
        add_items(sb, 100)
        url = sb.urls["oai"]
        with OAIClient(url) as client, OverlapLedger(tmp_path / "l.sqlite", client) as ledger:
            stats = Harvester(client, ledger).run(Scope(url, "oai_dc"), window_size="none")
        assert stats.complete and stats.records == 100 and stats.pages == 5
        # pages 1-4 carry a token: the request for the next page went out before each was committed
        seen = ledger.requests_seen
        assert len(seen) == 5 and all(seen[k - 1] >= k + 2 for k in range(1, 5)), seen
        assert seen[-1] == client.requests == 6  # Identify and five pages: nothing fetched twice


class OverlapLedger(Ledger):
    """A ledger that, before committing page k, waits (up to 10 s) until the client has asked for page k+1."""

    def __init__(self, path: Path, client: OAIClient) -> None:
        super().__init__(path)
        self.client = client
        self.requests_seen: list[int] = []

    def commit_page(self, *args: Any, **kwargs: Any) -> tuple[int, int, int]:
        page = len(self.requests_seen) + 1
        wanted = page + 2  # Identify, pages 1..k, and the request of page k+1
        deadline = time.monotonic() + 10
        while not kwargs["done"] and self.client.requests < wanted and time.monotonic() < deadline:
            time.sleep(0.01)
        self.requests_seen.append(self.client.requests)
        return super().commit_page(*args, **kwargs)


def test_each_page_is_parsed_once_and_every_record_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """sickle parses a page three times; the harvester once (lxml's every document parser is counted)."""
    from lxml import etree

    parses = {"n": 0}
    for name in ("fromstring", "XML", "parse"):
        real = getattr(etree, name)

        def counted(*args: Any, _real: Any = real, **kwargs: Any) -> Any:
            parses["n"] += 1
            return _real(*args, **kwargs)

        monkeypatch.setattr(etree, name, counted)
    with sandbox_with(tmp_path / "data", page_size=25) as sb:
        add_items(sb, 130)
        url = sb.urls["oai"]
        with quick_client(url) as client, Ledger(tmp_path / "ledger.sqlite") as ledger:
            before = parses["n"]
            stats = Harvester(client, ledger).run(Scope(url, "oai_dc"), window_size="none")
            parsed = parses["n"] - before
            requests = client.requests
            stored = ledger.one("SELECT COUNT(*) AS n, SUM(raw IS NOT NULL) AS raw FROM record")
    assert stats.complete and stats.pages == 6  # 130 records, 25 a page
    assert requests == stats.pages + 1  # and Identify
    assert parsed == requests  # one parse per answer: none per record, none repeated
    assert stored is not None and stored["n"] == stored["raw"] == 130
