"""Reading a whole artefact folder: precedence, merge, provenance, normalisation and problem reports."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from bridge.artifact.metadata import METADATA_FILES, read_metadata
from bridge.errors import MetadataError, Problem


def write(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text, encoding="utf-8")


def problems_of(root: Path) -> list[Problem]:
    with pytest.raises(MetadataError) as err:
        read_metadata(root)
    return err.value.problems


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


CFF = """\
cff-version: 1.2.0
message: Please cite these weights as below.
title: Plant species classifier (CFF title)
authors:
  - family-names: Carberry
    given-names: Josiah
    orcid: 0000-0002-1825-0097
    affiliation: Brown University
  - family-names: Haak
    given-names: Laure
    orcid: https://orcid.org/0000-0001-5109-3700
license: cc-by-4.0
version: "2.1"
date-released: 2024-05-31
keywords:
  - Deep Learning
  - plants
repository-code: https://github.com/ai4os-hub/plant-classifier
references:
  - type: article
    title: Deep Residual Learning for Image Recognition
    authors: [{family-names: He, given-names: Kaiming}]
    doi: 10.1109/CVPR.2016.90
"""

CARD = """\
---
license: other
license_name: plant-research-licence
language: [EN, es]
tags: [plants, deep learning, biology]
base_model: timm/resnet50.a1_in1k
datasets: [10.1109/CVPR.2016.90]
---

# Model Card for plant-classifier

A ResNet-50 fine-tuned on Iberian plants.
"""


def test_merge_takes_each_field_from_the_highest_precedence_file(tmp_path: Path) -> None:
    write(tmp_path, "publish.yaml", "kind: model-weights\ntitle: Plant classifier weights v2.1\n")
    write(tmp_path, "CITATION.cff", CFF)
    write(tmp_path, "README.md", CARD)
    result = read_metadata(tmp_path)
    md = result.metadata
    assert md.kind == "model-weights"
    assert md.title == "Plant classifier weights v2.1"  # publish.yaml beats CITATION.cff and the card
    assert [c.name for c in md.creators] == ["Carberry, Josiah", "Haak, Laure"]
    assert md.license == "CC-BY-4.0"  # CFF's licence wins over the card's 'other' (kept as rights, not rendered)
    assert md.description == "A ResNet-50 fine-tuned on Iberian plants."  # only the card has one
    assert md.language == "en"
    assert md.version == "2.1"
    assert md.date_released == dt.date(2024, 5, 31)
    assert result.sources == ["publish.yaml", "CITATION.cff", "README.md"]
    assert result.metadata_files == {"publish.yaml", "CITATION.cff", "README.md"}
    assert result.provenance == {
        "kind": "publish.yaml",
        "title": "publish.yaml",
        "creators": "CITATION.cff",
        "license": "CITATION.cff",
        "version": "CITATION.cff",
        "date_released": "CITATION.cff",
        "keywords": "CITATION.cff",
        "related": "CITATION.cff",
        "language": "README.md",
        "description": "README.md",
        "rights": "README.md",
    }


def test_keywords_are_a_case_insensitive_union_in_precedence_order(tmp_path: Path) -> None:
    write(tmp_path, "publish.yaml", "kind: model-weights\nkeywords: [ResNet, Plants]\n")
    write(tmp_path, "CITATION.cff", CFF)
    write(tmp_path, "README.md", CARD)
    md = read_metadata(tmp_path).metadata
    assert md.keywords == ["ResNet", "Plants", "Deep Learning", "biology"]


def test_related_is_a_union_where_each_identifier_appears_once(tmp_path: Path) -> None:
    write(tmp_path, "publish.yaml", "kind: model-weights\n")
    write(tmp_path, "CITATION.cff", CFF)
    write(tmp_path, "README.md", CARD)
    zenodo = {
        "related_identifiers": [
            # Same DOI as CFF's reference, other spelling: still the same relation, so dropped.
            {"identifier": "https://doi.org/10.1109/cvpr.2016.90", "relation": "references", "scheme": "doi"},
            {"identifier": "https://github.com/ai4os-hub/plant-classifier", "relation": "isSupplementTo"},
        ]
    }
    write(tmp_path, ".zenodo.json", json.dumps(zenodo))
    result = read_metadata(tmp_path)
    related = [(r.identifier, r.identifier_type, r.relation_type, r.source) for r in result.metadata.related]
    # Each identifier once (DOIs in any case and spelling, URLs normalised), with the highest file's relation.
    assert related == [
        ("10.1109/cvpr.2016.90", "DOI", "References", ".zenodo.json: related_identifiers.0"),
        (
            "https://github.com/ai4os-hub/plant-classifier",
            "URL",
            "IsSupplementTo",
            ".zenodo.json: related_identifiers.1",
        ),
        ("https://huggingface.co/timm/resnet50.a1_in1k", "URL", "base_model", "README.md: base_model"),
    ]
    assert result.provenance["related"] == ".zenodo.json"


def test_lists_other_than_keywords_and_related_are_not_concatenated(tmp_path: Path) -> None:
    zenodo = {"title": "Z", "creators": [{"name": "Doe, Jane"}]}
    write(tmp_path, ".zenodo.json", json.dumps(zenodo))
    write(tmp_path, "CITATION.cff", CFF)
    write(tmp_path, "publish.yaml", "kind: anonymised-logs\n")
    result = read_metadata(tmp_path)
    assert [c.name for c in result.metadata.creators] == ["Doe, Jane"]
    assert result.metadata.title == "Z"
    assert result.provenance["creators"] == ".zenodo.json"


def test_values_are_normalised(tmp_path: Path) -> None:
    publish = """\
