"""The sandbox's own crosswalks: a stored item's dc.* metadata → oai_dc, DataCite kernel 4.6, oai_datacite, DIM."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from bridge.sandbox.app import SandboxConfig, create_sandbox
from bridge.sandbox.render import (
    datacite_xml_bytes,
    item_to_datacite,
    item_to_dim,
    item_to_oai_datacite,
    item_to_oai_dc,
    load_original_files,
)
from bridge.sandbox.store import metadata_value as mv

NS = {
    "dc": "http://purl.org/dc/elements/1.1/",
    "d": "http://datacite.org/schema/kernel-4",
    "oaidc": "http://schema.datacite.org/oai/oai-1.1/",
    "dim": "http://www.dspace.org/xmlns/dspace/dim",
    "xml": "http://www.w3.org/XML/1998/namespace",
}
KERNEL = "datacite/kernel-4.6/metadata.xsd"
LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def full_item() -> dict:
    """An item as Digital.CSIC would hold a deposited model, with a few awkward values."""
    md = {
        "dc.title": [mv("Trained weights for a CNN", "en")],
        "dc.title.alternative": [mv("CNN weights")],
        "dc.contributor.author": [mv("García, Ana [0000-0002-1825-0097]"), mv("IFCA Computing Group")],
        "dc.contributor.editor": [mv("Smith, John")],
        "dc.contributor.orcid": [mv("Smith, John [0000-0001-5109-3700]")],
        "dc.contributor.funder": [mv("European Commission")],
        "dc.date.issued": [mv("2024-05-01")],
        "dc.date.accessioned": [mv("2024-05-02T10:00:00Z")],
        "dc.date.available": [mv("2024-05-02T10:00:00Z")],
        "dc.identifier.doi": [mv("10.5072/abc-123")],
        "dc.identifier.uri": [mv("http://127.0.0.1:8000/handle/10261/7")],
        "dc.identifier.other": [mv("bridge:deposit:abc")],
        "dc.identifier.citation": [mv("García (2024) CNN weights")],
        "dc.type": [mv("Model"), mv("Trained neural network weights")],
        "dc.type.coar": [mv("http://purl.org/coar/resource_type/c_ddb1")],
        "dc.rights": [mv("Attribution 4.0 International", "en"), mv("info:eu-repo/semantics/openAccess")],
        "dc.rights.uri": [mv("https://creativecommons.org/licenses/by/4.0/")],
        "dc.relation.isderivedfrom": [mv("https://doi.org/10.5072/dataset-1")],
        "dc.relation.ispartof": [mv("https://hdl.handle.net/10261/5")],
        "dc.relation": [
            mv("info:eu-repo/grantAgreement/EC/H2020/777435/EU/Designing and Enabling E-Infrastructures/DEEP"),
            mv("https://github.com/example/train"),
        ],
        "dc.relation.csic": [mv("Sí")],
        "dc.subject": [mv("deep learning", "en")],
        "dc.subject.lcsh": [mv("Neural networks (Computer science)")],
        "dc.description.abstract": [mv("Weights\x07 of a CNN", "en_US")],
        "dc.description.provenance": [mv("Made available in DSpace on 2024-05-02", "en")],
        "dc.description.version": [mv("1.2.0")],
        "dc.language.iso": [mv("en")],
        "dc.publisher": [mv("CSIC - Instituto de Física de Cantabria (IFCA)")],
        "dc.coverage.spatial": [mv("Santander")],
    }
    return {"uuid": "u-1", "handle": "10261/7", "metadata": md, "created": "2024-05-02T10:00:00.000Z"}


FILES = [{"mime": "application/octet-stream", "size": 1234}, {"mime": "application/json", "size": 56}]


# -- oai_dc ------------------------------------------------------------------------------------------------------
def test_oai_dc_maps_dspace_fields(schema):
    dc = item_to_oai_dc(full_item(), None, files=FILES)
    assert schema("oai/oai_dc.xsd").validate(dc), schema("oai/oai_dc.xsd").error_log

    def texts(tag: str) -> list[str]:
        return dc.xpath(f"dc:{tag}/text()", namespaces=NS)

    assert texts("title") == ["Trained weights for a CNN", "CNN weights"]
    assert dc.find("dc:title", NS).get(LANG) == "en"
    assert texts("creator") == ["García, Ana [0000-0002-1825-0097]", "IFCA Computing Group"]
    assert texts("contributor") == ["Smith, John", "European Commission"]  # not the orcid field
    assert texts("identifier")[:2] == ["https://doi.org/10.5072/abc-123", "http://127.0.0.1:8000/handle/10261/7"]
    assert "bridge:deposit:abc" in texts("identifier")
    assert texts("date") == ["2024-05-01"]  # issued only, not accession dates
    assert texts("type") == ["Model", "Trained neural network weights", "http://purl.org/coar/resource_type/c_ddb1"]
    assert texts("rights")[0] == "info:eu-repo/semantics/openAccess"  # the access right first
    assert set(texts("rights")) == {
        "info:eu-repo/semantics/openAccess",
        "Attribution 4.0 International",
        "https://creativecommons.org/licenses/by/4.0/",
    }
    assert texts("format") == ["application/octet-stream", "application/json"]
    assert texts("description") == ["Weights of a CNN"]  # control character gone; no provenance, no version
    assert dc.find("dc:description", NS).get(LANG) == "en-US"
    assert texts("language") == ["en"]
    assert texts("subject") == ["deep learning", "Neural networks (Computer science)"]
    assert texts("publisher") == ["CSIC - Instituto de Física de Cantabria (IFCA)"]
    assert texts("coverage") == ["Santander"]
    assert "https://doi.org/10.5072/dataset-1" in texts("relation")


def test_oai_dc_of_an_empty_item_is_still_valid(schema):
    dc = item_to_oai_dc({"metadata": {}}, None)
    assert len(dc) == 0
    assert schema("oai/oai_dc.xsd").validate(dc)


def test_oai_dc_writes_a_doi_stored_in_identifier_uri_as_a_resolver_url():
    item = {"metadata": {"dc.identifier.uri": [mv("http://dx.doi.org/10.5072/ZZ"), mv("http://x/handle/10261/9")]}}
    dc = item_to_oai_dc(item, None, files=[])
    assert dc.xpath("dc:identifier/text()", namespaces=NS)[0] == "https://doi.org/10.5072/ZZ"


def test_bad_language_tags_are_left_out():
    item = {"metadata": {"dc.title": [mv("a", "*"), mv("b", "not a tag"), mv("c", "es_ES")]}}
    dc = item_to_oai_dc(item, None, files=[])
    assert [t.get(LANG) for t in dc.iterfind("dc:title", NS)] == [None, None, "es-ES"]


# -- DataCite ----------------------------------------------------------------------------------------------------
def test_datacite_resource_is_valid_kernel_46(schema):
    resource = item_to_datacite(full_item(), None, files=FILES)
    assert schema(KERNEL).validate(resource), schema(KERNEL).error_log
    identifier = resource.find("d:identifier", NS)
    assert (identifier.get("identifierType"), identifier.text) == ("DOI", "10.5072/abc-123")
    first = resource.find("d:creators/d:creator", NS)
    assert first.findtext("d:creatorName", namespaces=NS) == "García, Ana"
    assert first.find("d:creatorName", NS).get("nameType") == "Personal"
    assert (first.findtext("d:givenName", namespaces=NS), first.findtext("d:familyName", namespaces=NS)) == (
        "Ana",
        "García",
    )
    orcid = first.find("d:nameIdentifier", NS)
    assert (orcid.text, orcid.get("nameIdentifierScheme")) == ("https://orcid.org/0000-0002-1825-0097", "ORCID")
    group = resource.findall("d:creators/d:creator", NS)[1]
    assert group.find("d:creatorName", NS).get("nameType") is None and group.find("d:givenName", NS) is None
    editor = resource.find("d:contributors/d:contributor", NS)
    assert editor.get("contributorType") == "Editor"
    assert editor.findtext("d:nameIdentifier", namespaces=NS) == "https://orcid.org/0000-0001-5109-3700"
    titles = resource.findall("d:titles/d:title", NS)
    assert [(t.text, t.get("titleType")) for t in titles] == [
        ("Trained weights for a CNN", None),
        ("CNN weights", "AlternativeTitle"),
    ]
    assert resource.findtext("d:publisher", namespaces=NS) == "CSIC - Instituto de Física de Cantabria (IFCA)"
    assert resource.findtext("d:publicationYear", namespaces=NS) == "2024"
    kind = resource.find("d:resourceType", NS)
    assert (kind.get("resourceTypeGeneral"), kind.text) == ("Model", "Trained neural network weights")
    dates = {d.get("dateType"): d.text for d in resource.iterfind("d:dates/d:date", NS)}
    assert dates == {"Issued": "2024-05-01", "Accepted": "2024-05-02T10:00:00Z", "Available": "2024-05-02T10:00:00Z"}
    assert resource.findtext("d:language", namespaces=NS) == "en"
    alternates = {a.text: a.get("alternateIdentifierType") for a in resource.iterfind(".//d:alternateIdentifier", NS)}
    assert alternates == {
        "10261/7": "Handle",
        "bridge:deposit:abc": "Other",
        "http://127.0.0.1:8000/handle/10261/7": "URL",
    }
    related = {
        (r.text, r.get("relatedIdentifierType"), r.get("relationType"))
        for r in resource.iterfind(".//d:relatedIdentifier", NS)
    }
    assert related == {
        ("10.5072/dataset-1", "DOI", "IsDerivedFrom"),
        ("10261/5", "Handle", "IsPartOf"),
        ("https://github.com/example/train", "URL", "References"),
    }
    assert resource.xpath("d:sizes/d:size/text()", namespaces=NS) == ["1234 bytes", "56 bytes"]
    assert resource.xpath("d:formats/d:format/text()", namespaces=NS) == [
        "application/octet-stream",
        "application/json",
    ]
    assert resource.findtext("d:version", namespaces=NS) == "1.2.0"
    rights = resource.findall("d:rightsList/d:rights", NS)
    assert rights[0].get("rightsURI") == "info:eu-repo/semantics/openAccess"
    licence = rights[1]
    assert (licence.text, licence.get("rightsURI"), licence.get("rightsIdentifier")) == (
        "Attribution 4.0 International",
        "https://creativecommons.org/licenses/by/4.0/",
        "CC-BY-4.0",
    )
    descriptions = resource.findall("d:descriptions/d:description", NS)
    assert [(d.get("descriptionType"), d.text) for d in descriptions] == [("Abstract", "Weights of a CNN")]
    assert resource.findtext(".//d:geoLocationPlace", namespaces=NS) == "Santander"
    funding = [
        (f.findtext("d:funderName", namespaces=NS), f.findtext("d:awardNumber", namespaces=NS))
        for f in resource.iterfind(".//d:fundingReference", NS)
    ]
    assert funding == [("European Commission", None), ("European Commission", "777435")]
    grant = resource.findall(".//d:fundingReference", NS)[1]
    assert grant.findtext("d:awardTitle", namespaces=NS) == "Designing and Enabling E-Infrastructures"


def test_datacite_without_a_doi_uses_the_handle_and_fills_mandatory_gaps(schema):
    resource = item_to_datacite({"handle": "10261/9", "metadata": {}, "created": "2023-02-03T00:00:00.000Z"}, None)
    assert schema(KERNEL).validate(resource), schema(KERNEL).error_log
    identifier = resource.find("d:identifier", NS)
    assert (identifier.get("identifierType"), identifier.text) == ("Handle", "10261/9")
    assert resource.findtext("d:creators/d:creator/d:creatorName", namespaces=NS) == "(:unav)"
    assert resource.findtext("d:titles/d:title", namespaces=NS) == "(:unav)"
    assert resource.findtext("d:publisher", namespaces=NS) == "(:unav)"
    assert resource.findtext("d:publicationYear", namespaces=NS) == "2023"
    assert resource.find("d:resourceType", NS).get("resourceTypeGeneral") == "Other"
    assert resource.find("d:alternateIdentifiers", NS) is None


@pytest.mark.parametrize(
    ("types", "general", "text"),
    [
        (["dataset"], "Dataset", "dataset"),
        (["Dataset", "Anonymised log data"], "Dataset", "Anonymised log data"),
        (["http://purl.org/coar/resource_type/c_5ce6"], "Software", "Software"),
        (["article"], "JournalArticle", "article"),
        (["info:eu-repo/semantics/other", "Model"], "Model", "Model"),
        (["Poster"], "Other", "Poster"),
    ],
)
def test_resource_type_general_from_dc_type(types, general, text):
    resource = item_to_datacite({"metadata": {"dc.type": [mv(t) for t in types]}}, None)
    kind = resource.find("d:resourceType", NS)
    assert (kind.get("resourceTypeGeneral"), kind.text) == (general, text)


def test_oai_datacite_wraps_the_resource(schema):
    wrapper = item_to_oai_datacite(full_item(), None, files=[])
    assert schema("oai-datacite-1.1/oai.xsd").validate(wrapper), schema("oai-datacite-1.1/oai.xsd").error_log
    assert wrapper.findtext("oaidc:schemaVersion", namespaces=NS) == "4.6"
    assert wrapper.findtext("oaidc:datacentreSymbol", namespaces=NS)
    resource = wrapper.find("oaidc:payload/d:resource", NS)
    assert schema(KERNEL).validate(resource), schema(KERNEL).error_log


def test_datacite_xml_bytes_is_a_document(schema):
    data = datacite_xml_bytes(full_item(), None, files=FILES)
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    doc = etree.fromstring(data)
    assert doc.tag == "{http://datacite.org/schema/kernel-4}resource"
    assert schema(KERNEL).validate(doc)
    assert "kernel-4.6/metadata.xsd" in doc.get("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation")


# -- DIM and the store -------------------------------------------------------------------------------------------
def test_dim_holds_every_field_but_provenance():
    dim = item_to_dim(full_item())
    fields = [(f.get("element"), f.get("qualifier"), f.text) for f in dim.iterfind("dim:field", NS)]
    assert ("title", None, "Trained weights for a CNN") in fields
    assert ("relation", "csic", "Sí") in fields
    assert ("description", "abstract", "Weights of a CNN") in fields
    assert not any(q == "provenance" for _, q, _ in fields)
    assert all(f.get("mdschema") == "dc" for f in dim.iterfind("dim:field", NS))
    assert dim.find("dim:field[@element='title']", NS).get("lang") == "en"


@pytest.fixture
def sandbox_state(tmp_path: Path):
    """A sandbox's state (store, config) without a server."""
    env = {"BRIDGE_SANDBOX_ADMIN_PASSWORD": "admin-secret-1", "BRIDGE_SANDBOX_SUBMITTER_PASSWORD": "sub-secret-1"}
    state = create_sandbox(SandboxConfig(data_dir=tmp_path / "data", name="Test repository"), "http://127.0.0.1:9", env)
    yield state
    state.store.close()


