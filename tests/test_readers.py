"""One reader per metadata format: what each translates, its line numbers and its problems."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from bridge.artifact.readers import (
    find_sources,
    read_ai4os,
    read_cff,
    read_modelcard,
    read_publish,
    read_zenodo,
)


def line_of(text: str, needle: str, start: int = 1) -> int:
    """Return the 1-based number of the first line at or after ``start`` that contains ``needle``."""
    for number, line in enumerate(text.splitlines(), 1):
        if number >= start and needle in line:
            return number
    raise AssertionError(f"{needle!r} not in text")


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


CFF = """\
cff-version: 1.2.0
message: "If you use these weights, please cite them as below."
type: software
title: "Plant species classifier (ResNet-50 weights)"
version: 1.2
date-released: 2024-05-31
abstract: >-
  ResNet-50 weights fine-tuned on 40 000 field photographs
  of Iberian plants.
authors:
  - family-names: Carberry
    given-names: Josiah
    orcid: "https://orcid.org/0000-0002-1825-0097"
    affiliation: "Instituto de Física de Cantabria (IFCA), CSIC-UC"
  - family-names: Rossum
    name-particle: van
    given-names: Guido
  - name: "AI4EOSC consortium"
contact:
  - family-names: Haak
    given-names: Laure
    orcid: "https://orcid.org/0000-0001-5109-3700"
license: CC-BY-4.0
keywords:
  - plant identification
  - deep learning
doi: 10.5281/zenodo.1234567
identifiers:
  - type: doi
    value: 10.5281/zenodo.1234566
    description: Concept DOI of all versions
  - type: swh
    value: "swh:1:dir:bc286860f423ea7ced246ba7458eef4b4541cf2d"
  - type: other
    value: internal-17
repository-code: "https://github.com/ai4os-hub/plant-classifier"
references:
  - type: article
    title: Deep Residual Learning for Image Recognition
    authors:
      - family-names: He
        given-names: Kaiming
    doi: 10.1109/CVPR.2016.90
  - type: software
    title: timm
    authors:
      - name: Hugging Face
preferred-citation:
  type: article
  title: "Classifying Iberian plants in the field"
  authors:
    - family-names: Carberry
      given-names: Josiah
  doi: 10.1000/paper.42
