"""`bridge harvest --endpoints FILE` in one process: many providers, each within its own politeness limit."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from bridge.cli import app
from bridge.ledger import Ledger
from bridge.sandbox.app import SandboxConfig
from bridge.sandbox.seed import seed_store
from bridge.sandbox.server import running_sandbox

runner = CliRunner()


def test_many_providers_each_within_its_limit_and_one_down(tmp_path: Path, monkeypatch) -> None:
    ledger_path = tmp_path / "ledger.sqlite"
    monkeypatch.setenv("BRIDGE_LEDGER_URL", str(ledger_path))
    slow = "oai:latency=20ms"
    a_cfg = SandboxConfig(data_dir=tmp_path / "a", page_size=25, faults=slow, seed=1)
    b_cfg = SandboxConfig(data_dir=tmp_path / "b", page_size=25, faults=slow, seed=2)
    with running_sandbox(a_cfg, env={}) as a, running_sandbox(b_cfg, env={}) as b:
        seed_store(a.store, 300, seed=1)
        seed_store(b.store, 200, seed=2)
        endpoints = tmp_path / "endpoints.toml"
        endpoints.write_text(
            f'[[endpoint]]\nurl = "{a.urls["oai"]}"\nparallel = 1\n\n'
            f'[[endpoint]]\nurl = "{b.urls["oai"]}"\n\n'
            '[[endpoint]]\nurl = "http://127.0.0.1:9/oai/request"\n'
        )
        out = runner.invoke(app, ["harvest", "--endpoints", str(endpoints), "--parallel", "3", "--json"])
        peaks = a.sandbox.faults.peak_inflight["oai"], b.sandbox.faults.peak_inflight["oai"]
        hosts = {a.urls["oai"]: a, b.urls["oai"]: b}
        want = {
            url: {f"oai:{sb.sandbox.config.oai_host}:{r['handle']}" for r in sb.store.query("SELECT handle FROM item")}
            for url, sb in hosts.items()
        }
    assert out.exit_code == 1, out.output  # the third provider is down: reported, the others harvested
    summary = json.loads(out.stdout)
    assert [e["complete"] for e in summary["endpoints"]] == [True, True, False]
    assert "127.0.0.1:9" in out.stderr and "harvest incomplete at 1 of 3 endpoints" in out.stderr
    with Ledger(ledger_path) as ledger:
        for url, ids in want.items():
            assert set(ledger.record_identifiers(url, "oai_dc")) == ids and len(ids) in (300, 200)
    assert peaks[0] == 1  # its own politeness limit, below --parallel
    assert 1 < peaks[1] <= 3  # --parallel bounds the others, and was used