kind: anonymised-logs
title: Anonymised monitoring logs
doi: https://doi.org/10.5281/zenodo.8000001
license: apache-2.0
language: en_gb
collected: 2023-03-01/2023-09-30
version: 3
landing_url: https://digital.csic.es/handle/10261/12345
publisher: Consejo Superior de Investigaciones Científicas
creators:
  - name: Instituto de Física de Cantabria
    name_type: Organizational
    affiliation: CSIC
  - given_name: Josiah
    family_name: Carberry
    orcid: orcid.org/0000-0002-1825-0097
    affiliation:
      - name: CSIC
        ror: 02GFC7T72
contributors:
  - name: Haak, Laure
    contributor_type: contactperson
related:
  - identifier: hdl:10261/99999
    relation_type: isNewVersionOf
  - identifier: arXiv:2101.00001
    relation_type: IsDocumentedBy
funding:
  - funder_name: European Commission
    funder_id: 10.13039/501100000780
    award_number: "101058593"
    program: HORIZON
"""
    write(tmp_path, "publish.yaml", publish)
    md = read_metadata(tmp_path).metadata
    assert md.doi == "10.5281/zenodo.8000001"
    assert md.license == "Apache-2.0"
    assert md.language == "en-GB"
    assert md.collected == "2023-03-01/2023-09-30"
    assert md.version == "3"
    assert md.publisher is not None and md.publisher.name.startswith("Consejo")
    assert md.creators[0].affiliation[0].name == "CSIC"
    assert md.creators[1].orcid == "https://orcid.org/0000-0002-1825-0097"
    assert md.creators[1].affiliation[0].ror == "https://ror.org/02gfc7t72"
    assert md.contributors[0].contributor_type == "ContactPerson"
    assert [(r.identifier, r.identifier_type, r.relation_type) for r in md.related] == [
        ("10261/99999", "Handle", "IsNewVersionOf"),
        ("arXiv:2101.00001", "arXiv", "IsDocumentedBy"),
    ]
    assert md.funding[0].funder_id == "https://doi.org/10.13039/501100000780"
    assert md.funding[0].funder_id_type == "Crossref Funder ID"


def test_model_card_alone_implies_model_weights(tmp_path: Path) -> None:
    card = "---\nlicense: mit\n---\n# leaf-counter\n\nCounts leaves.\n"
    write(tmp_path, "README.md", card)
    write(tmp_path, ".zenodo.json", json.dumps({"creators": [{"name": "Doe, Jane"}]}))
    result = read_metadata(tmp_path)
    assert result.metadata.kind == "model-weights"
    assert result.provenance["kind"] == "README.md"
    assert result.metadata.title == "leaf-counter"
    assert result.metadata.license == "MIT"


def test_missing_kind_title_and_creators_are_all_reported(tmp_path: Path) -> None:
    write(tmp_path, "metadata.json", json.dumps({"metadata_version": "2.0.0", "title": "", "summary": "s"}))
    problems = problems_of(tmp_path)
    by_field = {p.field: p for p in problems}
    assert set(by_field) == {"kind", "title", "creators"}
    assert "kind: model-weights | anonymised-logs" in by_field["kind"].message
    assert by_field["creators"].message.startswith("at least one creator is required")
    assert by_field["title"].message == "title is required; add it to publish.yaml"


def test_bad_orcid_in_cff_names_file_field_and_line(tmp_path: Path) -> None:
    cff = CFF.replace("0000-0002-1825-0097", "0000-0002-1825-0098")
    write(tmp_path, "publish.yaml", "kind: model-weights\n")
    write(tmp_path, "CITATION.cff", cff)
    [problem] = problems_of(tmp_path)
    assert problem == Problem(
        "ORCID 0000-0002-1825-0098 fails its checksum (last digit should be 7); copy it from orcid.org",
        file="CITATION.cff",
        field="creators.0.orcid",
        line=line_of(cff, "0000-0002-1825-0098"),
    )
    assert str(problem).startswith(f"CITATION.cff:{problem.line}: creators.0.orcid: ORCID")


def test_every_problem_is_collected_with_its_location(tmp_path: Path) -> None:
    publish = """\