"""


def test_cff_translates_authors_licence_dates_and_relations(tmp_path: Path) -> None:
    source = read_cff(write(tmp_path, "CITATION.cff", CFF))
    assert source.file == "CITATION.cff"
    assert source.problems == []
    data = source.data
    assert data["title"] == "Plant species classifier (ResNet-50 weights)"
    assert data["version"] == "1.2"  # CFF allows a number; Metadata wants text
    assert data["date_released"] == dt.date(2024, 5, 31)
    assert data["description"] == "ResNet-50 weights fine-tuned on 40 000 field photographs of Iberian plants."
    assert data["license"] == "CC-BY-4.0"
    assert "doi" not in data  # the DOI of the work the file describes is never the deposit's own
    assert data["keywords"] == ["plant identification", "deep learning"]
    assert data["creators"] == [
        {
            "family_name": "Carberry",
            "given_name": "Josiah",
            "orcid": "https://orcid.org/0000-0002-1825-0097",
            "affiliation": [{"name": "Instituto de Física de Cantabria (IFCA), CSIC-UC"}],
        },
        {"family_name": "van Rossum", "given_name": "Guido"},
        {"name": "AI4EOSC consortium", "name_type": "Organizational"},
    ]
    assert data["contributors"] == [
        {
            "family_name": "Haak",
            "given_name": "Laure",
            "orcid": "https://orcid.org/0000-0001-5109-3700",
            "contributor_type": "ContactPerson",
        }
    ]
    # Roles, which the kind's mapping turns into relation types; never IsIdenticalTo.
    assert data["related"] == [
        {
            "identifier": "10.5281/zenodo.1234567",
            "identifier_type": "DOI",
            "relation_type": "described_work",
            "source": "CITATION.cff: doi",
        },
        {
            "identifier": "10.5281/zenodo.1234566",
            "identifier_type": "DOI",
            "relation_type": "concept",  # its description says "Concept DOI of all versions"
            "source": "CITATION.cff: identifiers.0",
        },
        {
            "identifier": "https://archive.softwareheritage.org/swh:1:dir:bc286860f423ea7ced246ba7458eef4b4541cf2d",
            "identifier_type": "URL",
            "relation_type": "code",
            "resource_type_general": "Software",
            "source": "CITATION.cff: identifiers.1",
        },
        {
            "identifier": "https://github.com/ai4os-hub/plant-classifier",
            "relation_type": "code",
            "resource_type_general": "Software",
            "source": "CITATION.cff: repository-code",
        },
        {
            "identifier": "10.1109/CVPR.2016.90",
            "identifier_type": "DOI",
            "relation_type": "reference",
            "source": "CITATION.cff: references.0.doi",
        },
        {
            "identifier": "10.1000/paper.42",
            "identifier_type": "DOI",
            "relation_type": "paper",
            "resource_type_general": "JournalArticle",
            "source": "CITATION.cff: preferred-citation.doi",
        },
    ]
    # identifiers.2 (type other, no relation) is left out with a warning.
    assert [w.field for w in source.warnings] == ["related"]
    assert "internal-17" in source.warnings[0].message
    assert "type" not in data and "kind" not in data


def test_cff_lines_point_at_the_source_lines(tmp_path: Path) -> None:
    source = read_cff(write(tmp_path, "CITATION.cff", CFF))
    assert source.lines["title"] == line_of(CFF, 'title: "Plant')
    assert source.lines["creators.0.orcid"] == line_of(CFF, "0000-0002-1825-0097")
    assert source.lines["creators.0.affiliation.0"] == line_of(CFF, "affiliation:")
    assert source.lines["creators.2"] == line_of(CFF, 'name: "AI4EOSC')
    assert source.lines["contributors.0.orcid"] == line_of(CFF, "0000-0001-5109-3700")
    assert source.lines["related.0"] == line_of(CFF, "doi: 10.5281/zenodo.1234567")
    assert source.lines["related.4"] == line_of(CFF, "- type: article")
    # A path without its own line falls back to its closest parent.
    assert source.line_of("creators.1.given_name") == line_of(CFF, "family-names: Rossum")


def test_cff_author_without_names_is_a_problem_with_its_line(tmp_path: Path) -> None:
    text = "cff-version: 1.2.0\ntitle: X\nauthors:\n  - family-names: Doe\n  - email: someone@example.org\n"
    source = read_cff(write(tmp_path, "CITATION.cff", text))
    assert source.data["creators"] == [{"family_name": "Doe"}]
    [problem] = source.problems
    assert problem.file == "CITATION.cff"
    assert problem.field == "creators.1"
    assert problem.line == 5
    assert "authors.1 has neither family-names/given-names nor name" in problem.message


def test_cff_with_several_licences_asks_for_one(tmp_path: Path) -> None:
    text = "title: X\nlicense:\n  - Apache-2.0\n  - MIT\n"
    source = read_cff(write(tmp_path, "CITATION.cff", text))
    assert "license" not in source.data
    [problem] = source.problems
    assert (problem.field, problem.line) == ("license", 2)
    assert "several licences (Apache-2.0, MIT)" in problem.message


def test_yaml_syntax_error_becomes_a_problem_with_line_and_column(tmp_path: Path) -> None:
    text = 'title: "Plant classifier"\nauthors:\n  - family-names: Doe\n   given-names: Jane\n'
    source = read_cff(write(tmp_path, "CITATION.cff", text))
    assert source.data == {}
    [problem] = source.problems
    assert problem.file == "CITATION.cff"
    assert problem.line == 4
    assert "invalid YAML at line 4, column" in problem.message


# --- publish.yaml ---

PUBLISH = """\
kind: model-weights
title: Plant classifier weights
creators:
  - given_name: Josiah
    family_name: Carberry
    orcid: 0000-0002-1825-0097
    affiliation:
      - name: Consejo Superior de Investigaciones Científicas
        ror: https://ror.org/02gfc7t72
access:
  status: embargoed
  embargo_until: 2025-01-01
