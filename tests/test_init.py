"""`bridge init` and `--kind`: a folder without publish.yaml can say its kind on the command line, and init
writes a commented publish.yaml from the files found, marking what the user must decide. The kind is never
guessed from data (logs without a kind are an error naming the kinds)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml
from real_helpers import REAL, folder
from typer.testing import CliRunner

from bridge.cli import app

runner = CliRunner()
LOGS = Path(__file__).resolve().parent.parent / "fixtures" / "monitoring-logs"


def logs_without_kind(tmp_path: Path) -> Path:
    root = tmp_path / "logs"
    shutil.copytree(LOGS / "logs", root / "logs")
    shutil.copyfile(REAL / "cff" / "pandas.cff", root / "CITATION.cff")
    return root


def test_logs_without_a_kind_are_an_error_naming_the_kinds(tmp_path: Path) -> None:
    root = logs_without_kind(tmp_path)
    result = runner.invoke(app, ["validate", str(root)])
    assert result.exit_code in (1, 2)
    assert "kind is missing" in result.stderr
    assert "anonymised-logs" in result.stderr and "model-weights" in result.stderr and "--kind" in result.stderr
    init = runner.invoke(app, ["init", str(root)])
    assert init.exit_code == 2, init.output
    assert "does not guess it" in init.stderr and "anonymised-logs, model-weights, satellite-products" in init.stderr
    assert not (root / "publish.yaml").exists()


def test_kind_option_validates_a_folder_without_publish_yaml(tmp_path: Path) -> None:
    root = folder(tmp_path, {"CITATION.cff": "cff/napari.cff"})
    assert runner.invoke(app, ["validate", str(root)]).exit_code != 0
    result = runner.invoke(app, ["validate", "--json", "--kind", "model-weights", str(root)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["kind"], report["provenance"]["kind"]) == ("model-weights", "--kind")
    unknown = runner.invoke(app, ["validate", "--kind", "weights", str(root)])
    assert unknown.exit_code != 0 and "unknown kind 'weights'" in unknown.stderr


def test_init_writes_a_commented_publish_yaml_that_validates(tmp_path: Path) -> None:
    root = folder(tmp_path, {"CITATION.cff": "cff/napari.cff"})
    result = runner.invoke(app, ["init", "--json", "--kind", "model-weights", str(root)])
    assert result.exit_code == 0, result.output
    written = json.loads(result.stdout)
    assert written["kind"] == "model-weights" and written["sources"] == ["CITATION.cff"]
    assert written["decide"] == ["license", "access"]  # napari names its authors
    text = (root / "publish.yaml").read_text(encoding="utf-8")
    assert text.count("# DECIDE") == 2
    data = yaml.safe_load(text)
    assert data == {
        "kind": "model-weights",
        "title": "napari: a multi-dimensional image viewer for Python",
        "license": "BSD-3-Clause",
        "access": {"status": "open"},
    }
    assert "CITATION.cff says BSD-3-Clause" in text
    assert runner.invoke(app, ["validate", str(root)]).exit_code == 0
    again = runner.invoke(app, ["init", "--kind", "model-weights", str(root)])
    assert again.exit_code == 2 and "never overwrites" in again.stderr


def test_init_marks_creators_and_licence_when_no_file_gives_them(tmp_path: Path) -> None:
    root = folder(tmp_path, {"ai4-metadata.yml": "ai4os/phyto-plankton-classification.ai4-metadata.yml"})
    result = runner.invoke(app, ["init", "--json", "--kind", "model-weights", str(root)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["decide"] == ["license", "access", "creators"]
    data = yaml.safe_load((root / "publish.yaml").read_text(encoding="utf-8"))
    assert data["creators"] == [] and "license" not in data
    assert data["title"] == "Phytoplankton species classifier (VLIZ)"
    problems = json.loads(runner.invoke(app, ["validate", "--json", str(root)]).stdout)["problems"]
    assert [p["field"] for p in problems] == ["creators"]  # still to decide: validation says so


def test_init_takes_the_kind_of_a_model_card(tmp_path: Path) -> None:
    root = folder(tmp_path, {"README.md": "modelcards/geotrend-bert-base-15lang-cased.README.md"})
    result = runner.invoke(app, ["init", str(root)])
    assert result.exit_code == 0, result.output
    data = yaml.safe_load((root / "publish.yaml").read_text(encoding="utf-8"))
    assert data["kind"] == "model-weights" and data["license"] == "Apache-2.0"
    assert data["creators"] == []


def test_metadata_looking_files_that_are_not_read_get_a_warning(tmp_path: Path) -> None:
    root = folder(tmp_path, {"CITATION.cff": "cff/snakemake.cff"})
    (root / "codemeta.json").write_text("{}")
    (root / "metadata.json").write_text('{"name": "not AI4OS"}')
    report = json.loads(runner.invoke(app, ["validate", "--json", "--kind", "model-weights", str(root)]).stdout)
    unread = {w.split(":")[0] for w in report["warnings"] if "is not read" in w}
    assert unread == {"codemeta.json", "metadata.json"}


def test_init_refuses_to_prefill_from_a_file_it_cannot_read(tmp_path: Path) -> None:
    root = folder(tmp_path, {"CITATION.cff": "cff/pyswh.cff"})  # not YAML (a REUSE header written with quotes)
    result = runner.invoke(app, ["init", "--kind", "model-weights", str(root)])
    assert result.exit_code in (1, 2)
    assert "CITATION.cff:3: invalid YAML at line 3" in result.stderr
    assert "Traceback" not in result.output and not (root / "publish.yaml").exists()
