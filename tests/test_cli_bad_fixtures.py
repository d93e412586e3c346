"""`bridge validate` on every fixture: bad ones fail with one clear line naming file and field, good ones pass."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from bridge.cli import app

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
BAD = sorted(p for p in (FIXTURES / "bad").iterdir() if p.is_dir())
GOOD = {
    "plant-classifier": ("model-weights", {"publish.yaml", "CITATION.cff", "README.md"}),
    "monitoring-logs": ("anonymised-logs", {"publish.yaml"}),
    "satellite-products": ("satellite-products", {"publish.yaml", ".zenodo.json"}),
}
TIMEOUT = 60.0


def invoke(*args: str) -> Result:
    """Run the CLI in-process; fail (rather than hang the suite) if it does not return in time."""
    box: dict[str, Result] = {}
    worker = threading.Thread(target=lambda: box.setdefault("result", CliRunner().invoke(app, list(args))), daemon=True)
    worker.start()
    worker.join(TIMEOUT)
    if worker.is_alive():
        pytest.fail(f"bridge {' '.join(args)} did not finish within {TIMEOUT:.0f} s")
    return box["result"]


def artefact(folder: Path, tmp_path: Path) -> Path:
    """Copy a bad fixture without its expect.txt, which belongs to the test and not to the artefact."""
    target = tmp_path / folder.name
    shutil.copytree(folder, target, ignore=shutil.ignore_patterns("expect.txt"))
    return target


def test_there_are_enough_bad_fixtures() -> None:
    assert len(BAD) >= 15


@pytest.mark.parametrize("folder", BAD, ids=lambda p: p.name)
def test_bad_fixture_fails_with_its_expected_message(folder: Path, tmp_path: Path) -> None:
    expected = (folder / "expect.txt").read_text(encoding="utf-8").splitlines()
    result = invoke("validate", str(artefact(folder, tmp_path)))
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert result.exit_code in (1, 2), result.output
    missing = [line for line in expected if line not in result.output]
    assert missing == [], f"not in the output: {missing}\n--- output ---\n{result.output}"


@pytest.mark.parametrize("folder", BAD, ids=lambda p: p.name)
def test_bad_fixture_json_report_lists_problems(folder: Path, tmp_path: Path) -> None:
    result = invoke("validate", "--json", str(artefact(folder, tmp_path)))
    assert result.exit_code in (1, 2), result.output
    report = json.loads(result.stdout)
    assert report["valid"] is False
    assert report["problems"] and all(p["message"] for p in report["problems"])


@pytest.mark.parametrize("name", sorted(GOOD))
def test_good_fixture_validates(name: str) -> None:
    kind, sources = GOOD[name]
    result = invoke("validate", "--json", str(FIXTURES / name))
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["valid"] is True and report["kind"] == kind
    assert sources <= set(report["sources"]), report["sources"]
    assert report["files"] and all(len(f["sha256"]) == 64 for f in report["files"])
    assert not any(f["path"] in sources for f in report["files"])  # metadata files are not data


def test_plant_classifier_merges_its_metadata_files() -> None:
    report = json.loads(invoke("validate", "--json", str(FIXTURES / "plant-classifier")).stdout)
    assert report["sources"][0] == "publish.yaml"
    assert report["provenance"]["title"] == "publish.yaml"
    weights = next(f for f in report["files"] if f["path"] == "model.safetensors")
    assert weights["tensors"] == 10 and weights["parameters"] == 1594


def test_satellite_metadata_comes_from_zenodo_json() -> None:
    report = json.loads(invoke("validate", "--json", str(FIXTURES / "satellite-products")).stdout)
    assert report["provenance"]["kind"] == "publish.yaml"
    assert report["provenance"]["title"] == report["provenance"]["funding"] == ".zenodo.json"
    assert report["title"].startswith("NDVI of Sentinel-2 tile T30TVP")
    assert any(f["format"] == "netcdf" for f in report["files"])
