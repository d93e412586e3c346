"""Real AI4OS / DEEP module metadata (fixtures/real/ai4os/, see NOTES.md): v1 metadata.json and v2
ai4-metadata.yml (and its JSON form), each mapped field by field; v1 and v2 of one module merged.

AI4OS files name no authors, so each test gives them in publish.yaml; everything else comes from the real file.
"""

from __future__ import annotations

import json
from pathlib import Path

from real_helpers import HTML_TAG, check_renderings, folder, licence, mapped, problems, related, warnings_of

AUTHOR = "creators: [{name: 'Nguyen, Giang'}]\n"


def ai4os(tmp_path: Path, files: dict[str, str], publish: str = AUTHOR) -> Path:
    return folder(tmp_path, {name: f"ai4os/{real}" for name, real in files.items()}, publish)


def test_sample_v2_json_syntax_in_yaml(tmp_path: Path, assert_valid) -> None:
    root = ai4os(tmp_path, {"ai4-metadata.yml": "ai4-metadata-sample-v2.mods.yaml"}, AUTHOR + "license: Apache-2.0\n")
    v = mapped(root)
    r = v.record
    assert v.artifact.sources == ["publish.yaml", "ai4-metadata.yml"]
    assert r["titles"][0]["title"] == "DEEP OC Massive Online Data Streams"
    abstract, technical = r["descriptions"]
    assert abstract == {
        "description": "Massive Online Data Streams analysis",
        "descriptionType": "Abstract",
        "lang": "en",
    }
    assert technical["descriptionType"] == "TechnicalInfo"
    assert technical["description"].startswith("This use case analyzes online data streams")
    assert r["dates"] == [{"date": "2019-02-19", "dateType": "Created"}]
    subjects = [s["subject"] for s in r["subjects"]]
    assert {"security", "anomaly detection", "Time Series", "AI4 trainable", "TensorFlow"} <= set(subjects)
    assert related(r) == [("https://github.com/deephdc/DEEP-OC-mods", "URL", "IsCompiledBy")]
    check_renderings(v, assert_valid, [])


def test_phyto_plankton_v2_doi_twice_is_one_relation(tmp_path: Path, assert_valid) -> None:
    root = ai4os(tmp_path, {"ai4-metadata.yml": "phyto-plankton-classification.ai4-metadata.yml"})
    [problem] = problems(root)  # no licence in AI4OS v2 and none elsewhere
    assert problem.field == "license"
    (root / "publish.yaml").write_text(AUTHOR + "license: CC-BY-4.0\n")
    v = mapped(root)
    r = v.record
    assert r["titles"][0]["title"] == "Phytoplankton species classifier (VLIZ)"
    assert r["descriptions"][0]["description"] == "Identify the species level of Plankton for 95 classes."
    technical = r["descriptions"][1]["description"]
    assert technical.startswith("Phytoplankton species classifier is an application to classify phytoplankton")
    assert "<img" not in technical and not HTML_TAG.search(technical)  # raw HTML in the Markdown is dropped
    assert r["dates"] == [{"date": "2023-08-10", "dateType": "Created"}]
    # doi and links.zenodo_doi (bare and as https://doi.org/ URL) are one relation; the training data on Zenodo
    # is what the weights derive from; the code compiles them; documentation and the homepage document them.
    assert related(r) == [
        ("https://github.com/ai4os-hub/phyto-plankton-classification", "URL", "IsCompiledBy"),
        ("https://zenodo.org/records/10554845", "URL", "IsDerivedFrom"),
        ("https://www.vliz.be/en", "URL", "IsDocumentedBy"),
        (
            "https://github.com/ai4os-hub/phyto-plankton-classification/blob/main/references/README_marketplace.md",
            "URL",
            "IsDocumentedBy",
        ),
        ("10.5281/zenodo.15999154", "DOI", "IsSupplementTo"),
    ]
    assert {"file": "ai4-metadata.yml", "field": "doi"}.items() <= v.related[-1].items()
    assert any("10.5281/zenodo.15999154" in w and "IsSupplementTo" in w for w in warnings_of(v))
    check_renderings(v, assert_valid, ["10.5281/zenodo.15999154"])


