"""The one DataCite record (build_record, validate_record) and its DataCite renderings, against the XSDs."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from lxml import etree

from bridge.artifact.model import Access, Creator, Funding, RelatedIdentifier
from bridge.crosswalk import (
    build_record,
    load_mapping,
    to_datacite_json,
    to_datacite_xml,
    to_oai_datacite,
    validate_record,
)
from bridge.crosswalk.examples import EXAMPLES, anonymised_logs, model_weights, satellite_products
from bridge.crosswalk.mapping import Mapping
from bridge.errors import MetadataError, UsageError

MAPPINGS = [Path(__file__).resolve().parent.parent / "mappings"]
KERNEL = "datacite/kernel-4.6/metadata.xsd"
NS = {"d": "http://datacite.org/schema/kernel-4", "o": "http://schema.datacite.org/oai/oai-1.1/"}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
XSI_LOCATION = "{http://www.w3.org/2001/XMLSchema-instance}schemaLocation"
DOI = "10.20350/digitalCSIC/16497"
HANDLE = "10261/364200"
LANDING = "https://digital.csic.es/handle/10261/364200"


def mapping(name: str) -> Mapping:
    return load_mapping(name, MAPPINGS)


def model_record(**kwargs: object) -> dict:
    return build_record(
        model_weights(), mapping("model-weights"), doi=DOI, handle=HANDLE, landing_url=LANDING, **kwargs
    )


@pytest.mark.parametrize("kind", sorted(EXAMPLES))
@pytest.mark.parametrize("mapping_name", sorted(EXAMPLES))
def test_every_example_under_every_mapping_is_valid_datacite_46(kind: str, mapping_name: str, assert_valid) -> None:
    record = build_record(EXAMPLES[kind](), mapping(mapping_name), doi=DOI, handle=HANDLE)
    assert validate_record(record) == []
    doc = assert_valid(to_datacite_xml(record), KERNEL)
    assert doc.get(XSI_LOCATION) == (
        "http://datacite.org/schema/kernel-4 http://schema.datacite.org/meta/kernel-4.6/metadata.xsd"
    )
    general = mapping(mapping_name).datacite.resource_type_general
    assert doc.find("d:resourceType", NS).get("resourceTypeGeneral") == general
    wrapped = assert_valid(to_oai_datacite(record), "oai-datacite-1.1/oai.xsd")
    payload = wrapped.find("o:payload/d:resource", NS)
    assert_valid(etree.tostring(payload), KERNEL)


def test_xml_is_utf8_bytes_with_declaration() -> None:
    xml = to_datacite_xml(model_record())
    assert xml.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert "Fernández".encode() in xml


def test_model_record_maps_every_field(assert_valid) -> None:
    record = model_record()
    assert record["schemaVersion"] == "http://datacite.org/schema/kernel-4"
    assert record["doi"] == DOI
    assert record["url"] == LANDING
    assert record["publicationYear"] == "2024"
    assert record["types"] == {"resourceTypeGeneral": "Model", "resourceType": "Trained neural network weights"}
    assert record["alternateIdentifiers"] == [{"alternateIdentifier": HANDLE, "alternateIdentifierType": "Handle"}]
    assert record["version"] == "1.2.0"
    assert record["language"] == "en"
    assert record["sizes"] == ["94373888 bytes", "2 files"]
    assert record["formats"] == ["application/octet-stream", "application/json"]
    assert {(d["dateType"], d["date"]) for d in record["dates"]} == {
        ("Issued", "2024-03-15"),
        ("Created", "2024-02-28"),
    }
    assert [d["descriptionType"] for d in record["descriptions"]] == ["Abstract", "TechnicalInfo"]
    assert record["contributors"][0]["contributorType"] == "ContactPerson"
    assert record["contributors"][0]["nameType"] == "Organizational"

    doc = assert_valid(to_datacite_xml(record), KERNEL)
    assert doc.findtext("d:identifier[@identifierType='DOI']", namespaces=NS) == DOI
    creators = doc.findall("d:creators/d:creator", NS)
    assert [c.findtext("d:creatorName", namespaces=NS) for c in creators] == ["Carberry, Josiah", "Fernández, Laura"]
    assert [c.findtext("d:nameIdentifier[@nameIdentifierScheme='ORCID']", namespaces=NS) for c in creators] == [
        "https://orcid.org/0000-0002-1825-0097",
        "https://orcid.org/0000-0003-1234-5674",
    ]
    second = creators[1].find("d:affiliation", NS)
    assert second.get("affiliationIdentifier") == "https://ror.org/046ffzj20"
    assert second.get("affiliationIdentifierScheme") == "ROR"
    assert creators[0].findtext("d:givenName", namespaces=NS) == "Josiah"
    publisher = doc.find("d:publisher", NS)
    assert publisher.text == "Consejo Superior de Investigaciones Científicas (CSIC)"
    assert publisher.get("publisherIdentifier") == "https://ror.org/02gfc7t72"


def test_funding_keeps_the_programme_in_the_award_uri(assert_valid) -> None:
    doc = assert_valid(to_datacite_xml(model_record()), KERNEL)
    funding = doc.find("d:fundingReferences/d:fundingReference", NS)
    assert funding.findtext("d:funderName", namespaces=NS) == "European Commission"
    funder = funding.find("d:funderIdentifier", NS)
    assert (funder.text, funder.get("funderIdentifierType")) == (
        "https://doi.org/10.13039/501100000780",
        "Crossref Funder ID",
    )
    award = funding.find("d:awardNumber", NS)
    assert (award.text, award.get("awardURI")) == ("777435", "info:eu-repo/grantAgreement/EC/H2020/777435")
    assert funding.findtext("d:awardTitle", namespaces=NS).startswith("Designing and Enabling")


def test_an_explicit_programme_takes_the_award_uri_and_other_funders_keep_theirs() -> None:
    art = model_weights()
    art.metadata.funding = [
        Funding(
            funder_name="European Commission",
            award_number="101057437",
            award_uri="https://cordis.europa.eu/project/id/101057437",
            program="HORIZON",
        ),
        Funding(funder_name="European Commission", award_number="824068", award_uri="https://example.org/grant"),
        Funding(funder_name="Fundación BBVA", award_number="42", award_uri="https://example.org/bbva/42", program="X"),
    ]
    refs = build_record(art, mapping("model-weights"), doi=DOI)["fundingReferences"]
    assert [r["awardUri"] for r in refs] == [
        "info:eu-repo/grantAgreement/EC/HORIZON/101057437",
        "https://example.org/grant",
        "https://example.org/bbva/42",
    ]


def test_related_identifiers_types_and_role_rules() -> None:
    related = model_record()["relatedIdentifiers"]
    assert related == [
        {
            "relatedIdentifier": "10.82433/plantnet-300k",
            "relatedIdentifierType": "DOI",
            "relationType": "IsDerivedFrom",
            "resourceTypeGeneral": "Dataset",
        },
        {
            "relatedIdentifier": "https://github.com/example/plant-classifier",
            "relatedIdentifierType": "URL",
            "relationType": "IsCompiledBy",
            "resourceTypeGeneral": "Software",
        },
        {
            "relatedIdentifier": "10.82433/plant-classifier-paper",
            "relatedIdentifierType": "DOI",
            "relationType": "IsDocumentedBy",
            "resourceTypeGeneral": "JournalArticle",
        },
    ]
    # The same role means what the mapping says: a paper supplements a dataset of logs.
    art = model_weights()
    logs_related = build_record(art, mapping("anonymised-logs"), doi=DOI)["relatedIdentifiers"]
    assert logs_related[2]["relationType"] == "IsSupplementTo"


def test_explicit_relation_type_wins_and_identifier_types_are_detected() -> None:
    art = model_weights()
    art.metadata.related = [
        RelatedIdentifier(identifier="10.82433/paper", relation_type="isreferencedby"),
        RelatedIdentifier(identifier="hdl:10261/1234", relation_type="IsPartOf"),
        RelatedIdentifier(identifier="arXiv:2101.00001", relation_type="paper"),
        RelatedIdentifier(identifier="https://hdl.handle.net/20.500.12345/x", relation_type="References"),
        RelatedIdentifier(identifier="urn:nbn:de:0000-12345", identifier_type="urn", relation_type="References"),
    ]
    related = build_record(art, mapping("model-weights"), doi=DOI)["relatedIdentifiers"]
    assert [(r["relatedIdentifier"], r["relatedIdentifierType"], r["relationType"]) for r in related] == [
        ("10.82433/paper", "DOI", "IsReferencedBy"),
        ("10261/1234", "Handle", "IsPartOf"),
        ("arXiv:2101.00001", "arXiv", "IsDocumentedBy"),
        ("20.500.12345/x", "Handle", "References"),
        ("urn:nbn:de:0000-12345", "URN", "References"),
    ]


def test_metadata_problems_are_collected_with_field_and_file() -> None:
    art = model_weights()
    art.provenance = {"license": "CITATION.cff"}
    art.metadata.license = "Cc-By-Whatever"
    art.metadata.related = [RelatedIdentifier(identifier="10.82433/x", relation_type="trained_on")]
    art.metadata.contributors = [Creator(name="X", name_type="Organizational", contributor_type="Boss")]
    art.metadata.creators[1].orcid = "0000-0003-1234-5670"  # wrong check digit
    art.metadata.related.append(RelatedIdentifier(identifier="example.org/x", relation_type="References"))
    with pytest.raises(MetadataError) as info:
        build_record(art, mapping("model-weights"), doi=DOI)
    problems = {p.field: p for p in info.value.problems}
    assert set(problems) == {
        "license",
        "related.0.relation_type",
        "related.1.identifier",
        "contributors.0.contributor_type",
        "creators.1.orcid",
    }
    assert problems["license"].file == "CITATION.cff"
    assert "'Cc-By-Whatever' is not an SPDX licence id" in problems["license"].message
    assert "fails its checksum" in problems["creators.1.orcid"].message
    assert "cannot tell what kind of identifier" in problems["related.1.identifier"].message
    assert "'trained_on' is neither a DataCite relationType" in problems["related.0.relation_type"].message
    assert "code, concept, dataset" in problems["related.0.relation_type"].message


def test_licence_ids_are_matched_case_insensitively() -> None:
    art = model_weights()
    art.metadata.license = "cc0-1.0"
    rights = build_record(art, mapping("model-weights"), doi=DOI)["rightsList"]
    assert rights[1] == {
        "rights": "Creative Commons Zero v1.0 Universal",
        "rightsUri": "https://creativecommons.org/publicdomain/zero/1.0/",
        "rightsIdentifier": "CC0-1.0",
        "rightsIdentifierScheme": "SPDX",
        "schemeUri": "https://spdx.org/licenses/",
        "lang": "en",
    }


def test_access_right_and_embargo(assert_valid) -> None:
    record = build_record(anonymised_logs(), mapping("anonymised-logs"), doi=DOI)
    assert record["rightsList"][0] == {
        "rights": "Embargoed Access",
        "rightsUri": "info:eu-repo/semantics/embargoedAccess",
    }
    assert {"date": "2030-01-01", "dateType": "Available"} in record["dates"]
    assert {"date": "2023-01-01/2023-12-31", "dateType": "Collected"} in record["dates"]
    assert [d["descriptionType"] for d in record["descriptions"]] == ["Abstract", "Methods"]
    doc = assert_valid(to_datacite_xml(record), KERNEL)
    assert doc.findtext("d:rightsList/d:rights[1]", namespaces=NS) == "Embargoed Access"


def test_access_defaults_to_the_mapping_only_when_the_artefact_is_silent() -> None:
    strict = mapping("model-weights").model_copy(deep=True)
    strict.defaults.access = "restricted"
    silent = model_weights()
    assert build_record(silent, strict, doi=DOI)["rightsList"][0]["rightsUri"] == (
        "info:eu-repo/semantics/restrictedAccess"
    )
    explicit = model_weights()
    explicit.metadata.access = Access(status="open")
    assert build_record(explicit, strict, doi=DOI)["rightsList"][0]["rightsUri"] == "info:eu-repo/semantics/openAccess"


def test_defaults_fill_publisher_language_and_subjects_but_artefact_values_win() -> None:
    sat = build_record(satellite_products(), mapping("model-weights"), doi=DOI)
    # The artefact's own subjects replace the mapping's default FOS subject; keywords are merged.
    assert [s["subject"] for s in sat["subjects"]] == [
        "soil moisture",
        "Sentinel-1",
        "machine learning",
        "neural network weights",
        "FOS: Earth and related environmental sciences",
    ]
    assert sat["publisher"]["publisherIdentifier"] == "https://ror.org/02gfc7t72"  # normalised from 02gfc7t72
    bare = mapping("model-weights").model_copy(deep=True)
    bare.defaults.publisher = None
    bare.defaults.language = None
    with pytest.raises(MetadataError) as info:
        build_record(model_weights(), bare, doi=DOI)
    assert info.value.problems[0].field == "publisher"
    record = build_record(satellite_products(), bare, doi=DOI)
    assert record["language"] == "en"  # the artefact's own
    funding = record["fundingReferences"][0]
    assert funding["funderIdentifier"] == "https://doi.org/10.13039/501100011033"
    assert funding["funderIdentifierType"] == "Crossref Funder ID"
    assert "awardUri" not in funding  # not the EC: no info:eu-repo grant agreement


def test_no_language_means_no_lang_attributes() -> None:
    bare = mapping("model-weights").model_copy(deep=True)
    bare.defaults.language = None
    record = build_record(model_weights(), bare, doi=DOI)
    assert "language" not in record
    assert "lang" not in record["titles"][0]
    doc = etree.fromstring(to_datacite_xml(record))
    assert doc.find("d:titles/d:title", NS).get(XML_LANG) is None
    assert doc.find("d:descriptions/d:description", NS).get(XML_LANG) is None


def test_publication_year_rules() -> None:
    assert model_record(publication_year="2025")["publicationYear"] == "2025"
    art = model_weights()
    art.metadata.date_released = None
    assert build_record(art, mapping("model-weights"), doi=DOI)["publicationYear"] == str(dt.datetime.now(dt.UTC).year)
    with pytest.raises(UsageError):
        model_record(publication_year="24")


def test_doi_forms_are_normalised_and_checked() -> None:
    record = build_record(model_weights(), mapping("model-weights"), doi="https://doi.org/10.82433/B09Z-4K37")
    assert record["doi"] == "10.82433/B09Z-4K37"
    with pytest.raises(MetadataError) as info:
        build_record(model_weights(), mapping("model-weights"), doi="not-a-doi")
    assert info.value.problems[0].field == "doi"


def test_without_a_doi_xml_is_refused_unless_previewing(assert_valid) -> None:
    record = build_record(model_weights(), mapping("model-weights"))
    assert "doi" not in record
    assert validate_record(record) == []
    with pytest.raises(MetadataError) as info:
        to_datacite_xml(record)
    assert info.value.problems[0].field == "doi"
    assert "draft DOI" in (info.value.hint or "")
    with pytest.raises(MetadataError):
        to_oai_datacite(record)
    doc = assert_valid(to_datacite_xml(record, preview=True), KERNEL)
    assert doc.findtext("d:identifier", namespaces=NS) == "(:tba)"
    assert "doi" not in record  # the preview did not touch the record


def test_validate_record_ignores_only_kernel_46_additions(assert_valid) -> None:
    record = model_record()
    record["types"]["resourceTypeGeneral"] = "Project"
    record["contributors"][0]["contributorType"] = "Translator"
    record["dates"].append({"date": "2020/2021", "dateType": "Coverage"})
    record["relatedIdentifiers"].append(
        {
            "relatedIdentifier": "CSTR:31253.11.sciencedb.j00001.00123",
            "relatedIdentifierType": "CSTR",
            "relationType": "HasTranslation",
            "resourceTypeGeneral": "Award",
        }
    )
    assert validate_record(record) == []
    assert_valid(to_datacite_xml(record), KERNEL)
    record["publicationYear"] = 2024
    record["relatedIdentifiers"][0]["relationType"] = "IsMadeFrom"
    errors = validate_record(record)
    assert any(e.startswith("publicationYear: 2024 is not of type 'string'") for e in errors)
    assert any(e.startswith("relatedIdentifiers[0].relationType: 'IsMadeFrom'") for e in errors)


def test_datacite_json_is_the_rest_api_body() -> None:
    record = model_record()
    body = to_datacite_json(record, event="publish")
    assert body["data"]["type"] == "dois"
    attrs = body["data"]["attributes"]
    assert attrs["publicationYear"] == 2024
    assert attrs["doi"] == DOI and attrs["prefix"] == "10.20350"
    assert attrs["url"] == LANDING
    assert attrs["event"] == "publish"
    assert attrs["types"]["resourceTypeGeneral"] == "Model"
    assert attrs["publisher"]["name"].startswith("Consejo Superior")
    assert record["publicationYear"] == "2024"  # the record itself is untouched
    json.dumps(body)
    moved = to_datacite_json(record, url="https://example.org/x")["data"]["attributes"]
    assert moved["url"] == "https://example.org/x" and "event" not in moved


def test_datacite_json_draft_and_event_rules() -> None:
    draft = build_record(model_weights(), mapping("model-weights"))
    attrs = to_datacite_json(draft, prefix="10.82433")["data"]["attributes"]
    assert attrs["prefix"] == "10.82433" and "doi" not in attrs and "url" not in attrs
    with pytest.raises(UsageError, match="landing-page url"):
        to_datacite_json(draft, event="publish")
    with pytest.raises(UsageError, match="unknown DataCite event"):
        to_datacite_json(model_record(), event="findable")
    assert to_datacite_json(model_record(), event="hide")["data"]["attributes"]["event"] == "hide"


def test_oai_datacite_wrapper_fields(assert_valid) -> None:
    doc = assert_valid(to_oai_datacite(model_record(), datacentre="CSIC.TEST"), "oai-datacite-1.1/oai.xsd")
    assert doc.findtext("o:schemaVersion", namespaces=NS) == "4.6"
    assert doc.findtext("o:datacentreSymbol", namespaces=NS) == "CSIC.TEST"
    assert doc.findtext("o:payload/d:resource/d:identifier", namespaces=NS) == DOI
    assert to_oai_datacite(model_record()).count(b"CSIC.DIGITAL") == 1
