"""`bridge fair PATH`: the indicator table, the offline assessment of artefact folders, its advice and its output."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from lxml import etree
from typer.testing import CliRunner

from bridge.cli import app
from bridge.fair import INDICATORS, assess
from bridge.fair.evidence import Evidence, FileSeen
from bridge.fair.model import PRINCIPLES

runner = CliRunner()
RDA_IDS = [
    "F1-01M",
    "F1-01D",
    "F1-02M",
    "F1-02D",
    "F2-01M",
    "F3-01M",
    "F4-01M",
    "A1-01M",
    "A1-02M",
    "A1-02D",
    "A1-03M",
    "A1-03D",
    "A1-04M",
    "A1-04D",
    "A1-05D",
    "A1.1-01M",
    "A1.1-01D",
    "A1.2-01D",
    "A2-01M",
    "I1-01M",
    "I1-01D",
    "I1-02M",
    "I1-02D",
    "I2-01M",
    "I2-01D",
    "I3-01M",
    "I3-01D",
    "I3-02M",
    "I3-02D",
    "I3-03M",
    "I3-04M",
    "R1-01M",
    "R1.1-01M",
    "R1.1-02M",
    "R1.1-03M",
    "R1.2-01M",
    "R1.2-02M",
    "R1.3-01M",
    "R1.3-01D",
    "R1.3-02M",
    "R1.3-02D",
]
ESSENTIAL = {  # FAIR EVA's x-level 20 (fair.md §1.2)
    "F1-01M",
    "F1-01D",
    "F1-02M",
    "F1-02D",
    "F2-01M",
    "F3-01M",
    "F4-01M",
    "A1-02M",
    "A1-02D",
    "A1-03M",
    "A1-03D",
    "A1-04M",
    "A1-04D",
    "A1.1-01M",
    "A2-01M",
    "R1-01M",
    "R1.1-01M",
    "R1.3-01M",
    "R1.3-01D",
    "R1.3-02M",
}


def fair_json(*args: str) -> tuple[int, dict[str, Any]]:
    result = runner.invoke(app, ["fair", *args, "--format", "json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, json.loads(result.stdout)


def indicators(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {v["id"]: v for p in PRINCIPLES for v in report[p].values()}


def copy(fixtures_dir: Path, name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copytree(fixtures_dir / name, target)
    return target


def edit_yaml(folder: Path, change: Any) -> None:
    path = folder / "publish.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_the_table_holds_the_41_rda_indicators_with_eva_weights_fuji_ids_and_advice() -> None:
    ids = [i.id for i in INDICATORS]
    assert sorted(i.removeprefix("RDA-") for i in ids if i.startswith("RDA-")) == sorted(RDA_IDS)
    for ind in INDICATORS:
        assert ind.weight in (20, 15, 10) and ind.advice and ind.sources and ind.name, ind.id
        assert all(re.fullmatch(r"FsF-[A-Z][0-9.]*-\d\d[MD]+", f) for f in ind.fuji), ind.id
        assert ind.principle in PRINCIPLES
        if ind.id.startswith("RDA-"):
            assert (ind.weight == 20) == (ind.id.removeprefix("RDA-") in ESSENTIAL), ind.id
    assert {i.key for i in INDICATORS} >= {"rda_f1_01m", "rda_a1_1_01m", "rda_r1_3_02d"}


@pytest.mark.parametrize("name", ["plant-classifier", "monitoring-logs"])
def test_demo_artefacts_score_at_least_90_percent_before_publishing(fixtures_dir: Path, name: str) -> None:
    code, report = fair_json(str(fixtures_dir / name))
    assert code == 0, report
    assert report["mode"] == "artefact" and report["ok"] is True
    assert report["totals"]["FAIR"] >= 90
    assert report["essential"]["failed"] == 0 and report["essential"]["passed"] == report["essential"]["total"] > 0
    found = indicators(report)
    assert "RDA-F1-01M" not in found  # needs a PID: listed as not assessed, not scored
    assert "RDA-F1-01M" in report["info"]["not_assessed"]
    f2 = found["RDA-F2-01M"]
    assert f2["score"] == {"earned": 100, "total": 100, "weight": 20} and f2["fuji"] == ["FsF-F2-01M"]
    assert f2["test_status"] == "pass" and f2["level"] == "Essential"


def test_the_model_card_that_is_not_deposited_costs_r1_2_with_advice_naming_the_file(fixtures_dir: Path) -> None:
    _, report = fair_json(str(fixtures_dir / "plant-classifier"))
    r12 = indicators(report)["RDA-R1.2-01M"]
    assert r12["test_status"] == "fail" and r12["points"] == 0
    assert any("MODEL_CARD.md" in a for a in r12["advice"])


BREAKS = [
    # (change to publish.yaml, indicator expected to fail, words the advice must contain, exit code)
    (lambda d: [c.pop("orcid", None) for c in d["creators"]], "RDA-I2-01M", "orcid:", 0),
    (lambda d: d.pop("license"), "RDA-R1.1-01M", "license:", 3),
    (lambda d: d.pop("version"), "RDA-R1-01M", "version:", 0),
    (lambda d: d.pop("related"), "RDA-I3-01D", "related:", 0),
    (lambda d: d.pop("description"), "RDA-F2-01M", "description:", 0),
]


@pytest.mark.parametrize(("change", "failing", "advice", "exit_code"), BREAKS, ids=[b[1] for b in BREAKS])
def test_each_gap_in_publish_yaml_is_flagged_with_advice_naming_the_field(
    fixtures_dir: Path, tmp_path: Path, change: Any, failing: str, advice: str, exit_code: int
) -> None:
    folder = copy(fixtures_dir, "monitoring-logs", tmp_path)
    edit_yaml(folder, change)
    code, report = fair_json(str(folder))
    found = indicators(report)
    assert found[failing]["test_status"] == "fail" or found[failing]["points"] < 100, found[failing]
    assert any(advice in a for a in found[failing]["advice"]), found[failing]["advice"]
    assert code == exit_code


def test_ten_files_exceed_the_bitstream_limit_and_fail_f3(fixtures_dir: Path, tmp_path: Path) -> None:
    folder = copy(fixtures_dir, "monitoring-logs", tmp_path)
    for i in range(4):
        (folder / "metrics" / f"extra-{i}.csv").write_text("timestamp,value\n2026-10-01T00:00:00Z,1\n")
    code, report = fair_json(str(folder))
    f3 = indicators(report)["RDA-F3-01M"]
    assert f3["test_status"] == "fail" and "11 files" in f3["msg"][0]["message"]
    assert any("Zip the shards" in a for a in f3["advice"])
    assert code == 3


def test_logs_without_readme_or_codebook_fail_r1_2(fixtures_dir: Path, tmp_path: Path) -> None:
    folder = copy(fixtures_dir, "monitoring-logs", tmp_path)
    (folder / "README.md").unlink()
    (folder / "CODEBOOK.md").unlink()
    code, report = fair_json(str(folder))
    found = indicators(report)
    assert found["RDA-R1.2-01M"]["test_status"] == "fail"
    assert found["RDA-R1.2-02M"]["test_status"] == "fail"
    assert any("CODEBOOK.md" in a for a in found["RDA-R1.2-02M"]["advice"])
    assert code == 0  # R1.2 is Important/Useful, not Essential


def test_network_failures_are_indeterminate_and_left_out_of_the_total() -> None:
    ev = Evidence(
        mode="pid",
        subject="10261/1",
        pid="10261/1",
        handle="10261/1",
        dc={"dc.title": ["T"], "dc.rights": ["info:eu-repo/semantics/openAccess"]},
        files=[FileSeen("a.csv", url="http://127.0.0.1:1/bitstream/10261/1/1/a.csv", mime="text/csv")],
        failed={"landing": "ConnectError", "pid": "ConnectError", "oai": "ConnectError", "files": "ConnectError"},
    )
    report = assess(ev)
    by_id = {r.indicator.id: r for r in report.results}
    assert by_id["RDA-A1-02M"].status == "indeterminate" and by_id["RDA-A1-02M"].points is None
    assert by_id["RDA-A1-03D"].status == "indeterminate"
    assert "landing" in by_id["RDA-A1-02M"].messages[0]
    counted = [r for r in report.results if r.status in ("pass", "fail")]
    expected = sum(r.points * r.indicator.weight for r in counted) / sum(r.indicator.weight for r in counted)
    assert report.score == round(expected, 1)
    assert report.as_dict()["findable"]["rda_f1_02m"]["score"]["earned"] is None


def test_markdown_and_junit_renderings(fixtures_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "fair.xml"
    md = tmp_path / "fair.md"
    result = runner.invoke(app, ["fair", str(fixtures_dir / "plant-classifier"), "-o", str(out), "-o", str(md)])
    assert result.exit_code == 0, result.output
    root = etree.fromstring(out.read_bytes())
    suite = root.find("testsuite")
    assert suite is not None and int(suite.get("failures")) == 1  # R1.2-01M
    failed = [c.get("name") for c in suite.iter("testcase") if c.find("failure") is not None]
    assert failed == ["RDA-R1.2-01M"]
    text = md.read_text()
    assert "| PASS | RDA-F2-01M | Essential | 100 | FsF-F2-01M |" in text and "**FAIR" in text


def test_table_output_and_usage_errors(fixtures_dir: Path) -> None:
    result = runner.invoke(app, ["fair", str(fixtures_dir / "monitoring-logs")])
    assert result.exit_code == 0
    assert "RDA-R1.3-01D" in result.stdout and "FAIR 100.0%" in result.stdout
    result = runner.invoke(app, ["fair", "no/such/folder"])
    assert result.exit_code == 2 and "no such folder" in result.output
    result = runner.invoke(app, ["fair"])
    assert result.exit_code == 2 and "nothing to assess" in result.output


def test_invalid_metadata_is_one_clear_error_not_a_report(fixtures_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "key-typo"
    shutil.copytree(fixtures_dir / "bad" / "key-typo", folder)
    (folder / "expect.txt").unlink()
    result = runner.invoke(app, ["fair", str(folder)])
    assert result.exit_code in (1, 2) and "titel" in result.output and "Traceback" not in result.output


def test_a_public_doi_without_a_profile_asks_the_public_resolvers_not_the_sandbox() -> None:
    import httpx

    from bridge.fair.online import assess_pid
    from bridge.settings import load_settings

    asked: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.host)
        if request.url.host == "doi.org":
            return httpx.Response(200, json={"responseCode": 100, "handle": "10.20350/digitalCSIC/17221"})
        return httpx.Response(404, json={"errors": [{"status": "404", "title": "not found"}]})

    report = assess_pid(load_settings(), "10.20350/digitalCSIC/17221", transport=httpx.MockTransport(answer))
    assert set(asked) == {"doi.org", "api.datacite.org"}  # no sandbox was started, no other host asked
    assert report.error is None  # a DOI that resolves nowhere is a finding, not a failure of the checker
    found = {r.indicator.id: r for r in report.results}
    assert found["RDA-F1-02M"].status == "fail" and "responseCode 100" in found["RDA-F1-02M"].finding
    assert found["RDA-I1-02M"].status == "indeterminate"  # no OAI-PMH endpoint is known for it


def test_a_record_nothing_could_be_read_of_is_an_error_with_every_indicator_indeterminate() -> None:
    import httpx

    from bridge.fair.online import assess_pid
    from bridge.settings import load_settings

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    from bridge.fair.online import FairOptions
    from bridge.http import RetryPolicy

    once = FairOptions(policy=RetryPolicy(attempts=1))
    url = "https://repo.example.org/handle/10261/1"
    report = assess_pid(load_settings(), url, once, transport=httpx.MockTransport(refuse))
    assert report.error is not None and "no answer from repo.example.org" in report.error
    assert {r.status for r in report.results} == {"indeterminate"} and report.score is None
    assert report.essential()["failed"] == 0 and not report.ok