def test_files_and_publisher_come_from_the_sandbox(sandbox_state, schema):
    store = sandbox_state.store
    col = store.collections()[0]["uuid"]
    item = store.create_item(col, {"dc.title": [mv("With files")]})
    other = store.create_item(col, {"dc.title": [mv("Without files")]})
    original = store.create_bundle(item["uuid"], "ORIGINAL")
    licence = store.create_bundle(item["uuid"], "LICENSE")
    for bundle, name, mime, data in (
        (original, "weights.h5", "application/x-hdf5", b"abc"),
        (original, "card.md", "text/markdown", b"# card"),
        (licence, "license.txt", "text/plain", b"licence"),
    ):
        storage, size, md5 = store.store_file([data])
        store.create_bitstream(bundle["uuid"], name, storage, size, md5, mime)
    item = store.item(item["uuid"])
    loaded = load_original_files(store, [item["uuid"], other["uuid"]])
    assert [f["mime"] for f in loaded[item["uuid"]]] == ["application/x-hdf5", "text/markdown"]
    assert loaded[other["uuid"]] == []
    dc = item_to_oai_dc(item, sandbox_state)  # files read from the store when not given
    assert dc.xpath("dc:format/text()", namespaces=NS) == ["application/x-hdf5", "text/markdown"]
    resource = item_to_datacite(item, sandbox_state)
    assert resource.xpath("d:sizes/d:size/text()", namespaces=NS) == ["3 bytes", "6 bytes"]
    assert resource.findtext("d:publisher", namespaces=NS) == "Test repository"
    assert schema(KERNEL).validate(resource)