collected: 2023-03-01/2023-09-30
"""


def test_publish_yaml_is_taken_as_is_with_lines(tmp_path: Path) -> None:
    source = read_publish(write(tmp_path, "publish.yaml", PUBLISH))
    assert source.problems == []
    assert source.data["kind"] == "model-weights"
    assert source.data["creators"][0]["affiliation"][0]["ror"] == "https://ror.org/02gfc7t72"
    assert source.data["access"] == {"status": "embargoed", "embargo_until": dt.date(2025, 1, 1)}
    assert source.lines["creators.0.affiliation.0.ror"] == line_of(PUBLISH, "ror:")
    assert source.lines["access.embargo_until"] == line_of(PUBLISH, "embargo_until")


def test_publish_json_is_accepted_with_best_effort_lines(tmp_path: Path) -> None:
    doc = {"kind": "anonymised-logs", "title": "Logs", "creators": [{"name": "IFCA", "name_type": "Organizational"}]}
    text = json.dumps(doc, indent=2)
    source = read_publish(write(tmp_path, "publish.json", text))
    assert source.file == "publish.json"
    assert source.data == doc
    assert source.lines["creators.0.name_type"] == line_of(text, '"name_type"')


def test_publish_yaml_must_be_a_mapping(tmp_path: Path) -> None:
    source = read_publish(write(tmp_path, "publish.yaml", "- title: X\n"))
    [problem] = source.problems
    assert "must hold a mapping" in problem.message and problem.line == 1


def test_publish_yaml_is_loaded_safely(tmp_path: Path) -> None:
    source = read_publish(write(tmp_path, "publish.yaml", "title: !!python/object/apply:os.system ['true']\n"))
    assert source.data == {}
    assert "invalid YAML at line 1" in source.problems[0].message


# --- Hugging Face model card ---

CARD = """\
---
license: apache-2.0
language:
  - en
  - es
library_name: timm
pipeline_tag: image-classification
tags:
  - biology
  - plants
datasets:
  - ai4os/iberian-plants
  - 10.5281/zenodo.7654321
base_model: timm/resnet50.a1_in1k
metrics:
  - accuracy
---

# Model Card for plant-classifier

<!-- Provide a quick summary of what the model is/does. -->

A ResNet-50 fine-tuned to recognise 120 Iberian plant species
from field photographs.

## Model Details