kind: model-weights
title: Plant classifier
titel: typo
creators:
  - family_name: Carberry
    affiliation:
      - name: CSIC
        ror: https://ror.org/02gfc7t73
license: CC-BY-4
date_released: "2024"
access:
  status: embargoed
related:
  - identifier: doi:10.12/abc
    relation_type: IsDerivedFrom
    identifier_type: DOI
  - identifier: not a pid
    relation_type: IsDerivedFrom
"""
    write(tmp_path, "publish.yaml", publish)
    problems = problems_of(tmp_path)
    got = {p.field: (p.file, p.line) for p in problems}
    assert got == {
        "creators.0.affiliation.0.ror": ("publish.yaml", line_of(publish, "ror:")),
        "license": ("publish.yaml", line_of(publish, "license:")),
        "related.0.identifier": ("publish.yaml", line_of(publish, "10.12/abc")),
        "related.1.identifier": ("publish.yaml", line_of(publish, "not a pid")),
        "titel": ("publish.yaml", line_of(publish, "titel")),
        "access": ("publish.yaml", line_of(publish, "access:")),
    }
    messages = {p.field: p.message for p in problems}
    assert "last two digits should be 72" in messages["creators.0.affiliation.0.ror"]
    assert "did you mean CC-BY-4.0?" in messages["license"]
    assert "is not a DOI" in messages["related.0.identifier"]
    assert "cannot tell what kind of identifier 'not a pid' is" in messages["related.1.identifier"]
    assert messages["titel"].startswith("unknown key 'titel'; did you mean title?")
    assert "embargo_until" in messages["access"]
    # Sorted by line within the file.
    assert [p.line for p in problems] == sorted(p.line for p in problems)


def test_nested_unknown_key_in_publish_yaml(tmp_path: Path) -> None:
    publish = "kind: model-weights\ntitle: T\ncreators:\n  - name: Doe, Jane\n    orcd: 0000-0002-1825-0097\n"
    write(tmp_path, "publish.yaml", publish)
    [problem] = problems_of(tmp_path)
    assert (problem.field, problem.line) == ("creators.0.orcd", 5)
    assert problem.message.startswith("unknown key 'orcd'; did you mean orcid?")


def test_card_licence_without_spdx_id_is_a_rights_entry_when_no_other_file_gives_a_licence(tmp_path: Path) -> None:
    write(tmp_path, "publish.yaml", "kind: model-weights\ntitle: T\ncreators: [{name: 'Doe, Jane'}]\n")
    write(tmp_path, "README.md", CARD)
    result = read_metadata(tmp_path)
    assert result.metadata.license is None
    assert result.metadata.rights is not None and result.metadata.rights.name == "plant-research-licence"
    [warning] = [w for w in result.warnings if "no SPDX id" in w]
    assert warning.startswith("README.md:2: rights: the Hugging Face licence 'other' has no SPDX id")


def test_zenodo_unknown_funder_is_forgiven_when_publish_yaml_gives_funding(tmp_path: Path) -> None:
    zenodo = {"title": "T", "creators": [{"name": "Doe, Jane"}], "grants": [{"id": "10.13039/999999999::1"}]}
    write(tmp_path, ".zenodo.json", json.dumps(zenodo))
    write(tmp_path, "publish.yaml", "kind: model-weights\n")
    [problem] = problems_of(tmp_path)
    assert (problem.file, problem.field) == (".zenodo.json", "funding")
    funding = "funding:\n  - funder_name: Fundación BBVA\n    award_number: '42'\n"
    write(tmp_path, "publish.yaml", "kind: model-weights\n" + funding)
    assert read_metadata(tmp_path).metadata.funding[0].funder_name == "Fundación BBVA"


def test_syntax_errors_carry_line_and_column(tmp_path: Path) -> None:
    write(tmp_path, "publish.yaml", "kind: model-weights\ntitle: [unclosed\n")
    write(tmp_path, ".zenodo.json", '{"title": "T",\n "creators": [}\n')
    problems = problems_of(tmp_path)
    syntax = [p for p in problems if p.field is None]
    assert [(p.file, p.line) for p in syntax] == [("publish.yaml", 3), (".zenodo.json", 2)]
    assert "column" in syntax[0].message and "column" in syntax[1].message


def test_numbers_where_text_is_expected_must_be_quoted(tmp_path: Path) -> None:
    publish = "kind: model-weights\ntitle: T\ncreators: [{name: X}]\nversion: 1.10\nkeywords: [plants, 2024]\n"
    write(tmp_path, "publish.yaml", publish)
    version, keyword = problems_of(tmp_path)
    assert (version.field, version.line) == ("version", 4)
    assert 'quote it, e.g. version: "1.1"' in version.message
    assert (keyword.field, keyword.line) == ("keywords.1", 5)
    assert keyword.message == '2024 was read as a number; quote it, e.g. "2024"'


def test_union_item_problems_point_at_the_file_that_gave_the_item(tmp_path: Path) -> None:
    write(
        tmp_path,
        "publish.yaml",
        "kind: model-weights\nrelated:\n  - identifier: https://example.org/a\n    relation_type: Cites\n",
    )
    cff = CFF.replace("doi: 10.1109/CVPR.2016.90", "doi: 10.11/bad")
    write(tmp_path, "CITATION.cff", cff)
    [problem] = problems_of(tmp_path)
    assert problem.file == "CITATION.cff"
    assert problem.field == "related.2.identifier"  # merged position: publish item, repository-code, reference
    assert problem.line == line_of(cff, "- type: article")


def test_folder_without_metadata_lists_the_accepted_files(tmp_path: Path) -> None:
    write(tmp_path, "README.md", "# Just a readme\n")
    write(tmp_path, "weights.safetensors", "x")
    [problem] = problems_of(tmp_path)
    assert problem.file == str(tmp_path)
    for name in METADATA_FILES:
        assert name in problem.message


def test_not_a_folder(tmp_path: Path) -> None:
    [problem] = problems_of(tmp_path / "missing")
    assert "is not a folder" in problem.message


def test_two_publish_files_are_a_problem(tmp_path: Path) -> None:
    write(tmp_path, "publish.yaml", "kind: model-weights\ntitle: T\ncreators: [{name: X}]\n")
    write(tmp_path, "publish.json", "{}")
    [problem] = problems_of(tmp_path)
    assert problem.message == "publish.yaml and publish.json both exist; keep one publish file"
