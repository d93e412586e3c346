"""`bridge.publish.publish` against the sandbox: both fixtures through both targets, re-runs, versions, dry runs."""

from __future__ import annotations

import json
import logging
import os
import shutil
import tomllib
from pathlib import Path

import httpx
import pytest
import tomli_w

from bridge.errors import BridgeError, UsageError
from bridge.ledger import Ledger
from bridge.publish import publish
from bridge.sandbox.store import Store
from bridge.settings import Settings, load_settings
from bridge.targets import KEY_PREFIX
from bridge.validate import validate_artifact

RECEIPT_KEYS = {
    "status", "profile", "target", "repository", "item_id", "handle", "handle_url", "doi", "doi_url", "landing_url",
    "deposit_key", "metadata_digest", "kind", "title", "files", "deposited", "datacite", "new_version_of", "created",
    "updated", "tool_version",
}  # fmt: skip
PASSWORDS = ("submitter-secret-1", "admin-secret-1")


def archived(sandbox) -> list[dict]:
    return sandbox.store.query("SELECT uuid, handle FROM item WHERE in_archive = 1 ORDER BY created")


def all_items(sandbox) -> list[dict]:
    return sandbox.store.query("SELECT uuid FROM item")


@pytest.mark.parametrize("with_doi", [True, False], ids=["doi", "no-doi"])
@pytest.mark.parametrize("kind", ["dspace7", "sword2"])
@pytest.mark.parametrize("fixture", ["plant-classifier", "monitoring-logs"])
def test_publish_fixture(sandbox, sandbox_settings, fixtures_dir, tmp_path, fixture, kind, with_doi):
    folder = fixtures_dir / fixture
    receipt_file = tmp_path / "out" / "receipt.json"
    receipt = publish(folder, sandbox_settings, doi=with_doi, target=kind, receipt_path=receipt_file)
    assert set(receipt) >= RECEIPT_KEYS
    assert json.loads(receipt_file.read_text()) == receipt
    assert (receipt["status"], receipt["profile"], receipt["target"]) == ("published", "local", kind)
    (item,) = archived(sandbox)
    assert (receipt["item_id"], receipt["handle"]) == (item["uuid"], item["handle"])
    assert receipt["handle_url"] == f"{sandbox.base_url}/{item['handle']}"
    assert receipt["landing_url"] == f"{sandbox.base_url}/handle/{item['handle']}"
    assert httpx.get(receipt["landing_url"]).status_code == 200
    local = {f.path: f for f in validate_artifact(folder, sandbox_settings).artifact.files}
    assert {f["path"] for f in receipt["files"]} == set(local)
    for f in receipt["files"]:
        assert (f["size"], f["md5"], f["sha256"]) == (
            local[f["path"]].size,
            local[f["path"]].md5,
            local[f["path"]].sha256,
        )
    stored = {b["name"]: b for b in sandbox.store.item_bitstreams(item["uuid"])}
    assert {name: b["md5"] for name, b in stored.items()} == {f["name"]: f["md5"] for f in receipt["files"]}
    assert {b["uuid"] for b in stored.values()} == {f["bitstream_id"] for f in receipt["files"]}
    metadata = sandbox.store.item(item["uuid"])["metadata"]
    key_field = "dc.identifier.other" if kind == "dspace7" else "dc.identifier"
    assert KEY_PREFIX + receipt["deposit_key"] in [v["value"] for v in metadata[key_field]]
    dois = sandbox.store.query("SELECT doi, state, url FROM doi")
    if with_doi:
        assert dois == [{"doi": receipt["doi"], "state": "findable", "url": receipt["landing_url"]}]
        doi_field = "dc.identifier.doi" if kind == "dspace7" else "dc.identifier"
        assert f"https://doi.org/{receipt['doi']}" in [v["value"] for v in metadata[doi_field]]
        assert receipt["datacite"]["doi"] == receipt["doi"] and receipt["datacite"]["url"] == receipt["landing_url"]
        assert receipt["deposited"]["identifiers"] == [receipt["doi_url"], receipt["handle_url"]]
    else:
        assert dois == [] and receipt["doi"] is None and receipt["doi_url"] is None
    with Ledger(sandbox_settings.ledger_url) as ledger:
        row = ledger.deposit(receipt["deposit_key"], "local")
    assert row["state"] == "published" and row["receipt"]["handle"] == item["handle"]


