"""The deposit's own identifiers come only from publish.yaml doi, a reserved DOI or the Handle: a DOI found in
another project's file (CITATION.cff, .zenodo.json, AI4OS, a model card) is a related identifier in every
rendering, appears once however it is spelled, and `bridge validate` says which relation it becomes.
"""

from __future__ import annotations

import json
from pathlib import Path

from real_helpers import folder, mapped, related
from typer.testing import CliRunner

from bridge.cli import app
from bridge.crosswalk.mapping import load_mapping
from bridge.publish import publish
from bridge.resources import mappings_dir

JOSS = "10.21105/JOSS.03262"  # datalad's paper, in its CITATION.cff (doi and identifiers)
LICENCE = "license: MIT\n"


def datalad(tmp_path: Path, publish_yaml: str = LICENCE) -> Path:
    return folder(tmp_path, {"CITATION.cff": "cff/datalad.cff"}, publish_yaml)


def test_validate_json_shows_where_each_relation_came_from_and_warns(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["validate", "--json", "--kind", "model-weights", str(datalad(tmp_path))])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["valid"] is True and "doi" not in report["datacite"]
    assert report["related_provenance"] == [
        {
            "identifier": JOSS,
            "relation_type": "IsSupplementTo",
            "role": "described_work",
            "file": "CITATION.cff",
            "field": "doi",
        }
    ]
    [warning] = [w for w in report["warnings"] if JOSS in w]
    assert warning.startswith(f"CITATION.cff: doi: DOI {JOSS} names another work")
    assert "becomes the related identifier IsSupplementTo" in warning
    # The existing keys stay.
    assert {"valid", "path", "kind", "mapping", "title", "sources", "provenance", "files", "datacite"} <= set(report)


def test_validate_prints_the_warning_on_stderr_and_still_passes(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["validate", "--kind", "model-weights", str(datalad(tmp_path))])
    assert result.exit_code == 0
    assert f"warning: CITATION.cff: doi: DOI {JOSS} names another work" in " ".join(result.stderr.split())
    assert "IsSupplementTo" in result.stderr


def test_map_dspace_never_puts_a_source_doi_in_dc_identifier_doi(tmp_path: Path) -> None:
    out = CliRunner().invoke(app, ["map", "--kind", "model-weights", "--to", "dspace", str(datalad(tmp_path))])
    assert out.exit_code == 0, out.output
    fields = json.loads(out.stdout)
    assert "dc.identifier.doi" not in fields
    assert [v["value"] for v in fields["dc.relation.uri"]] == [f"https://doi.org/{JOSS}"]


def test_dry_run_shows_no_doi_from_a_source_file(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    root = datalad(tmp_path)
    out = CliRunner().invoke(app, ["publish", "--dry-run", "--json", "--kind", "model-weights", str(root)])
    assert out.exit_code == 0, out.output
    receipt = json.loads(out.stdout)
    assert receipt["doi"] is None
    records = [v for v in receipt.values() if isinstance(v, dict) and "relatedIdentifiers" in v]
    assert records, receipt.keys()
    for record in records:  # the record that would be deposited: the JOSS DOI only as a relation
        assert "doi" not in record
        assert [r["relatedIdentifier"] for r in record["relatedIdentifiers"]] == [JOSS]


def test_publish_yaml_doi_is_the_deposits_and_not_also_a_relation(tmp_path: Path) -> None:
    # The user asserts that this deposit has the DOI the CFF gives (e.g. reserved on Zenodo): then it is its own.
    root = datalad(tmp_path, LICENCE + "doi: https://doi.org/10.21105/joss.03262\n")
    v = mapped(root)
    assert v.record["doi"] == "10.21105/joss.03262"
    assert "relatedIdentifiers" not in v.record  # not related to itself


def test_one_related_identifier_once_with_the_highest_files_relation(tmp_path: Path) -> None:
    publish_yaml = LICENCE + (
        "related:\n"
        "  - identifier: doi:10.21105/joss.03262\n"  # other case and spelling of the CFF's DOI
        "    relation_type: IsDocumentedBy\n"
        "  - identifier: HTTPS://GitHub.com/datalad/datalad/\n"
        "    relation_type: code\n"
    )
    root = folder(
        tmp_path,
        {"CITATION.cff": "cff/datalad.cff", ".zenodo.json": "zenodo/datalad.zenodo.json"},
        publish_yaml,
    )
    (root / "CITATION.cff").write_text(
        (root / "CITATION.cff").read_text(encoding="utf-8") + "repository-code: https://github.com/datalad/datalad\n",
        encoding="utf-8",
    )
    v = mapped(root)
    assert related(v.record) == [
        ("10.21105/joss.03262", "DOI", "IsDocumentedBy"),
        ("HTTPS://GitHub.com/datalad/datalad/", "URL", "IsCompiledBy"),
    ]
    assert [(r["file"], r["field"]) for r in v.related] == [
        ("publish.yaml", "related.0"),
        ("publish.yaml", "related.1"),
    ]


def test_relations_per_role_come_from_the_mapping_files() -> None:
    weights = load_mapping("model-weights", [mappings_dir()])
    logs = load_mapping("anonymised-logs", [mappings_dir()])
    for role in ("described_work", "code", "paper", "documentation", "reference", "dataset", "concept"):
        assert weights.relation_for(role) is not None, role
    assert weights.relation_for("described_work").relation_type == "IsSupplementTo"
    assert weights.relation_for("concept").relation_type == "IsVersionOf"
    assert weights.relation_for("previous_version").relation_type == "IsNewVersionOf"
    assert logs.relation_for("paper").relation_type == "IsSupplementTo"  # per kind
    # Relations another project's file writes about its own record, rewritten when untrue of the deposit.
    assert weights.source_relation("IsIdenticalTo") == "IsSupplementTo"
    assert weights.source_relation("Cites") == "Cites"


def test_publish_with_doi_keeps_the_source_dois_as_relations(sandbox, sandbox_settings, tmp_path: Path) -> None:
    root = folder(
        tmp_path,
        {"CITATION.cff": "cff/mne-python.cff"},
        "kind: model-weights\nlicense: BSD-3-Clause\n",
    )
    receipt = publish(root, sandbox_settings, doi=True)
    assert receipt["status"] == "published"
    own = receipt["doi"]
    assert own and own.lower() not in ("10.5281/zenodo.592483", "10.3389/fnins.2013.00267")
    (item,) = sandbox.store.query("SELECT uuid FROM item WHERE in_archive = 1")
    metadata = sandbox.store.item(item["uuid"])["metadata"]
    assert [v["value"] for v in metadata["dc.identifier.doi"]] == [f"https://doi.org/{own}"]
    relations = [v["value"] for key, values in metadata.items() if key.startswith("dc.relation") for v in values]
    assert "https://doi.org/10.5281/zenodo.592483" in relations
    assert "https://doi.org/10.3389/fnins.2013.00267" in relations


def test_the_readme_example_warning_is_what_validate_says(tmp_path: Path) -> None:
    readme = " ".join((Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8").split())
    result = CliRunner().invoke(app, ["validate", "--json", "--kind", "model-weights", str(datalad(tmp_path))])
    [warning] = [w for w in json.loads(result.stdout)["warnings"] if JOSS in w]
    assert f"warning: {warning}" in readme
    assert '<relatedIdentifier relatedIdentifierType="DOI" relationType="IsSupplementTo">10.21105/JOSS.03262' in readme
