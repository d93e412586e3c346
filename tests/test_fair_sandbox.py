"""`bridge fair PID` against the sandbox: full marks on Essential after publishing, and each deliberate break of the
repository (made through the sandbox's admin REST API or its DataCite API) flagged by the indicator the reference
names (fair.md §4), with its advice, and by no other Essential indicator."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from bridge.cli import app
from bridge.fair.model import PRINCIPLES
from bridge.publish import publish
from bridge.settings import Settings

runner = CliRunner()


def fair(*args: str) -> tuple[int, dict[str, Any]]:
    result = runner.invoke(app, ["fair", *args, "--format", "json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, json.loads(result.stdout)


def by_id(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {v["id"]: v for p in PRINCIPLES for v in report[p].values()}


def failing(report: dict[str, Any], level: str | None = None) -> set[str]:
    return {i for i, v in by_id(report).items() if v["test_status"] == "fail" and level in (None, v["level"])}


class Admin:
    """The sandbox's DSpace REST API as its administrator (CSRF token and JWT kept current)."""

    def __init__(self, sandbox: Any) -> None:
        self.sandbox = sandbox
        self.http = httpx.Client(base_url=sandbox.urls["rest"] + "/", timeout=10)
        self.http.event_hooks["response"] = [self._track]
        assert self.http.get("security/csrf").status_code == 204
        r = self.http.post("authn/login", data={"user": sandbox.admin.email, "password": sandbox.admin.password})
        assert r.status_code == 200, r.text
        self.http.headers["Authorization"] = r.headers["Authorization"]

    def _track(self, response: httpx.Response) -> None:
        if token := response.headers.get("DSPACE-XSRF-TOKEN"):
            self.http.headers["X-XSRF-TOKEN"] = token

    def patch(self, item: str, ops: list[dict[str, Any]]) -> None:
        r = self.http.patch(f"core/items/{item}", json=ops, headers={"Content-Type": "application/json-patch+json"})
        assert r.status_code == 200, r.text

    def bitstreams(self, item: str) -> tuple[str, list[dict[str, Any]]]:
        bundles = self.http.get(f"core/items/{item}/bundles").json()["_embedded"]["bundles"]
        original = next(b for b in bundles if b["name"] == "ORIGINAL")
        files = self.http.get(f"core/bundles/{original['uuid']}/bitstreams", params={"size": 100}).json()
        return original["uuid"], files["_embedded"]["bitstreams"]

    def upload(self, bundle: str, name: str, data: bytes) -> None:
        r = self.http.post(f"core/bundles/{bundle}/bitstreams", files={"file": (name, data, "text/csv")})
        assert r.status_code == 201, r.text

    def delete(self, bitstream: str) -> None:
        assert self.http.delete(f"core/bitstreams/{bitstream}").status_code == 204


@pytest.fixture
def published(sandbox, sandbox_settings: Settings, fixtures_dir: Path) -> dict[str, dict[str, Any]]:
    """The two demo artefacts published to the sandbox: the weights with a DOI, the logs with a Handle only."""
    return {
        "model": publish(fixtures_dir / "plant-classifier", sandbox_settings, doi=True),
        "logs": publish(fixtures_dir / "monitoring-logs", sandbox_settings),
    }


@pytest.mark.parametrize(("which", "key"), [("model", "doi"), ("model", "handle"), ("logs", "handle")])
def test_published_demo_records_pass_every_essential_indicator(
    published: dict[str, dict[str, Any]], which: str, key: str
) -> None:
    code, report = fair(published[which][key])
    assert code == 0, failing(report)
    assert report["mode"] == "pid" and report["ok"] is True
    assert report["essential"] == {"passed": 20, "failed": 0, "indeterminate": 0, "total": 20}
    assert report["totals"]["FAIR"] >= 90
    found = by_id(report)
    assert len(found) == 42 and not [i for i, v in found.items() if v["test_status"] == "indeterminate"]
    assert found["RDA-F3-01M"]["msg"][0]["message"].endswith("typed `item` link(s) on the landing page")
    assert "RDA-A1-02M" in found and found["RDA-A1-02M"]["evidence"] == [published[which]["landing_url"]]


def _no_licence_uri(sandbox: Any, admin: Admin, rec: dict[str, Any]) -> str:
    admin.patch(rec["model"]["item_id"], [{"op": "remove", "path": "/metadata/dc.rights.uri"}])
    return rec["model"]["doi"]


def _no_orcid(sandbox: Any, admin: Admin, rec: dict[str, Any]) -> str:
    admin.patch(rec["model"]["item_id"], [{"op": "remove", "path": "/metadata/dc.contributor.orcid"}])
    return rec["model"]["doi"]


def _lower_case_type(sandbox: Any, admin: Admin, rec: dict[str, Any]) -> str:
    admin.patch(rec["logs"]["item_id"], [{"op": "replace", "path": "/metadata/dc.type/0/value", "value": "dataset"}])
    return rec["logs"]["handle"]