@pytest.mark.parametrize("kind", ["dspace7", "sword2"])
def test_rerun_on_the_same_machine_and_on_a_fresh_runner_makes_no_second_item(
    sandbox, sandbox_settings, fixtures_dir, kind
):
    folder = fixtures_dir / "plant-classifier"
    first = publish(folder, sandbox_settings, doi=True, target=kind)
    again = publish(folder, sandbox_settings, doi=True, target=kind)
    assert again["status"] == "already-published"
    assert (again["handle"], again["doi"], again["created"]) == (first["handle"], first["doi"], first["created"])
    for leftover in sandbox_settings.home.glob("ledger.sqlite*"):
        leftover.unlink()  # a fresh CI runner: no local state at all
    fresh = publish(folder, sandbox_settings, doi=True, target=kind)
    assert fresh["status"] == "already-published"
    assert (fresh["handle"], fresh["doi"], fresh["item_id"]) == (first["handle"], first["doi"], first["item_id"])
    assert len(all_items(sandbox)) == 1
    assert len(sandbox.store.query("SELECT doi FROM doi WHERE state = 'findable'")) == 1


def test_changed_content_under_the_same_title_needs_new_version_of(sandbox, sandbox_settings, fixtures_dir, tmp_path):
    folder = tmp_path / "run-42"
    shutil.copytree(fixtures_dir / "plant-classifier", folder)
    first = publish(folder, sandbox_settings, doi=True)
    with (folder / "model.safetensors").open("ab") as fh:
        fh.write(b"\0" * 16)  # retrained: other weights, same title
    with pytest.raises(UsageError) as caught:
        publish(folder, sandbox_settings, doi=True)
    assert first["handle"] in caught.value.message and "--new-version-of" in (caught.value.hint or "")
    assert caught.value.exit_code == 2
    assert len(all_items(sandbox)) == 1
    second = publish(folder, sandbox_settings, doi=True, new_version_of=first["doi"])
    assert second["status"] == "published" and second["handle"] != first["handle"]
    assert second["new_version_of"] == first["doi"] and second["doi"] != first["doi"]
    relation = {"relatedIdentifier": first["doi"], "relatedIdentifierType": "DOI", "relationType": "IsNewVersionOf"}
    assert relation in second["datacite"]["relatedIdentifiers"]
    metadata = sandbox.store.item(second["item_id"])["metadata"]
    relations = [v["value"] for name, vs in metadata.items() if name.startswith("dc.relation") for v in vs]
    assert f"https://doi.org/{first['doi']}" in relations
    shown = httpx.get(f"{sandbox.urls['doi_api']}/dois/{second['doi']}").json()["data"]["attributes"]
    assert relation in shown["relatedIdentifiers"]
    previous = httpx.get(f"{sandbox.urls['doi_api']}/dois/{first['doi']}").json()["data"]["attributes"]
    back = {"relatedIdentifier": second["doi"], "relatedIdentifierType": "DOI", "relationType": "IsPreviousVersionOf"}
    assert back in previous["relatedIdentifiers"] and previous["state"] == "findable"
    assert len(archived(sandbox)) == 2
    with (folder / "model.safetensors").open("ab") as fh:
        fh.write(b"\1")
    with pytest.raises(UsageError, match="no such item"):
        publish(folder, sandbox_settings, new_version_of="10261/999999")


def test_dry_run_shows_the_plan_and_touches_nothing(sandbox, sandbox_settings, fixtures_dir):
    folder = fixtures_dir / "plant-classifier"
    plan = publish(folder, sandbox_settings, doi=True, dry_run=True)
    assert plan["status"] == "dry-run" and plan["handle"] is None and plan["item_id"] is None
    assert plan["collection"] == "10261/2" and plan["repository"]["rest_url"] == sandbox.urls["rest"]
    assert plan["metadata"]["dc.title"][0]["value"] == plan["title"]
    assert plan["metadata"]["dc.identifier.other"][0]["value"] == KEY_PREFIX + plan["deposit_key"]
    assert plan["metadata"]["dc.identifier.doi"][0]["value"] == f"https://doi.org/{plan['doi']}"
    assert not sandbox_settings.ledger_path.exists()
    assert all_items(sandbox) == [] and sandbox.store.query("SELECT doi FROM doi") == []
    real = publish(folder, sandbox_settings, doi=True)
    assert (real["doi"], real["deposit_key"]) == (plan["doi"], plan["deposit_key"])  # the plan was the truth


