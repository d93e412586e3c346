"""CliRunner tests of `bridge harvest` and `bridge records` against the sandbox."""

from __future__ import annotations

import csv
import io
import json
import os

from typer.testing import CliRunner

from bridge.cli import app
from bridge.sandbox.store import metadata_value

runner = CliRunner()


def test_harvest_then_export_records(sandbox, bridge_home) -> None:
    coll = sandbox.store.collections()[0]["uuid"]
    items = [sandbox.store.create_item(coll, {"dc.title": [metadata_value(f"CLI item {i}")]}) for i in range(3)]
    sandbox.store.update_item(items[2]["uuid"], withdrawn=True)
    url = sandbox.urls["oai"]
    result = runner.invoke(
        app, ["harvest", "--endpoint", url, "--prefix", "oai_dc", "--prefix", "oai_datacite", "--json"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["complete"] is True
    assert [s["prefix"] for s in summary["scopes"]] == ["oai_dc", "oai_datacite"]
    assert summary["scopes"][0]["records"] == 3 and summary["scopes"][0]["deleted"] == 1

    again = runner.invoke(app, ["harvest", "--endpoint", url, "--json"])
    assert again.exit_code == 0 and json.loads(again.stdout)["scopes"][0]["new"] == 0
    # --endpoint never starts (or creates) the embedded sandbox: BRIDGE_HOME holds the ledger only.
    ledger_file = [] if os.environ.get("BRIDGE_LEDGER_URL") else ["ledger.sqlite"]  # PostgreSQL leaves no file
    assert sorted(p.name for p in bridge_home.iterdir()) == ledger_file

    export = runner.invoke(app, ["records", "--endpoint", url, "--prefix", "oai_dc"])
    assert export.exit_code == 0, export.output
    rows = [json.loads(line) for line in export.stdout.splitlines()]
    assert len(rows) == 3
    assert {"identifier", "datestamp", "deleted", "sets", "prefix", "lossy", "metadata"} <= set(rows[0])
    assert sum(r["deleted"] for r in rows) == 1 and all(r["lossy"] is False for r in rows)
    live = [r for r in rows if not r["deleted"]]
    assert all(r["metadata"]["title"][0].startswith("CLI item") for r in live)

    table = runner.invoke(app, ["records", "--format", "csv", "--prefix", "oai_datacite"])
    parsed = list(csv.DictReader(io.StringIO(table.stdout)))
    assert len(parsed) == 3 and parsed[0]["prefix"] == "oai_datacite"


def test_harvest_usage_errors(sandbox) -> None:
    both = runner.invoke(app, ["harvest", "--endpoint", sandbox.urls["oai"], "--profile", "x"])
    assert both.exit_code == 2 and "not both" in both.output
    bad_date = runner.invoke(app, ["harvest", "--endpoint", sandbox.urls["oai"], "--from", "yesterday"])
    assert bad_date.exit_code == 2 and "bad date" in bad_date.output


def test_harvest_of_a_dead_endpoint_fails_with_exit_1() -> None:
    result = runner.invoke(app, ["harvest", "--endpoint", "http://127.0.0.1:9/oai"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
