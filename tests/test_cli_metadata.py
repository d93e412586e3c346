"""CliRunner tests of `bridge validate`, `bridge map` and `bridge mappings` on the good fixtures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bridge.cli import app

GOOD = ["plant-classifier", "monitoring-logs", "satellite-products"]
runner = CliRunner()


@pytest.mark.parametrize("name", GOOD)
def test_validate_json_reports_files_sources_and_record(fixtures_dir: Path, name: str) -> None:
    result = runner.invoke(app, ["validate", str(fixtures_dir / name), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["valid"] is True
    assert report["files"] and all(len(f["sha256"]) == 64 and len(f["md5"]) == 32 for f in report["files"])
    assert report["datacite"]["types"]["resourceTypeGeneral"] in {"Model", "Dataset"}
    assert "publish.yaml" in report["sources"]


@pytest.mark.parametrize("name", GOOD)
@pytest.mark.parametrize(
    ("target", "xsd"),
    [
        ("datacite-xml", "datacite/kernel-4.6/metadata.xsd"),
        ("oai_dc", "oai/oai_dc.xsd"),
        ("oai_datacite", "oai-datacite-1.1/oai.xsd"),
    ],
)
def test_every_emitted_xml_validates(fixtures_dir: Path, assert_valid, name: str, target: str, xsd: str) -> None:
    result = runner.invoke(app, ["map", str(fixtures_dir / name), "--to", target])
    assert result.exit_code == 0, result.output
    assert_valid(result.stdout.encode("utf-8"), xsd)


def test_map_oai_dc_carries_openaire_rules(fixtures_dir: Path) -> None:
    result = runner.invoke(app, ["map", str(fixtures_dir / "plant-classifier"), "--to", "oai_dc"])
    assert result.exit_code == 0, result.output
    assert "info:eu-repo/grantAgreement/EC/H2020/777435" in result.stdout
    assert "info:eu-repo/semantics/openAccess" in result.stdout
    logs = runner.invoke(app, ["map", str(fixtures_dir / "monitoring-logs"), "--to", "oai_dc"])
    assert "info:eu-repo/date/embargoEnd/2027-04-30" in logs.stdout
    assert "info:eu-repo/semantics/embargoedAccess" in logs.stdout


def test_map_json_targets_and_output_file(fixtures_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "dspace.json"
    result = runner.invoke(app, ["map", str(fixtures_dir / "plant-classifier"), "--to", "dspace", "-o", str(out)])
    assert result.exit_code == 0, result.output
    dspace = json.loads(out.read_text())
    assert dspace["dc.title"][0]["value"].startswith("Plant species classifier")
    assert dspace["dc.contributor.author"][0]["place"] == 0
    assert dspace["dc.type.coar"]
    result = runner.invoke(app, ["map", str(fixtures_dir / "plant-classifier"), "--to", "datacite-json"])
    attributes = json.loads(result.stdout)["data"]["attributes"]
    assert attributes["types"]["resourceTypeGeneral"] == "Model"
    assert attributes["titles"][0]["title"].startswith("Plant species classifier")


def test_map_refuses_an_invalid_artefact_without_traceback(fixtures_dir: Path) -> None:
    result = runner.invoke(app, ["map", str(fixtures_dir / "bad" / "orcid-checksum"), "--to", "oai_dc"])
    assert result.exit_code in (1, 2)
    assert "Traceback" not in result.output and "orcid" in result.output


def test_map_needs_a_known_target(fixtures_dir: Path) -> None:
    result = runner.invoke(app, ["map", str(fixtures_dir / "plant-classifier"), "--to", "marc21"])
    assert result.exit_code == 2


def test_mappings_lists_the_use_cases() -> None:
    result = runner.invoke(app, ["mappings", "--json"])
    assert result.exit_code == 0, result.output
    rows = {m["name"]: m for m in json.loads(result.stdout)}
    assert {"model-weights", "anonymised-logs", "satellite-products"} <= set(rows)
    assert rows["model-weights"]["resource_type_general"] == "Model"
    assert rows["anonymised-logs"]["privacy_gate"] is True
    table = runner.invoke(app, ["mappings"])
    assert table.exit_code == 0 and "anonymised-logs" in table.output


def test_validate_missing_folder_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "no such folder" in result.output


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and "oai-bridge" in result.output
