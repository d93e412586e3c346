"""`bridge publish` through Typer's CliRunner: exit codes, --json, --dry-run, --receipt, messages, no secrets."""

from __future__ import annotations

import io
import json
import shutil

import pytest
from typer.testing import CliRunner

from bridge.cli import app

REQUIRED = {"status", "handle", "handle_url", "doi", "landing_url", "deposit_key", "item_id", "files"}
SECRETS = ("submitter-secret-1", "admin-secret-1")


def invoke(*args: str):
    return CliRunner().invoke(app, ["publish", *args])


def no_secrets(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text


def test_json_stdout_is_exactly_the_receipt(sandbox, sandbox_settings, fixtures_dir, tmp_path):
    receipt_file = tmp_path / "receipt.json"
    result = invoke(str(fixtures_dir / "plant-classifier"), "--json", "--yes", "--doi", "--receipt", str(receipt_file))
    assert result.exit_code == 0, result.stderr
    receipt = json.loads(result.stdout)  # nothing but one JSON document on stdout
    assert set(receipt) >= REQUIRED
    assert receipt["status"] == "published" and receipt["handle"].startswith("10261/")
    assert receipt["doi"].startswith("10.5072/bridge.") and receipt["landing_url"].endswith(receipt["handle"])
    assert receipt["item_id"] == sandbox.store.item_by_handle(receipt["handle"])["uuid"]
    for entry in receipt["files"]:
        assert {"name", "size", "md5", "sha256"} <= set(entry)
    assert json.loads(receipt_file.read_text()) == receipt
    assert result.stderr == ""  # no progress bars or notes with --json
    again = invoke(str(fixtures_dir / "plant-classifier"), "--json", "--yes", "--doi")
    assert again.exit_code == 0
    assert json.loads(again.stdout)["status"] == "already-published"
    assert json.loads(again.stdout)["handle"] == receipt["handle"]
    no_secrets(result.stdout, result.stderr, again.stdout, again.stderr, receipt_file.read_text())


def test_human_output_names_handle_doi_and_files(sandbox, sandbox_settings, fixtures_dir):
    result = invoke(str(fixtures_dir / "monitoring-logs"), "--yes", "--target", "sword2")
    assert result.exit_code == 0, result.stderr
    assert "published 10261/3" in result.stdout
    assert f"{sandbox.base_url}/handle/10261/3" in result.stdout
    assert "none (use --doi)" in result.stdout and "logs/app.jsonl.gz" in result.stdout
    assert "(sword2)" in result.stdout
    no_secrets(result.stdout, result.stderr)


def test_dry_run_prints_the_plan_and_touches_nothing(sandbox, sandbox_settings, fixtures_dir):
    result = invoke(str(fixtures_dir / "plant-classifier"), "--dry-run", "--doi")
    assert result.exit_code == 0, result.stderr
    assert "nothing was deposited" in result.stdout and "dc.identifier.other" in result.stdout
    assert "model.safetensors" in result.stdout and "reserved as a draft first" in result.stdout
    as_json = invoke(str(fixtures_dir / "plant-classifier"), "--dry-run", "--json")
    assert json.loads(as_json.stdout)["status"] == "dry-run"
    assert sandbox.store.query("SELECT uuid FROM item") == [] and sandbox.store.query("SELECT doi FROM doi") == []
    assert not sandbox_settings.ledger_path.exists()


def test_no_profile_says_it_publishes_to_the_embedded_sandbox(fixtures_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BRIDGE_SANDBOX_PORT", "0")
    result = invoke(str(fixtures_dir / "plant-classifier"))
    assert result.exit_code == 0, result.stderr
    assert "no profile configured: publishing to the embedded sandbox" in result.stderr
    assert "published 10261/" in result.stdout


def test_usage_errors_exit_2(sandbox, sandbox_settings, fixtures_dir, tmp_path):
    missing = invoke(str(tmp_path / "nope"), "--yes")
    assert missing.exit_code == 2 and "no such folder" in missing.stderr
    bad_target = invoke(str(fixtures_dir / "plant-classifier"), "--target", "ftp")
    assert bad_target.exit_code == 2
    folder = tmp_path / "copy"
    shutil.copytree(fixtures_dir / "plant-classifier", folder)
    assert invoke(str(folder), "--yes", "--json").exit_code == 0
    with (folder / "model.safetensors").open("ab") as fh:
        fh.write(b"\0")  # other content under the same title
    clash = invoke(str(folder), "--yes", "--json")
    assert clash.exit_code == 2 and clash.stdout == ""
    assert "--new-version-of 10261/3" in clash.stderr


def test_failures_exit_1_with_one_line_naming_the_step(sandbox, sandbox_settings, fixtures_dir, monkeypatch):
    invalid = invoke(str(fixtures_dir / "bad" / "missing-title"), "--yes")
    assert invalid.exit_code == 1 and "title" in invalid.stderr
    unknown = invoke(str(fixtures_dir / "plant-classifier"), "--profile", "nowhere")
    assert unknown.exit_code == 1 and "unknown profile 'nowhere'" in unknown.stderr
    monkeypatch.setenv("BRIDGE_LOCAL_PASSWORD", "Wrong-Password-5")
    refused = invoke(str(fixtures_dir / "plant-classifier"), "--yes", "--json")
    assert refused.exit_code == 1 and refused.stdout == ""
    first, *rest = refused.stderr.strip().splitlines()
    assert first.startswith("error: publish failed at step 'lookup': login to") and "refused the credentials" in first
    assert rest == ["  hint: check BRIDGE_LOCAL_USER and BRIDGE_LOCAL_PASSWORD"]
    assert "Traceback" not in refused.output
    no_secrets(refused.stdout, refused.stderr)
    assert "Wrong-Password-5" not in refused.stderr


@pytest.mark.parametrize("flag", ["--json", "--dry-run"])
def test_help_lists_the_options(flag):
    result = CliRunner().invoke(app, ["publish", "--help"])
    assert result.exit_code == 0 and flag in result.stdout
    for option in ("--profile", "--collection", "--doi", "--no-doi", "--new-version-of", "--receipt", "--yes"):
        assert option in result.stdout


def test_progress_bars_render_one_line_per_file():
    from rich.console import Console

    from bridge.commands.publish import _Bars

    buffer = io.StringIO()
    bars = _Bars(Console(file=buffer, force_terminal=True, width=100))
    for done in (0, 512, 1024):
        bars.update("model.safetensors", done, 1024)
    bars.update("logs/a.log", 10, 10)
    bars.stop()
    text = buffer.getvalue()
    assert "model.safetensors" in text and "logs/a.log" in text and "1.0 kB" in text
