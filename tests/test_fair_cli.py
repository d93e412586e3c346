"""`bridge fair --all`, `bridge verify --fair` (regressions as newly broken) and `bridge publish --min-fair`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from bridge.cli import app
from bridge.publish import publish
from bridge.settings import Settings

runner = CliRunner()


def invoke(*args: str) -> tuple[int, Any]:
    result = runner.invoke(app, [*args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result


def test_fair_all_assesses_every_deposit_concurrently(sandbox, sandbox_settings: Settings, fixtures_dir: Path) -> None:
    model = publish(fixtures_dir / "plant-classifier", sandbox_settings, doi=True)
    logs = publish(fixtures_dir / "monitoring-logs", sandbox_settings)
    code, result = invoke("fair", "--all", "--format", "json", "--concurrency", "4")
    assert code == 0, result.output
    doc = json.loads(result.stdout)
    assert {r["info"]["handle"] for r in doc["reports"]} == {model["handle"], logs["handle"]}
    assert doc["summary"]["records"] == 2 and doc["summary"]["ok"] == 2 and doc["summary"]["errors"] == 0
    assert doc["summary"]["mean_score"] >= 90
    assert doc["run"]["concurrency"] == 4 and doc["run"]["requests"] > 0 and doc["run"]["pids_per_second"] > 0
    code, result = invoke("fair", "--all")
    lines = result.stdout.splitlines()
    assert code == 0 and lines[0].split() == ["PID", "FAIR", "ESSENTIAL", "FAILING"]
    assert {line.split()[0] for line in lines[1:3]} == {model["handle"], logs["handle"]}
    assert "2 record(s): 2 pass every Essential indicator" in result.stdout
    code, result = invoke("fair", "--all", "--since", "2999-01-01", "--format", "json")
    assert code == 0 and json.loads(result.stdout)["reports"] == []
    code, result = invoke("fair", "--all", str(fixtures_dir / "plant-classifier"))
    assert code == 2


def _verify(*args: str) -> tuple[int, dict[str, Any]]:
    code, result = invoke("verify", "--fair", "--format", "json", *args)
    return code, json.loads(result.stdout)


def test_verify_fair_reports_a_lower_score_as_newly_broken_then_fixed(
    sandbox, sandbox_settings: Settings, fixtures_dir: Path
) -> None:
    receipt = publish(fixtures_dir / "monitoring-logs", sandbox_settings)
    code, report = _verify("--deposits-only")
    fair = next(r for r in report["results"] if r["check"] == "fair")
    assert code == 0 and fair["status"] == "passed" and fair["detail"].startswith("FAIR ")
    item = sandbox.store.item(receipt["item_id"])
    before = dict(item["metadata"])
    metadata = {k: v for k, v in before.items() if k != "dc.contributor.orcid"}  # an edit loses the ORCID iDs
    sandbox.store.update_item(receipt["item_id"], metadata=metadata)
    code, report = _verify("--deposits-only")
    fair = next(r for r in report["results"] if r["check"] == "fair")
    assert code == 3, report
    assert fair["status"] == "failed" and fair["changed"] == "newly-broken"
    assert "the score dropped" in fair["detail"] and "baseline" in fair["detail"] and "RDA-I2-01M" in fair["detail"]
    assert [r["check"] for r in report["results"] if r["status"] == "failed"] == ["fair"]
    code, report = _verify("--deposits-only")  # still below the baseline: still broken, not "fixed"
    assert code == 3 and next(r for r in report["results"] if r["check"] == "fair")["status"] == "failed"
    sandbox.store.update_item(receipt["item_id"], metadata=before)
    code, report = _verify("--deposits-only")
    fair = next(r for r in report["results"] if r["check"] == "fair")
    assert code == 0 and fair["status"] == "passed" and fair["changed"] == "fixed"
    code, plain = invoke("verify", "--format", "json", "--deposits-only")
    assert "fair" not in {r["check"] for r in json.loads(plain.stdout)["results"]}  # only with --fair


def test_publish_prints_the_offline_score_and_min_fair_refuses_below_it(
    sandbox, sandbox_settings: Settings, fixtures_dir: Path
) -> None:
    folder = fixtures_dir / "plant-classifier"
    code, result = invoke("publish", str(folder), "--min-fair", "99", "--yes")
    assert code == 3
    assert "FAIR before publishing: " in result.stderr and "advice (RDA-R1.2-01M)" in result.stderr
    assert "below --min-fair 99" in result.stderr
    assert sandbox.store.one("SELECT COUNT(*) AS n FROM item")["n"] == 0  # nothing was deposited
    code, result = invoke("publish", str(folder), "--min-fair", "90", "--yes", "--json")
    assert code == 0, result.output
    assert json.loads(result.stdout)["status"] == "published"  # stdout stays the receipt alone
    assert result.stderr == ""  # --json keeps CI logs quiet when the score is enough
    code, result = invoke("publish", str(fixtures_dir / "monitoring-logs"), "--yes")
    assert code == 0 and "FAIR before publishing: " in result.stderr and "FAIR 100.0%" in result.stderr


def test_demo_prints_the_fair_score_before_and_after_publishing(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BRIDGE_SANDBOX_PORT", "0")
    code, result = invoke("demo", "--json")
    assert code == 0, result.output
    fair = {f["artefact"]: f for f in json.loads(result.stdout)["fair"]}
    assert set(fair) == {"plant-classifier", "monitoring-logs"}
    for f in fair.values():
        assert f["before"] >= 90 and f["essential_after"]["failed"] == 0
        assert f["essential_after"]["passed"] == f["essential_after"]["total"] == 20
    code, result = invoke("demo")
    assert code == 0 and "before publishing" in result.stdout and "Essential 20/20" in result.stdout


def test_fair_all_compares_the_declared_md5_with_the_deposit(sandbox, sandbox_settings: Settings, fixtures_dir: Path):
    import hashlib

    receipt = publish(fixtures_dir / "plant-classifier", sandbox_settings)
    code, result = invoke("fair", "--all", "--format", "json")
    a105 = next(v for v in json.loads(result.stdout)["reports"][0]["accessible"].values() if v["id"] == "RDA-A1-05D")
    assert code == 0 and any("as deposited" in m["message"] for m in a105["msg"])
    bs = sandbox.store.item_bitstreams(receipt["item_id"])[0]  # a bad copy: other bytes, their own checksum
    data = b"these are not the deposited weights"
    sandbox.store.bitstream_path(bs).write_bytes(data)
    sandbox.store.query(
        "UPDATE bitstream SET md5 = ?, size = ? WHERE uuid = ?", (hashlib.md5(data).hexdigest(), len(data), bs["uuid"])
    )
    code, result = invoke("fair", "--all", "--format", "json")
    a105 = next(v for v in json.loads(result.stdout)["reports"][0]["accessible"].values() if v["id"] == "RDA-A1-05D")
    assert a105["test_status"] == "fail" and any("Re-upload" in a for a in a105["advice"])
    assert "deposited " + receipt["files"][0]["md5"] in " ".join(m["message"] for m in a105["msg"])
