"""`bridge demo`: the README's first command runs the whole loop on the embedded sandbox, twice, fast."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bridge.cli import app

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder whose bridge.toml names a production-like default profile the demo must not touch."""
    work = tmp_path / "work"
    work.mkdir()
    (work / "bridge.toml").write_text(
        'default_profile = "prod"\n[profiles.prod]\nrest_url = "http://127.0.0.1:1/server/api"\n'
        'oai_url = "http://127.0.0.1:1/server/oai/request"\n'
    )
    monkeypatch.chdir(work)
    monkeypatch.setenv("BRIDGE_SANDBOX_PORT", "0")  # tests run in parallel: any free port
    return work


def test_demo_publishes_harvests_and_verifies_on_the_sandbox_only(elsewhere: Path, bridge_home: Path) -> None:
    started = time.monotonic()
    result = CliRunner().invoke(app, ["demo", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert time.monotonic() - started < 60
    assert [p["artefact"] for p in data["published"]] == ["plant-classifier", "monitoring-logs"]
    assert [p["status"] for p in data["published"]] == ["published", "published"]
    model, logs = data["published"]
    assert model["doi"] and model["doi"].startswith("10.5072/") and logs["doi"] is None
    base = data["sandbox"]["urls"]["base"]
    assert model["landing_url"] == f"{base}/handle/{model['handle']}"
    assert json.loads(Path(model["receipt"]).read_text())["handle"] == model["handle"]
    assert Path(model["receipt"]).parent == bridge_home / "demo"
    assert data["sandbox"]["data_dir"] == str(bridge_home / "sandbox")
    assert [h["prefix"] for h in data["harvest"]] == ["oai_dc", "oai_datacite"]
    assert all(h["records"] == 2 and h["complete"] for h in data["harvest"])
    summary = data["verify"]["summary"]
    assert summary == {"passed": 12, "failed": 0, "pending": 0, "total": 12, "newly_broken": 0, "fixed": 0}
    checks = {(r["pid"], r["check"]) for r in data["verify"]["results"]}
    assert (model["doi"], "datacite") in checks and (logs["handle"], "checksums") in checks
    assert data["verify"]["run"]["profile"] == "sandbox"

    again = CliRunner().invoke(app, ["demo", "--json"])
    assert again.exit_code == 0, again.output
    second = json.loads(again.stdout)
    assert [p["status"] for p in second["published"]] == ["already-published", "already-published"]
    assert [p["handle"] for p in second["published"]] == [model["handle"], logs["handle"]]
    assert second["verify"]["summary"]["failed"] == 0 and second["verify"]["run"]["previous_run"] is not None


def test_readme_command_runs_from_a_fresh_clone(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIDGE_")}
    env.update(BRIDGE_HOME=str(tmp_path / "home"), BRIDGE_SANDBOX_PORT="0", COLUMNS="120")
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "bridge", "demo"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - started < 60
    out = done.stdout
    assert "What was published" in out and "landing page  http://127.0.0.1:" in out
    assert f"receipt       {tmp_path / 'home' / 'demo' / 'plant-classifier.receipt.json'}" in out
    assert "0 failed, 0 pending, 12 passed (12 checks)" in out
    assert "publishing plant-classifier with a DOI" in done.stderr


def test_demo_says_where_the_artefacts_should_be(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["demo", "--fixtures", str(tmp_path)])
    assert result.exit_code == 1
    assert "the demo artefacts plant-classifier, monitoring-logs are not in" in result.stderr