def _eleven_files(sandbox: Any, admin: Admin, rec: dict[str, Any]) -> str:
    bundle, files = admin.bitstreams(rec["logs"]["item_id"])
    for i in range(11 - len(files)):
        admin.upload(bundle, f"extra-{i}.csv", b"timestamp,value\n2026-10-01T00:00:00Z,1\n")
    return rec["logs"]["handle"]


def _no_readme_or_codebook(sandbox: Any, admin: Admin, rec: dict[str, Any]) -> str:
    _, files = admin.bitstreams(rec["logs"]["item_id"])
    for f in files:
        if f["name"] in ("README.md", "CODEBOOK.md"):
            admin.delete(f["uuid"])
    return rec["logs"]["handle"]


def _withdrawn(sandbox: Any, admin: Admin, rec: dict[str, Any]) -> str:
    admin.patch(rec["model"]["item_id"], [{"op": "replace", "path": "/withdrawn", "value": True}])
    return rec["model"]["doi"]


def _draft_doi(sandbox: Any, admin: Admin, rec: dict[str, Any]) -> str:
    # A DOI reserved as a draft and written into the item, but never published.
    r = httpx.post(
        f"{sandbox.urls['doi_api']}/dois",
        json={"data": {"type": "dois", "attributes": {"prefix": sandbox.sandbox.config.doi_prefix}}},
        auth=(sandbox.submitter.email, sandbox.submitter.password),
    )
    assert r.status_code == 201 and r.json()["data"]["attributes"]["state"] == "draft", r.text
    doi = r.json()["data"]["id"]
    admin.patch(
        rec["logs"]["item_id"],
        [{"op": "add", "path": "/metadata/dc.identifier.doi", "value": [{"value": f"https://doi.org/{doi}"}]}],
    )
    return rec["logs"]["handle"]


def _landing_without_doi(sandbox: Any, admin: Admin, rec: dict[str, Any]) -> str:
    admin.patch(rec["model"]["item_id"], [{"op": "remove", "path": "/metadata/dc.identifier.doi"}])
    return rec["model"]["doi"]


BREAKS: list[tuple[Callable[..., str], str, str]] = [
    (_no_licence_uri, "RDA-R1.1-03M", "dc.rights.uri"),
    (_no_orcid, "RDA-I2-01M", "ORCID"),
    (_lower_case_type, "BRIDGE-SP-01M", "`Dataset`"),
    (_eleven_files, "RDA-F3-01M", "fewer than 10 bitstreams"),
    (_no_readme_or_codebook, "RDA-R1.2-01M", "README"),
    (_withdrawn, "RDA-A2-01M", "reinstate"),
    (_draft_doi, "RDA-F4-01M", "event=publish"),
    (_landing_without_doi, "RDA-A1-02M", "Show the DOI on the landing page"),
]


@pytest.mark.parametrize(("breaks", "indicator", "advice"), BREAKS, ids=[b[0].__name__[1:] for b in BREAKS])
def test_each_break_is_flagged_by_its_indicator_and_no_other_essential_one(
    sandbox, published: dict[str, dict[str, Any]], breaks: Callable[..., str], indicator: str, advice: str
) -> None:
    admin = Admin(sandbox)
    pid = breaks(sandbox, admin, published)
    code, report = fair(pid)
    found = by_id(report)
    assert found[indicator]["test_status"] == "fail", found[indicator]
    assert any(advice in a for a in found[indicator]["advice"]), found[indicator]["advice"]
    essential = found[indicator]["level"] == "Essential"
    assert failing(report, "Essential") == ({indicator} if essential else set())
    assert code == (3 if essential else 0)
    if breaks is _no_readme_or_codebook:
        assert found["RDA-R1.2-02M"]["test_status"] == "fail"
        assert any("codebook" in a for a in found["RDA-R1.2-02M"]["advice"])
    if breaks is _withdrawn:  # the data indicators do not apply to a withdrawn item; nothing is indeterminate
        assert found["RDA-A1-03D"]["test_status"] == "not_applicable"
        assert "tombstone names it" in found[indicator]["msg"][0]["message"]


def test_an_unreachable_repository_is_indeterminate_not_zero(sandbox_settings: Settings, monkeypatch) -> None:
    profile = sandbox_settings.profile()
    assert profile is not None
    from bridge.fair.online import FairOptions, assess_pid
    from bridge.http import RetryPolicy

    dead = "http://127.0.0.1:9"  # discard port: nothing listens
    broken = profile.model_copy(update={"oai_url": f"{dead}/oai", "landing_base": dead})
    settings = sandbox_settings.model_copy(update={"profiles": {"local": broken}})
    report = assess_pid(
        settings, f"{dead}/handle/10261/9", FairOptions(policy=RetryPolicy(attempts=1)), profile="local"
    )
    statuses = {r.indicator.id: r.status for r in report.results}
    assert statuses["RDA-A1-02M"] == "indeterminate" and statuses["RDA-I1-02M"] == "indeterminate"
    assert all(r.points is None for r in report.results if r.status == "indeterminate")
    assert report.error is not None and "landing" in report.error  # the CLI exits 1: the checker failed
