"""oai_dc from the DataCite record: XSD validity, DataCite's DC mapping and the OpenAIRE info:eu-repo rules."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from bridge.artifact.model import Funding
from bridge.crosswalk import build_record, load_mapping, oai_dc_element, to_oai_dc
from bridge.crosswalk.examples import EXAMPLES, anonymised_logs, model_weights, satellite_products
from bridge.crosswalk.mapping import Mapping

MAPPINGS = [Path(__file__).resolve().parent.parent / "mappings"]
XSD = "oai/oai_dc.xsd"
DC = "{http://purl.org/dc/elements/1.1/}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
DOI = "10.20350/digitalCSIC/16497"
HANDLE = "10261/364200"
LANDING = "https://digital.csic.es/handle/10261/364200"
GRANT = "info:eu-repo/grantAgreement/EC/H2020/777435"


def mapping(name: str) -> Mapping:
    return load_mapping(name, MAPPINGS)


def values(doc: etree._Element, element: str) -> list[str]:
    return [el.text for el in doc.findall(DC + element)]


def render(artifact, mapping_name: str, assert_valid, **kwargs: str) -> etree._Element:
    m = mapping(mapping_name)
    return assert_valid(to_oai_dc(build_record(artifact, m, **kwargs), m), XSD)


@pytest.mark.parametrize("kind", sorted(EXAMPLES))
@pytest.mark.parametrize("mapping_name", sorted(EXAMPLES))
def test_every_example_under_every_mapping_is_valid_oai_dc(kind: str, mapping_name: str, assert_valid) -> None:
    doc = render(EXAMPLES[kind](), mapping_name, assert_valid, doi=DOI)
    assert values(doc, "type")[:2] == [
        "info:eu-repo/semantics/other",
        mapping(mapping_name).datacite.resource_type_general,
    ]
    assert values(doc, "identifier")[0] == f"https://doi.org/{DOI}"
    assert values(doc, "rights")[0].startswith("info:eu-repo/semantics/")
    assert len([d for d in values(doc, "date") if not d.startswith("info:eu-repo/")]) == 1


def test_model_record_follows_the_rules(assert_valid) -> None:
    doc = render(model_weights(), "model-weights", assert_valid, doi=DOI, handle=HANDLE, landing_url=LANDING)
    assert doc.get("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation") == (
        "http://www.openarchives.org/OAI/2.0/oai_dc/ http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
    )
    assert values(doc, "identifier") == [f"https://doi.org/{DOI}", f"https://hdl.handle.net/{HANDLE}", LANDING]
    assert values(doc, "title") == ["Plant species classifier: ResNet-50 weights trained on PlantNet-300K"]
    assert doc.find(DC + "title").get(XML_LANG) == "en"
    assert values(doc, "creator") == ["Carberry, Josiah", "Fernández, Laura"]
    assert values(doc, "publisher") == ["Consejo Superior de Investigaciones Científicas (CSIC)"]
    assert values(doc, "date") == ["2024-03-15"]
    assert values(doc, "type") == ["info:eu-repo/semantics/other", "Model", "Trained neural network weights"]
    assert values(doc, "rights") == [
        "info:eu-repo/semantics/openAccess",
        "https://spdx.org/licenses/Apache-2.0.html",
        "Apache License 2.0",
    ]
    assert values(doc, "source") == ["https://doi.org/10.82433/plantnet-300k"]
    assert values(doc, "relation") == [
        "https://github.com/example/plant-classifier",
        "https://doi.org/10.82433/plant-classifier-paper",
        GRANT,
    ]
    assert values(doc, "format") == ["application/octet-stream", "application/json"]
    assert values(doc, "language") == ["en"]
    assert values(doc, "contributor") == ["DEEP-Hybrid-DataCloud support team", "European Commission"]
    assert "FOS: Computer and information sciences" in values(doc, "subject")
    assert values(doc, "description")[0].startswith("Weights of a ResNet-50")
    assert len(values(doc, "description")) == 2  # abstract first, then the technical info


def test_embargo_adds_the_embargo_end_date(assert_valid) -> None:
    doc = render(anonymised_logs(), "anonymised-logs", assert_valid, doi=DOI)
    assert values(doc, "date") == ["2024-06-01", "info:eu-repo/date/embargoEnd/2030-01-01"]
    assert values(doc, "rights")[0] == "info:eu-repo/semantics/embargoedAccess"
    assert values(doc, "rights")[1] == "https://creativecommons.org/licenses/by/4.0/"
    assert values(doc, "coverage") == ["2023-01-01/2023-12-31"]
    assert values(doc, "type")[1:] == ["Dataset", "Anonymised log data"]
    assert any(d.startswith("User names, IP addresses") for d in values(doc, "description"))


def test_grant_programme_comes_from_the_mapping_when_the_artefact_has_none(assert_valid) -> None:
    # The logs example funds the same grant without a programme; the mapping's default says H2020.
    doc = render(anonymised_logs(), "anonymised-logs", assert_valid, doi=DOI)
    assert GRANT in values(doc, "relation")
    other = mapping("anonymised-logs").model_copy(deep=True)
    other.defaults.funding_program = "FP7"
    record = build_record(anonymised_logs(), other, doi=DOI)
    assert "info:eu-repo/grantAgreement/EC/FP7/777435" in values(oai_dc_element(record, other), "relation")
    other.defaults.funding_program = None
    record = build_record(anonymised_logs(), other, doi=DOI)
    assert not [r for r in values(oai_dc_element(record, other), "relation") if "grantAgreement" in r]


def test_artefact_programme_wins_and_a_real_award_uri_falls_back_to_the_mapping(assert_valid) -> None:
    art = model_weights()
    art.metadata.funding = [
        Funding(funder_name="European Commission", award_number="101057437", program="HORIZON"),
        Funding(
            funder_name="European Commission",
            funder_id="https://ror.org/00k4n6c32",
            award_number="824068",
            award_uri="https://cordis.europa.eu/project/id/824068",
        ),
    ]
    m = mapping("model-weights")
    relations = values(assert_valid(to_oai_dc(build_record(art, m, doi=DOI), m), XSD), "relation")
    assert "info:eu-repo/grantAgreement/EC/HORIZON/101057437" in relations
    assert "info:eu-repo/grantAgreement/EC/H2020/824068" in relations


def test_non_ec_funding_gets_no_grant_agreement(assert_valid) -> None:
    doc = render(satellite_products(), "satellite-products", assert_valid, doi=DOI)
    assert not [r for r in values(doc, "relation") if r.startswith("info:eu-repo/grantAgreement")]
    assert "Agencia Estatal de Investigación" in values(doc, "contributor")
    assert values(doc, "source") == ["https://doi.org/10.82433/s1-grd-iberia-2019"]
    assert values(doc, "format") == ["application/x-netcdf", "text/csv"]
    assert values(doc, "coverage") == ["2019-01-01/2019-12-31"]
    assert values(doc, "creator")[0] == "Spanish National Research Council Remote Sensing Group"


def test_without_doi_the_handle_comes_first_and_lang_only_when_known(assert_valid) -> None:
    m = mapping("model-weights").model_copy(deep=True)
    m.defaults.language = None
    record = build_record(model_weights(), m, handle=HANDLE)
    doc = assert_valid(to_oai_dc(record, m), XSD)
    assert values(doc, "identifier") == [f"https://hdl.handle.net/{HANDLE}"]
    assert doc.find(DC + "title").get(XML_LANG) is None
    assert values(doc, "language") == []


def test_date_falls_back_to_the_publication_year(assert_valid) -> None:
    art = model_weights()
    art.metadata.date_released = None
    m = mapping("model-weights")
    doc = assert_valid(to_oai_dc(build_record(art, m, doi=DOI, publication_year="2023"), m), XSD)
    assert values(doc, "date") == ["2023"]