def test_yolov8_v1_description_fragments(tmp_path: Path, assert_valid) -> None:
    v = mapped(ai4os(tmp_path, {"metadata.json": "ai4os-yolov8-torch.metadata.json"}))
    r = v.record
    assert r["titles"][0]["title"] == "YoloV8 model"
    technical = r["descriptions"][1]["description"]
    # Fragments joined without losing or doubling spaces: "advancements" + " from prior YOLO iterations".
    assert "models incorporating advancements from prior YOLO iterations while introducing" in technical
    assert "  " not in technical.split("\n\n")[0]
    assert licence(r)[0]["rightsIdentifier"] == "MIT"
    assert r["dates"] == [{"date": "2023-08-09", "dateType": "Created"}]
    assert "object detection" in [s["subject"] for s in r["subjects"]]
    assert related(r) == [("https://github.com/ai4os-hub/ai4os-yolov8-torch", "URL", "IsCompiledBy")]
    check_renderings(v, assert_valid, [])


def test_yolov8_v2_botched_description_and_v1_licence_fills_the_gap(tmp_path: Path, assert_valid) -> None:
    files = {
        "ai4-metadata.yml": "ai4os-yolov8-torch.ai4-metadata.yml",
        "metadata.json": "ai4os-yolov8-torch.metadata.json",
    }
    v = mapped(ai4os(tmp_path, files))
    r = v.record
    assert v.artifact.sources == ["publish.yaml", "ai4-metadata.yml", "metadata.json"]  # v2 before v1
    technical = r["descriptions"][1]["description"]
    assert technical.startswith("Ultralytics YOLOv8 represents")  # the quoted v1 fragments, joined
    assert not technical.startswith('"') and '" "' not in technical
    assert any("quoted v1 fragments" in w for w in warnings_of(v))
    assert licence(r)[0]["rightsIdentifier"] == "MIT"  # v2 has none; v1's fills the gap
    assert v.artifact.provenance["license"] == "metadata.json"
    assert v.artifact.provenance["technical_info"] == "ai4-metadata.yml"
    assert related(r) == [("https://github.com/ai4os-hub/ai4os-yolov8-torch", "URL", "IsCompiledBy")]
    check_renderings(v, assert_valid, [])


def test_deep_oc_mods_v1_tabs_and_licence_spelling(tmp_path: Path, assert_valid) -> None:
    root = ai4os(tmp_path, {"metadata.json": "deep-oc-mods.metadata.json"})
    assert b"\t" in (root / "metadata.json").read_bytes()
    v = mapped(root)
    r = v.record
    assert r["titles"][0]["title"] == "DEEP OC Massive Online Data Streams"
    assert licence(r)[0]["rightsIdentifier"] == "Apache-2.0"  # "Apache 2.0"
    keywords = [s["subject"] for s in r["subjects"]]
    assert keywords.count("docker") == 1
    paragraphs = r["descriptions"][1]["description"].split("\n\n")
    assert len(paragraphs) > 1  # "" entries of the list start paragraphs
    assert paragraphs[0].startswith("This use case analyzes online data streams")
    assert "techniques in co-function" in paragraphs[0]  # fragments without spaces get one
    assert related(r) == [("https://github.com/deephdc/mods", "URL", "IsCompiledBy")]  # sources.code
    check_renderings(v, assert_valid, [])


def test_deep_oc_mods_v2_cited_dois_are_not_identifiers(tmp_path: Path, assert_valid) -> None:
    files = {"ai4-metadata.yml": "deep-oc-mods.ai4-metadata.yml", "metadata.json": "deep-oc-mods.metadata.json"}
    v = mapped(ai4os(tmp_path, files))
    r = v.record
    assert r["descriptions"][0]["description"] == (
        "Deep learning for proactive network monitoring and security protection."
    )
    assert "DOI 10.1109/ACCESS.2020.2968718" in r["descriptions"][1]["description"]  # text stays text
    cited = ("10.1109/ACCESS.2020.2968718", "10.1007/s10462-018-09679-z", "10.1016/j.datak.2018.03.002")
    dumped = json.dumps({k: v for k, v in r.items() if k != "descriptions"})
    assert not any(doi in dumped for doi in cited)  # neither identifier nor relation
    assert r["dates"] == [{"date": "2019-02-19", "dateType": "Created"}]
    assert licence(r)[0]["rightsIdentifier"] == "Apache-2.0"  # from v1
    assert related(r) == [("https://github.com/deephdc/mods", "URL", "IsCompiledBy")]
    check_renderings(v, assert_valid, [])


def test_ai4_metadata_json_is_read(tmp_path: Path, assert_valid) -> None:
    # The v2 JSON serialisation under its own name (the sample instance is JSON syntax already).
    root = ai4os(tmp_path, {"ai4-metadata.json": "ai4-metadata-sample-v2.mods.yaml"}, AUTHOR + "license: MIT\n")
    v = mapped(root)
    assert v.artifact.sources == ["publish.yaml", "ai4-metadata.json"]
    assert v.record["titles"][0]["title"] == "DEEP OC Massive Online Data Streams"
    check_renderings(v, assert_valid, [])
