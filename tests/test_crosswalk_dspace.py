"""The DSpace metadata map from the DataCite record, with Digital.CSIC's field names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bridge.crosswalk import build_record, load_mapping, parse_mapping, to_dspace
from bridge.crosswalk.examples import EXAMPLES, anonymised_logs, model_weights, satellite_products
from bridge.crosswalk.mapping import Mapping

MAPPINGS = [Path(__file__).resolve().parent.parent / "mappings"]
DOI = "10.20350/digitalCSIC/16497"
HANDLE = "10261/364200"


def mapping(name: str) -> Mapping:
    return load_mapping(name, MAPPINGS)


def plain(metadata: dict[str, list[dict]], field: str) -> list[str]:
    return [v["value"] for v in metadata.get(field, [])]


@pytest.mark.parametrize("kind", sorted(EXAMPLES))
@pytest.mark.parametrize("mapping_name", sorted(EXAMPLES))
def test_shape_of_every_value(kind: str, mapping_name: str) -> None:
    m = mapping(mapping_name)
    metadata = to_dspace(build_record(EXAMPLES[kind](), m, doi=DOI, handle=HANDLE), m)
    assert json.loads(json.dumps(metadata)) == metadata
    for field, entries in metadata.items():
        assert field.startswith("dc.")
        assert [e["place"] for e in entries] == list(range(len(entries)))
        for e in entries:
            assert set(e) == {"value", "language", "authority", "confidence", "place"}
            assert isinstance(e["value"], str) and e["value"]
            assert e["authority"] is None and e["confidence"] == -1
    assert plain(metadata, "dc.identifier.doi") == [f"https://doi.org/{DOI}"]
    assert plain(metadata, "dc.identifier.uri") == [f"https://hdl.handle.net/{HANDLE}"]
    assert plain(metadata, "dc.type.coar") == [m.dspace.coar_type]
    assert plain(metadata, "dc.rights")[0].startswith("info:eu-repo/semantics/")
    assert plain(metadata, "dc.date.issued")


def test_model_weights_in_digital_csic_fields() -> None:
    m = mapping("model-weights")
    metadata = to_dspace(build_record(model_weights(), m, doi=DOI), m)
    assert metadata["dc.title"] == [
        {
            "value": "Plant species classifier: ResNet-50 weights trained on PlantNet-300K",
            "language": "en",
            "authority": None,
            "confidence": -1,
            "place": 0,
        }
    ]
    assert plain(metadata, "dc.contributor.author") == ["Carberry, Josiah", "Fernández, Laura"]
    assert plain(metadata, "dc.contributor.orcid") == [
        "Carberry, Josiah [0000-0002-1825-0097]",
        "Fernández, Laura [0000-0003-1234-5674]",
    ]
    assert plain(metadata, "dc.contributor.other") == ["DEEP-Hybrid-DataCloud support team"]
    assert plain(metadata, "dc.date.issued") == ["2024-03-15"]
    assert plain(metadata, "dc.date.created") == ["2024-02-28"]
    assert plain(metadata, "dc.description.abstract")[0].startswith("Weights of a ResNet-50")
    assert plain(metadata, "dc.description")[0].startswith("PyTorch 2.2")
    assert plain(metadata, "dc.rights") == ["info:eu-repo/semantics/openAccess"]
    assert plain(metadata, "dc.rights.license") == ["https://spdx.org/licenses/Apache-2.0.html"]
    assert plain(metadata, "dc.type") == ["other"]
    assert plain(metadata, "dc.type.coar") == ["http://purl.org/coar/resource_type/c_1843"]
    assert plain(metadata, "dc.identifier.doi") == [f"https://doi.org/{DOI}"]
    assert "dc.identifier.uri" not in metadata  # no Handle yet: DSpace mints it
    assert plain(metadata, "dc.relation.isbasedon") == ["https://doi.org/10.82433/plantnet-300k"]
    assert plain(metadata, "dc.relation.uri") == [
        "https://github.com/example/plant-classifier",
        "https://doi.org/10.82433/plant-classifier-paper",
    ]
    assert plain(metadata, "dc.contributor.funder") == ["European Commission"]
    assert plain(metadata, "dc.identifier.funder") == ["https://doi.org/10.13039/501100000780"]
    assert plain(metadata, "dc.relation.projectID") == ["info:eu-repo/grantAgreement/EC/H2020/777435"]
    assert plain(metadata, "dc.language.iso") == ["en"]
    assert plain(metadata, "dc.publisher") == ["Consejo Superior de Investigaciones Científicas (CSIC)"]
    assert plain(metadata, "dc.description.version") == ["1.2.0"]
    assert plain(metadata, "dc.format.extent") == ["94373888 bytes", "2 files"]
    assert plain(metadata, "dc.format.mimetype") == ["application/octet-stream", "application/json"]
    subjects = metadata["dc.subject"]
    assert [s["value"] for s in subjects][:2] == ["image classification", "plants"]
    assert [s["place"] for s in subjects] == list(range(len(subjects)))


def test_logs_embargo_and_methods() -> None:
    m = mapping("anonymised-logs")
    metadata = to_dspace(build_record(anonymised_logs(), m, doi=DOI), m)
    assert plain(metadata, "dc.type") == ["Dataset"]
    assert plain(metadata, "dc.type.coar") == ["http://purl.org/coar/resource_type/c_ddb1"]
    assert plain(metadata, "dc.rights") == ["info:eu-repo/semantics/embargoedAccess"]
    assert plain(metadata, "dc.date.embargo") == ["2030-01-01"]
    assert plain(metadata, "dc.coverage.temporal") == ["2023-01-01/2023-12-31"]
    assert plain(metadata, "dc.description")[0].startswith("User names, IP addresses")
    assert metadata["dc.description"][0]["language"] == "en"
    assert plain(metadata, "dc.contributor.orcid") == ["García López, Ana [0000-0002-1694-233X]"]


def test_organisations_keep_their_name_and_date_falls_back_to_year() -> None:
    art = satellite_products()
    art.metadata.date_released = None
    m = mapping("satellite-products")
    metadata = to_dspace(build_record(art, m, doi=DOI, publication_year="2020"), m)
    assert plain(metadata, "dc.contributor.author") == [
        "Spanish National Research Council Remote Sensing Group",
        "Ruiz, Marta",
    ]
    assert "dc.contributor.orcid" not in metadata
    assert plain(metadata, "dc.date.issued") == ["2020"]
    assert "dc.relation.projectID" not in metadata  # a national grant has no info:eu-repo form here
    assert plain(metadata, "dc.format.extent") == ["734134272 bytes", "3 files"]
    assert plain(metadata, "dc.format.mimetype") == ["application/x-netcdf", "text/csv"]


def test_a_mapping_renames_or_drops_fields(tmp_path: Path) -> None:
    text = (MAPPINGS[0] / "anonymised-logs.toml").read_text(encoding="utf-8")
    text += (
        '\n[dspace.fields]\nmethods = "dc.description.methods"\norcid = ""\ndate_embargo = ""\n'
        '\n[dspace.relation_fields]\nIsCompiledBy = "dc.relation.isbasedon"\n'
    )
    path = tmp_path / "anonymised-logs.toml"
    path.write_text(text, encoding="utf-8")
    m = parse_mapping(path)
    metadata = to_dspace(build_record(anonymised_logs(), m, doi=DOI), m)
    assert plain(metadata, "dc.description.methods")[0].startswith("User names")
    assert "dc.description" not in metadata
    assert "dc.contributor.orcid" not in metadata
    assert "dc.date.embargo" not in metadata
    assert plain(metadata, "dc.relation.isbasedon") == ["https://github.com/example/log-anonymiser"]
    assert "dc.relation.uri" not in metadata