More text.
"""


def test_model_card_front_matter_and_body(tmp_path: Path) -> None:
    source = read_modelcard(write(tmp_path, "README.md", CARD))
    assert source.problems == []
    data = source.data
    assert data["license"] == "Apache-2.0"
    assert data["language"] == "en"
    assert data["keywords"] == ["biology", "plants", "timm", "image-classification"]
    assert data["title"] == "plant-classifier"
    assert (
        data["description"] == "A ResNet-50 fine-tuned to recognise 120 Iberian plant species from field photographs."
    )
    # Roles (the mapping makes them IsDerivedFrom with resourceTypeGeneral Dataset / Model).
    assert data["related"] == [
        {
            "identifier": "https://huggingface.co/datasets/ai4os/iberian-plants",
            "identifier_type": "URL",
            "relation_type": "dataset",
            "source": "README.md: datasets.0",
        },
        {
            "identifier": "10.5281/zenodo.7654321",
            "identifier_type": "DOI",
            "relation_type": "dataset",
            "source": "README.md: datasets.1",
        },
        {
            "identifier": "https://huggingface.co/timm/resnet50.a1_in1k",
            "identifier_type": "URL",
            "relation_type": "base_model",
            "source": "README.md: base_model",
        },
    ]
    # Line numbers count from the top of README.md, not from the front matter.
    assert source.lines["license"] == line_of(CARD, "license:")
    assert source.lines["language"] == line_of(CARD, "  - en")
    assert source.lines["related.2"] == line_of(CARD, "base_model:")
    assert source.lines["title"] == line_of(CARD, "# Model Card")
    assert source.lines["description"] == line_of(CARD, "A ResNet-50")


def test_model_card_other_licence_becomes_a_rights_entry_with_a_warning(tmp_path: Path) -> None:
    text = "---\nlicense: other\nlicense_name: plant-research-licence\nlicense_link: https://x.org/LICENSE\n---\n"
    source = read_modelcard(write(tmp_path, "README.md", text))
    assert "license" not in source.data and source.problems == []
    assert source.data["rights"] == {
        "name": "plant-research-licence",
        "identifier": "other",
        "url": "https://x.org/LICENSE",
    }
    [warning] = source.warnings
    assert (warning.file, warning.field, warning.line) == ("README.md", "rights", 2)
    assert "the repository will show the rights statement “plant-research-licence”" in warning.message
    assert "set license in publish.yaml" in warning.message


def test_model_card_yaml_error_reports_the_readme_line(tmp_path: Path) -> None:
    text = "---\nlicense: mit\ntags: [a, b\n---\n# x\n"
    source = read_modelcard(write(tmp_path, "README.md", text))
    assert source.problems[0].line is not None and source.problems[0].line >= 3
    assert "invalid YAML" in source.problems[0].message


def test_model_card_language_may_be_a_string(tmp_path: Path) -> None:
    source = read_modelcard(write(tmp_path, "README.md", "---\nlanguage: es\n---\n"))
    assert source.data == {"language": "es"}
    assert source.lines["language"] == 2


# --- AI4OS metadata.json ---

AI4OS_V1 = {
    "title": "Plant classification",
    "summary": "Identify plant species from images",
    "description": ["The model was trained on PlantNet images.", "It uses a ResNet backbone."],
    "keywords": ["tensorflow", "docker", "plants"],
    "license": "Apache 2.0",
    "date_creation": "2019-09-01",
    "sources": {
        "dockerfile_repo": "https://github.com/deephdc/DEEP-OC-plants-classification-tf",
        "docker_registry_repo": "deephdc/deep-oc-plants-classification-tf",
        "code": "https://github.com/deephdc/image-classification-tf",
        "pre_trained_weights": "https://example.org/public-models/plants.tar.xz",
    },
    "cite_url": "https://doi.org/10.1109/ACCESS.2019.2947479",
    "dataset_url": "https://www.gbif.org/occurrence/search",
}

AI4OS_V2 = {
    "metadata_version": "2.0.0",
    "title": "Plant classifier",
    "summary": "Classify 120 Iberian plant species.",
    "description": "Fine-tuned ResNet-50.\n\nTrained on field photographs.",
    "dates": {"created": "2023-04-01", "updated": "2024-05-31"},
    "links": {
        "source_code": "https://github.com/ai4os-hub/plant-classifier",
        "docker_image": "ai4oshub/plant-classifier",
        "documentation": "https://docs.ai4os.eu/en/latest/",
        "dataset": "10.5281/zenodo.7654321",
        "base_model": "https://huggingface.co/timm/resnet50.a1_in1k",
        "citation": "https://doi.org/10.1000/paper.42",
        "zenodo_doi": "10.5281/zenodo.1234",
    },
    "tags": ["deep learning", "plants"],
    "tasks": ["Computer Vision", "Classification"],
    "categories": ["AI4 pre trained", "AI4 inference"],
    "libraries": ["PyTorch"],
}


def test_ai4os_v1(tmp_path: Path) -> None:
    text = json.dumps(AI4OS_V1, indent="\t")  # tab-indented JSON still gets line numbers
    source = read_ai4os(write(tmp_path, "metadata.json", text))
    assert source.problems == []
    data = source.data
    assert data["title"] == "Plant classification"
    assert data["description"] == "Identify plant species from images"
    # v1 splits text over fragments: they join into one paragraph ("" would start a new one).
    assert data["technical_info"] == "The model was trained on PlantNet images. It uses a ResNet backbone."
    assert data["keywords"] == ["tensorflow", "docker", "plants"]
    assert data["license"] == "Apache-2.0"  # free-form "Apache 2.0" recognised
    assert data["date_created"] == "2019-09-01"
    assert data["related"] == [
        {
            "identifier": "https://github.com/deephdc/image-classification-tf",
            "relation_type": "code",
            "resource_type_general": "Software",
            "source": "metadata.json: sources.code",
        },
        {
            "identifier": "https://www.gbif.org/occurrence/search",
            "relation_type": "dataset",
            "resource_type_general": "Dataset",
            "source": "metadata.json: dataset_url",
        },
        {
            "identifier": "10.1109/ACCESS.2019.2947479",
            "identifier_type": "DOI",
            "relation_type": "documentation",
            "source": "metadata.json: cite_url",
        },
    ]
    assert source.lines["related.0"] == line_of(text, '"code"')
    assert source.lines["technical_info"] == line_of(text, '"description"')


def test_ai4os_v2(tmp_path: Path) -> None:
    text = json.dumps(AI4OS_V2, indent=2)
    source = read_ai4os(write(tmp_path, "metadata.json", text))
    assert source.problems == []
    data = source.data
    assert data["description"] == "Classify 120 Iberian plant species."
    assert data["technical_info"] == "Fine-tuned ResNet-50.\n\nTrained on field photographs."
    assert data["date_created"] == "2023-04-01"
    assert data["keywords"] == [
        "deep learning",
        "plants",
        "Computer Vision",
        "Classification",
        "AI4 pre trained",
        "AI4 inference",
        "PyTorch",
    ]
    assert "creators" not in data and "license" not in data
    relations = [(r["identifier"], r["relation_type"], r.get("resource_type_general")) for r in data["related"]]
    assert relations == [
        ("https://github.com/ai4os-hub/plant-classifier", "code", "Software"),
        ("10.5281/zenodo.7654321", "dataset", "Dataset"),
        ("https://huggingface.co/timm/resnet50.a1_in1k", "base_model", "Model"),
        ("10.1000/paper.42", "documentation", None),
        ("https://docs.ai4os.eu/en/latest/", "documentation", None),
        ("10.5281/zenodo.1234", "described_work", None),  # links.zenodo_doi: the module's Zenodo record
    ]
    assert source.lines["date_created"] == line_of(text, '"created"')
    assert source.lines["related.1"] == line_of(text, '"dataset"')


def test_invalid_json_is_a_problem_with_line_and_column(tmp_path: Path) -> None:
    text = '{\n  "title": "Plant classifier",\n  "summary": "x"\n  "tags": []\n}\n'
    source = read_ai4os(write(tmp_path, "metadata.json", text))
    [problem] = source.problems
    assert (problem.file, problem.line) == ("metadata.json", 4)
    assert problem.message.startswith("invalid JSON at line 4, column 3")


# --- .zenodo.json ---

ZENODO = {
    "upload_type": "dataset",
    "title": "Anonymised monitoring logs of the IFCA cloud, 2023",
    "description": "<p>Syslog and accounting records with personal data removed.</p>",
    "method": "IP addresses and user names were replaced by salted hashes.",
    "creators": [
        {"name": "Carberry, Josiah", "affiliation": "Brown University", "orcid": "0000-0002-1825-0097"},
        {"name": "Haak, Laure", "orcid": "0000-0001-5109-3700"},
    ],
    "contributors": [{"name": "Instituto de Física de Cantabria", "type": "HostingInstitution"}],
    "access_right": "embargoed",
    "embargo_date": "2025-01-01",
    "license": "cc-by-4.0",
    "keywords": ["cloud monitoring", "anonymisation"],
    "subjects": [{"term": "Computer science", "identifier": "http://id.loc.gov/authorities/subjects/sh89003285"}],
    "related_identifiers": [
        {
            "identifier": "10.5281/zenodo.7654321",
            "relation": "isDerivedFrom",
            "resource_type": "dataset",
            "scheme": "doi",
        },
        {
            "identifier": "https://github.com/ifca/log-anonymiser",
            "relation": "isCompiledBy",
            "resource_type": "software",
            "scheme": "url",
        },
        {
            "identifier": "swh:1:dir:bc286860f423ea7ced246ba7458eef4b4541cf2d",
            "relation": "isSupplementTo",
            "scheme": "swh",
        },
    ],
    "grants": [{"id": "10.13039/501100000780::101058593"}, {"id": "777435"}],
    "version": "1.0.0",
    "publication_date": "2024-05-31",
    "language": "eng",
    "doi": "10.5281/zenodo.8000001",
}


def test_zenodo_json(tmp_path: Path) -> None:
    text = json.dumps(ZENODO, indent=2)
    source = read_zenodo(write(tmp_path, ".zenodo.json", text))
    assert source.problems == []
    data = source.data
    assert data["title"].startswith("Anonymised monitoring logs")
    assert data["methods"].startswith("IP addresses")
    assert data["creators"][0] == {
        "name": "Carberry, Josiah",
        "family_name": "Carberry",
        "given_name": "Josiah",
        "orcid": "0000-0002-1825-0097",
        "affiliation": [{"name": "Brown University"}],
    }
    assert data["contributors"] == [
        {
            "name": "Instituto de Física de Cantabria",
            "contributor_type": "HostingInstitution",
            "name_type": "Organizational",
        }
    ]
    assert data["access"] == {"status": "embargoed", "embargo_until": "2025-01-01"}
    assert data["license"] == "cc-by-4.0"  # canonicalised later, by validation
    assert data["date_released"] == "2024-05-31"
    assert data["language"] == "eng"
    assert data["subjects"] == [
        {"term": "Computer science", "value_uri": "http://id.loc.gov/authorities/subjects/sh89003285"}
    ]
    # The DOI of the Zenodo record the file describes is a relation (role described_work), never data["doi"].
    assert "doi" not in data
    assert data["description"] == "Syslog and accounting records with personal data removed."  # HTML -> text
    assert data["related"] == [
        {
            "identifier": "10.5281/zenodo.7654321",
            "relation_type": "IsDerivedFrom",
            "source": ".zenodo.json: related_identifiers.0",
            "identifier_type": "DOI",
            "resource_type_general": "Dataset",
        },
        {
            "identifier": "https://github.com/ifca/log-anonymiser",
            "relation_type": "IsCompiledBy",
            "source": ".zenodo.json: related_identifiers.1",
            "identifier_type": "URL",
            "resource_type_general": "Software",
        },
        {
            "identifier": "https://archive.softwareheritage.org/swh:1:dir:bc286860f423ea7ced246ba7458eef4b4541cf2d",
            "relation_type": "IsSupplementTo",
            "source": ".zenodo.json: related_identifiers.2",
            "identifier_type": "URL",
        },
        {
            "identifier": "10.5281/zenodo.8000001",
            "relation_type": "described_work",
            "source": ".zenodo.json: doi",
            "identifier_type": "DOI",
        },
    ]
    ec = {
        "funder_name": "European Commission",
        "funder_id": "https://doi.org/10.13039/501100000780",
        "funder_id_type": "Crossref Funder ID",
    }
    assert data["funding"] == [{**ec, "award_number": "101058593"}, {**ec, "award_number": "777435"}]
    assert "program" not in data["funding"][0]  # Zenodo does not say which programme
    assert source.lines["creators.1.orcid"] == line_of(text, "0000-0001-5109-3700")
    assert source.lines["funding.1"] == line_of(text, '"777435"') - 1  # the line where the grant's { opens
    assert source.lines["access.embargo_until"] == line_of(text, '"embargo_date"')


def test_zenodo_unknown_funder_and_nameless_creator_are_problems(tmp_path: Path) -> None:
    doc = {"title": "X", "creators": [{"affiliation": "CSIC"}], "grants": [{"id": "10.13039/999999999::42"}]}
    text = json.dumps(doc, indent=2)
    source = read_zenodo(write(tmp_path, ".zenodo.json", text))
    assert "funding" not in source.data and "creators" not in source.data
    by_field = {p.field: p for p in source.problems}
    assert set(by_field) == {"creators.0", "funding"}
    assert by_field["creators.0"].line == line_of(text, '"affiliation"') - 1
    assert "10.13039/999999999 is not one the bridge knows" in by_field["funding"].message
    assert by_field["funding"].line == line_of(text, "999999999") - 1


# --- finding the files ---


def test_find_sources_lists_supported_files_in_precedence_order(tmp_path: Path) -> None:
    write(tmp_path, "README.md", CARD)
    write(tmp_path, "metadata.json", json.dumps(AI4OS_V2))
    write(tmp_path, "CITATION.cff", CFF)
    write(tmp_path, ".zenodo.json", json.dumps(ZENODO))
    write(tmp_path, "publish.yaml", PUBLISH)
    write(tmp_path, "weights.safetensors", "not metadata")
    names = [path.name for _, path in find_sources(tmp_path)]
    assert names == ["publish.yaml", ".zenodo.json", "CITATION.cff", "metadata.json", "README.md"]


def test_plain_readme_and_foreign_metadata_json_are_not_metadata(tmp_path: Path) -> None:
    write(tmp_path, "README.md", "# Run 42\n\nTraining logs.\n")
    write(tmp_path, "metadata.json", json.dumps({"epochs": 30, "lr": 0.001}))
    assert find_sources(tmp_path) == []
