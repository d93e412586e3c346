"""Harvest as a library call: harvest(settings, options) -> HarvestSummary, and the typed records export."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bridge.errors import TransportError, UsageError
from bridge.harvest import HarvestOptions, HarvestSummary, Stats, harvest, harvested_records
from bridge.ledger import StoredRecord
from bridge.sandbox.store import metadata_value
from bridge.settings import load_settings

COMMANDS = Path(__file__).resolve().parent.parent / "bridge" / "commands"


def test_harvest_an_endpoint_without_the_embedded_sandbox(sandbox, bridge_home: Path) -> None:
    coll = sandbox.store.collections()[0]["uuid"]
    for i in range(2):
        sandbox.store.create_item(coll, {"dc.title": [metadata_value(f"API item {i}")]})
    url = sandbox.urls["oai"]
    settings = load_settings()
    told: list[tuple[str, bool]] = []
    summary = harvest(
        settings,
        HarvestOptions(prefixes=["oai_dc", "oai_datacite"]),
        endpoint=url,
        on_endpoint=lambda u, embedded: told.append((u, embedded)),
    )
    assert isinstance(summary, HarvestSummary) and summary.complete and summary.error() is None
    assert told == [(url, False)] and not summary.embedded
    assert [(s.prefix, s.records) for s in summary.scopes] == [("oai_dc", 2), ("oai_datacite", 2)]
    assert summary.as_dict()["endpoint"] == url and summary.as_dict()["complete"] is True
    assert not (bridge_home / "sandbox").exists()  # nothing of the embedded sandbox was created

    records = harvested_records(settings, endpoint=url, prefix="oai_dc")
    assert all(isinstance(r, StoredRecord) for r in records)
    assert sorted(r.metadata["title"][0] for r in records if r.metadata) == ["API item 0", "API item 1"]
    assert list(records[0].as_dict()) == [
        "identifier", "datestamp", "deleted", "sets", "prefix", "lossy", "endpoint", "metadata",
    ]  # fmt: skip
    assert harvested_records(settings, prefix="nothing") == []


def test_no_ledger_means_no_records_and_no_ledger_file(bridge_home: Path) -> None:
    assert harvested_records(load_settings()) == []
    assert not (bridge_home / "ledger.sqlite").exists()


def test_a_dead_endpoint_raises_and_an_incomplete_scope_gives_the_error_to_raise(bridge_home: Path) -> None:
    with pytest.raises(TransportError, match="Identify failed"):
        harvest(load_settings(), endpoint="http://127.0.0.1:9/oai")
    with pytest.raises(UsageError, match="not both"):
        harvest(load_settings(), profile="x", endpoint="http://127.0.0.1:9/oai")
    ok = Stats("u", "oai_dc", "")
    broken = Stats("u", "oai_datacite", "", errors=["window 2026-01: HTTP 503", "b", "c", "d"])
    summary = HarvestSummary("u", [ok, broken])
    error = summary.error()
    assert not summary.complete and error is not None
    assert error.message == "harvest incomplete: window 2026-01: HTTP 503; b; c"
    assert HarvestSummary("u", [ok]).error() is None


def test_commands_run_no_sql() -> None:
    """The CLI renders what library functions return; queries live behind the ledger's typed functions."""
    for path in COMMANDS.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        strings = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
        assert not [s for s in strings if s.lstrip().upper().startswith(("SELECT ", "INSERT ", "UPDATE "))], path
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr in ("query", "one", "execute")]
        assert not calls, f"{path.name}: ledger queries belong in bridge/ledger.py"
