"""`bridge verify` against the sandbox: all checks pass after publish + harvest; each breakage is its own failure.

Every test publishes the example model weights (with a DOI) into a fresh sandbox with the real `publish`,
harvests it back with the real harvester, then runs the real CLI. Breakages are made the way a repository
breaks: through the sandbox's store and its DataCite API.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from lxml import etree
from typer.testing import CliRunner

from bridge.cli import app
from bridge.harvest import Harvester, Scope
from bridge.ledger import Ledger
from bridge.oai.client import OAIClient
from bridge.publish import publish
from bridge.settings import Settings
from bridge.verify import CHECKS

runner = CliRunner()


def harvest(settings: Settings, prefixes: tuple[str, ...] = ("oai_dc", "oai_datacite"), *, full: bool = False) -> None:
    url = settings.profile().oai_url
    with OAIClient(url) as client, Ledger(settings.ledger_url) as ledger:
        for prefix in prefixes:
            assert Harvester(client, ledger).run(Scope(url, prefix), full=full).complete


def verify(*args: str) -> tuple[int, dict[str, Any]]:
    result = runner.invoke(app, ["verify", "--format", "json", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, json.loads(result.stdout)


def statuses(report: dict[str, Any]) -> dict[tuple[str, str], str]:
    return {(r["pid"], r["check"]): r["status"] for r in report["results"]}


@pytest.fixture
def model(sandbox, sandbox_settings: Settings, fixtures_dir: Path) -> dict[str, Any]:
    """The plant classifier published with a DOI and harvested back in oai_dc and oai_datacite."""
    receipt = publish(fixtures_dir / "plant-classifier", sandbox_settings, doi=True)
    harvest(sandbox_settings)
    return receipt


def test_everything_passes_after_publish_and_harvest(
    model: dict[str, Any], sandbox, fixtures_dir: Path, sandbox_settings: Settings
) -> None:
    logs = publish(fixtures_dir / "monitoring-logs", sandbox_settings)
    harvest(sandbox_settings)
    code, report = verify()
    assert code == 0, report
    handle, doi, other = model["handle"], model["doi"], logs["handle"]
    assert statuses(report) == {
        (handle, "handle"): "passed",
        (doi, "doi"): "passed",
        (doi, "datacite"): "passed",
        (handle, "landing"): "passed",
        (handle, "oai_dc"): "passed",
        (handle, "oai_datacite"): "passed",
        (handle, "checksums"): "passed",
        (other, "handle"): "passed",
        (other, "landing"): "passed",
        (other, "oai_dc"): "passed",
        (other, "oai_datacite"): "passed",
        (other, "checksums"): "passed",
    }
    assert report["summary"] == {"passed": 12, "failed": 0, "pending": 0, "total": 12, "newly_broken": 0, "fixed": 0}
    assert report["run"]["profile"] == "local" and report["run"]["subjects"] == {"deposit": 2}
    landing = next(r for r in report["results"] if r["check"] == "landing" and r["pid"] == handle)
    assert landing["url"] == model["landing_url"] and model["landing_url"].startswith(sandbox.base_url)


def _withdraw(sandbox, receipt: dict[str, Any], settings: Settings) -> None:
    sandbox.store.update_item(receipt["item_id"], withdrawn=True)


def _move_handle(sandbox, receipt: dict[str, Any], settings: Settings) -> None:
    sandbox.store.set_handle_url(receipt["handle"], "http://127.0.0.1:1/elsewhere")


def _corrupt_bitstream(sandbox, receipt: dict[str, Any], settings: Settings) -> None:
    # The repository now holds other bytes and reports their checksum: what a bad disk or a bad copy looks like.
    bs = sandbox.store.item_bitstreams(receipt["item_id"])[0]
    data = b"these are not the deposited weights"
    sandbox.store.bitstream_path(bs).write_bytes(data)
    import hashlib

    sandbox.store.query(
        "UPDATE bitstream SET md5 = ?, size = ? WHERE uuid = ?", (hashlib.md5(data).hexdigest(), len(data), bs["uuid"])
    )


def _hide_doi(sandbox, receipt: dict[str, Any], settings: Settings) -> None:
    response = httpx.put(
        f"{sandbox.urls['doi_api']}/dois/{receipt['doi']}",
        json={"data": {"type": "dois", "attributes": {"event": "hide"}}},
        auth=(sandbox.submitter.email, sandbox.submitter.password),
    )
    assert response.status_code == 200 and response.json()["data"]["attributes"]["state"] == "registered"


def _retitle(sandbox, receipt: dict[str, Any], settings: Settings) -> None:
    item = sandbox.store.item(receipt["item_id"])
    metadata = dict(item["metadata"])
    metadata["dc.title"] = [{**metadata["dc.title"][0], "value": "A title someone edited in the repository"}]
    sandbox.store.update_item(receipt["item_id"], metadata=metadata)
    harvest(settings)  # the nightly harvest brings the edited record


BREAKAGES: list[tuple[Callable[..., None], set[str], str]] = [
    (_withdraw, {"landing", "checksums"}, "410"),
    (_move_handle, {"handle"}, "resolves to http://127.0.0.1:1/elsewhere"),
    (_corrupt_bitstream, {"checksums"}, "MD5"),
    (_hide_doi, {"datacite"}, "not findable"),
    (_retitle, {"oai_dc", "oai_datacite"}, "title 'Plant species classifier"),
]


@pytest.mark.parametrize(("breakage", "failing", "why"), BREAKAGES, ids=[b[0].__name__[1:] for b in BREAKAGES])
def test_each_breakage_is_its_own_failure_with_exit_code_3(
    model: dict[str, Any],
    sandbox,
    sandbox_settings: Settings,
    breakage: Callable[..., None],
    failing: set[str],
    why: str,
) -> None:
    code, before = verify()
    assert code == 0 and before["summary"]["failed"] == 0
    breakage(sandbox, model, sandbox_settings)
    code, report = verify()
    assert code == 3
    failed = [r for r in report["results"] if r["status"] == "failed"]
    assert {r["check"] for r in failed} == failing
    first = next(r for r in failed if r["check"] == sorted(failing, key=CHECKS.index)[0])
    assert why in first["detail"], first
    assert all(r["changed"] == "newly-broken" for r in failed)
    assert report["summary"]["failed"] == len(failing) == report["summary"]["newly_broken"]


def test_a_fixed_pid_is_reported_as_fixed(model: dict[str, Any], sandbox, sandbox_settings: Settings) -> None:
    sandbox.store.set_handle_url(model["handle"], "http://127.0.0.1:1/elsewhere")
    assert verify()[0] == 3
    sandbox.store.set_handle_url(model["handle"], None)
    code, report = verify()
    assert code == 0
    assert [(r["check"], r["changed"]) for r in report["results"] if r["changed"]] == [("handle", "fixed")]
    assert report["summary"]["fixed"] == 1
    with Ledger(sandbox_settings.ledger_url) as ledger:
        runs = ledger.query("SELECT id, summary FROM verify_run ORDER BY id")
    assert [json.loads(r["summary"])["failed"] for r in runs] == [1, 0]


def test_not_yet_harvested_is_pending_within_grace_and_failed_after(
    sandbox_settings: Settings, fixtures_dir: Path
) -> None:
    receipt = publish(fixtures_dir / "plant-classifier", sandbox_settings)
    code, report = verify()
    assert code == 0  # pending is allowed
    assert statuses(report)[(receipt["handle"], "oai_dc")] == "pending"
    assert report["summary"]["pending"] == 1 and "oai_datacite" not in {r["check"] for r in report["results"]}
    code, report = verify("--grace", "0s")
    assert code == 3
    failed = [r for r in report["results"] if r["status"] == "failed"]
    assert [r["check"] for r in failed] == ["oai_dc"] and "run 'bridge harvest' first" in failed[0]["detail"]


def test_pid_option_limits_the_run_and_accepts_any_form(model: dict[str, Any], sandbox) -> None:
    code, report = verify("--pid", f"https://doi.org/{model['doi']}")
    assert code == 0
    assert {r["check"] for r in report["results"]} == {
        "handle",
        "doi",
        "datacite",
        "landing",
        "oai_dc",
        "oai_datacite",
        "checksums",
    }
    code, report = verify("--pid", "10261/1")  # the sandbox's community: not a deposit, resolution checks only
    assert code == 0 and statuses(report) == {("10261/1", "handle"): "passed", ("10261/1", "landing"): "passed"}
    code, report = verify("--since", "2999-01-01")  # nothing was deposited or harvested after that date
    assert code == 0 and report["results"] == [] and report["summary"]["total"] == 0
    code, report = verify("--since", "2000-01-01")
    assert code == 0 and report["summary"]["total"] == 7
    result = runner.invoke(app, ["verify", "--pid", "not-a-pid"])
    assert result.exit_code == 2 and "neither a DOI nor a Handle" in result.stderr


def test_junit_markdown_and_table_outputs(model: dict[str, Any], sandbox, tmp_path: Path) -> None:
    sandbox.store.set_handle_url(model["handle"], "http://127.0.0.1:1/elsewhere")
    junit, markdown = tmp_path / "reports" / "verify.xml", tmp_path / "reports" / "verify.md"
    junit.parent.mkdir()  # a missing folder is a usage error (tests/test_hostile_output.py)
    result = runner.invoke(app, ["verify", "--output", str(junit), "--output", str(markdown)])
    assert result.exit_code == 3 and result.stdout == ""  # one run, two reports, formats from the suffixes
    assert f"junit report written to {junit}" in result.stderr and f"markdown report written to {markdown}" in (
        result.stderr
    )
    assert "error: 1 check(s) failed (handle)" in result.stderr
    root = etree.parse(str(junit), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
    assert root.tag == "testsuites" and root.get("failures") == "1" and root.get("tests") == "7"
    failure = root.find("testsuite[@name='handle']/testcase/failure")
    assert failure is not None and "elsewhere" in failure.get("message")
    assert "### Failed (1)" in markdown.read_text() and "elsewhere" in markdown.read_text()
    with Ledger(os.environ.get("BRIDGE_LEDGER_URL") or Path(os.environ["BRIDGE_HOME"]) / "ledger.sqlite") as ledger:
        assert len(ledger.query("SELECT id FROM verify_run")) == 1
    forced = runner.invoke(app, ["verify", "--format", "json", "--output", str(tmp_path / "report.txt")])
    assert forced.exit_code == 3 and json.loads((tmp_path / "report.txt").read_text())["summary"]["failed"] == 1
    table = runner.invoke(app, ["verify", "--all"])
    assert table.exit_code == 3
    assert table.stdout.splitlines()[1].split()[:3] == ["FAILED", "handle", model["handle"]]
    assert "0 pending, 6 passed (7 checks)" in table.stdout


def test_checker_failure_exits_1_not_3(model: dict[str, Any], sandbox_settings: Settings) -> None:
    # The Handle API of the profile is unreachable: that says nothing about the PIDs, the checker is broken.
    toml = Path("bridge.toml")
    toml.write_text(toml.read_text().replace(sandbox_settings.profile().handle_api, "http://127.0.0.1:1/api/handles"))
    result = runner.invoke(app, ["verify", "--format", "json"])
    assert result.exit_code == 1
    assert "handle_api http://127.0.0.1:1/api/handles never answered" in result.stderr
    assert result.stdout == ""


def test_harvested_records_the_bridge_did_not_deposit(
    model: dict[str, Any], sandbox, sandbox_settings: Settings
) -> None:
    from bridge.sandbox.seed import seed_store

    seed_store(sandbox.store, 12, seed=7, doi_prefix="10.5072")
    harvest(sandbox_settings, ("oai_dc",), full=True)  # seeded items carry old datestamps
    code, report = verify()
    assert code == 0, [r for r in report["results"] if r["status"] == "failed"]
    harvested = [r for r in report["results"] if r["subject"] == "harvested"]
    live = sandbox.store.query(
        "SELECT handle FROM item WHERE handle IS NOT NULL AND in_archive = 1 AND discoverable = 1 AND uuid != ?",
        (model["item_id"],),
    )
    assert {r["pid"] for r in harvested if r["check"] == "handle"} == {row["handle"] for row in live}
    assert {r["check"] for r in harvested} == {"handle", "doi", "landing"}
    # Break one seeded item's DOI and another's Handle: the health report names exactly those two.
    with_doi = sandbox.store.query("SELECT doi, url FROM doi WHERE doi LIKE '10.5072/digitalcsic/%' LIMIT 1")[0]
    sandbox.store.delete_doi(with_doi["doi"])
    other = next(row["handle"] for row in live if not with_doi["url"].endswith("/" + row["handle"]))
    sandbox.store.set_handle_url(other, "")  # the Handle loses its URL value
    code, report = verify()
    assert code == 3
    failed = {(r["pid"].lower(), r["check"], r["subject"]) for r in report["results"] if r["status"] == "failed"}
    assert failed == {(with_doi["doi"], "doi", "harvested"), (other, "handle", "harvested")}
    code, report = verify("--deposits-only")
    assert code == 0 and {r["subject"] for r in report["results"]} == {"deposit"}