def test_dry_run_without_a_profile_does_not_start_the_sandbox(bridge_home, fixtures_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    plan = publish(fixtures_dir / "monitoring-logs", settings, dry_run=True)
    assert (plan["profile"], plan["sandbox"], plan["target"]) == ("sandbox", True, "dspace7")
    assert list(bridge_home.iterdir()) == []


def test_no_profile_publishes_to_the_embedded_sandbox(bridge_home, fixtures_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BRIDGE_SANDBOX_PORT", "0")
    receipt = publish(fixtures_dir / "plant-classifier", load_settings(), doi=True)
    assert (receipt["status"], receipt["profile"], receipt["sandbox"]) == ("published", "sandbox", True)
    assert receipt["handle"].startswith("10261/") and receipt["doi"].startswith("10.5072/bridge.")
    ledger_file = os.environ.get("BRIDGE_LEDGER_URL") is not None or (bridge_home / "ledger.sqlite").is_file()
    assert (bridge_home / "sandbox").is_dir() and ledger_file
    again = publish(fixtures_dir / "plant-classifier", load_settings(), doi=True)  # another port, same data
    assert again["status"] == "already-published" and again["handle"] == receipt["handle"]
    store = Store(bridge_home / "sandbox")
    try:  # the DOI follows the sandbox to its new port instead of pointing at the old one
        assert store.doi(receipt["doi"])["url"] == again["landing_url"]
    finally:
        store.close()


def _real_profile_settings() -> Settings:
    """The test sandbox configured as if it were a production repository (sandbox = false)."""
    config = Path("bridge.toml")  # written by the sandbox_settings fixture in the working folder
    data = tomllib.loads(config.read_text())
    data["profiles"]["local"]["sandbox"] = False
    config.write_text(tomli_w.dumps(data))
    return load_settings()


def test_confirmation_is_asked_for_real_repositories_only(sandbox, sandbox_settings, fixtures_dir):
    folder = fixtures_dir / "plant-classifier"
    asked: list[dict] = []
    publish(folder, sandbox_settings, dry_run=False, confirm=lambda plan: asked.append(plan) or True)
    assert asked == []  # a sandbox profile is never confirmed
    settings = _real_profile_settings()
    folder2 = fixtures_dir / "monitoring-logs"
    with pytest.raises(BridgeError, match="cancelled"):
        publish(folder2, settings, confirm=lambda plan: asked.append(plan) or False)
    assert len(asked) == 1 and asked[0]["title"] == validate_artifact(folder2, settings).artifact.metadata.title
    assert asked[0]["collection"] == "10261/2" and len(archived(sandbox)) == 1
    receipt = publish(folder2, settings, confirm=lambda plan: True)
    assert receipt["status"] == "published" and receipt["sandbox"] is False and len(archived(sandbox)) == 2


def test_failure_names_the_step_and_deposits_nothing(sandbox, sandbox_settings, fixtures_dir, monkeypatch):
    monkeypatch.setenv("BRIDGE_LOCAL_DOI_PASSWORD", "wrong-doi-pw-9")
    with pytest.raises(BridgeError) as caught:
        publish(fixtures_dir / "plant-classifier", load_settings(), doi=True)
    assert caught.value.message.startswith("publish failed at step 'doi-reserve'")
    assert "BRIDGE_LOCAL_DOI_PASSWORD" in (caught.value.hint or "")
    assert "wrong-doi-pw-9" not in " ".join(caught.value.lines())
    assert all_items(sandbox) == []


def test_no_secret_in_receipt_ledger_or_logs(sandbox, sandbox_settings, fixtures_dir, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    receipt_file = tmp_path / "receipt.json"
    for kind in ("dspace7", "sword2"):
        publish(fixtures_dir / "plant-classifier", sandbox_settings, doi=True, target=kind, receipt_path=receipt_file)
    texts = {
        "receipt": receipt_file.read_text(),
        "logs": caplog.text,
        "ledger": b"".join(p.read_bytes() for p in sandbox_settings.home.glob("ledger.sqlite*")).decode("latin-1"),
    }
    assert "httpx" in caplog.text or caplog.records  # the logs were captured at all
    for where, text in texts.items():
        for secret in PASSWORDS:
            assert secret not in text, f"{secret} found in the {where}"
    assert "password_set" not in texts["receipt"] and "doi_user" not in texts["receipt"]


def test_progress_is_reported_per_file_while_streaming(sandbox, sandbox_settings, fixtures_dir):
    seen: dict[str, list[tuple[int, int]]] = {}
    publish(
        fixtures_dir / "monitoring-logs",
        sandbox_settings,
        progress=lambda n, d, t: seen.setdefault(n, []).append((d, t)),
    )
    files = validate_artifact(fixtures_dir / "monitoring-logs", sandbox_settings).artifact.files
    assert sorted(seen) == sorted(Path(f.path).name for f in files)
    for f in files:
        updates = seen[Path(f.path).name]
        assert updates[-1] == (f.size, f.size) and all(t == f.size for _, t in updates)
        assert [d for d, _ in updates] == sorted(d for d, _ in updates)
