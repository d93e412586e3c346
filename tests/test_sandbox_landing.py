"""The sandbox's landing pages, FAIR Signposting and bitstream downloads."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest
from lxml import html

from bridge.sandbox.landing import content_disposition
from bridge.sandbox.store import metadata_value


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    """One HTTP client per module: building an httpx client (its TLS context) costs more than a request."""
    with httpx.Client(timeout=30) as client:
        yield client


TITLE = 'Weights <script>alert("x")</script> & logs'
DOI = "10.5072/ab12-cd34"
LICENSE = "https://creativecommons.org/licenses/by/4.0/"


def make_item(sandbox, *, doi: bool = True, files: int = 2, **fields: str) -> dict:
    store = sandbox.store
    md = {
        "dc.title": [metadata_value(TITLE)],
        "dc.contributor.author": [metadata_value("Doe, Jane"), metadata_value("Roe, Richard")],
        "dc.date.issued": [metadata_value("2025-03-01")],
        "dc.description.abstract": [metadata_value("Trained on anonymised logs.")],
        "dc.rights.uri": [metadata_value(LICENSE)],
        "dc.type": [metadata_value("Dataset")],
    }
    if doi:
        md["dc.identifier.doi"] = [metadata_value(f"https://doi.org/{DOI}")]
    md.update({k: [metadata_value(v)] for k, v in fields.items()})
    item = store.create_item(store.collections()[0]["uuid"], md)
    bundle = store.bundle_named(item["uuid"], "ORIGINAL")
    for n in range(files):
        content = f"file {n} ".encode() * (n + 3)
        storage, size, md5 = store.store_file([content])
        store.create_bitstream(bundle["uuid"], f"part {n}.bin", storage, size, md5, "application/octet-stream")
    return store.item(item["uuid"])


def parse_links(header: str) -> list[dict[str, str]]:
    """Parse an RFC 8288 Link header into [{href, rel, type?}]."""
    links = []
    for target, params in re.findall(r"<([^>]*)>((?:\s*;\s*[a-z*]+=\"[^\"]*\")*)", header):
        link = {"href": target}
        link.update(dict(re.findall(r'([a-z*]+)="([^"]*)"', params)))
        links.append(link)
    return links


def test_landing_page_has_citation_tags_and_json_ld(sandbox, http):
    item = make_item(sandbox)
    r = http.get(f"{sandbox.base_url}/handle/{item['handle']}")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "<script>alert" not in r.text  # metadata is escaped
    page = html.fromstring(r.content)
    meta = {}
    for element in page.xpath("//meta[@name]"):
        meta.setdefault(element.get("name"), []).append(element.get("content"))
    assert meta["citation_title"] == [TITLE]
    assert meta["citation_author"] == ["Doe, Jane", "Roe, Richard"]
    assert meta["citation_publication_date"] == ["2025-03-01"]
    assert meta["citation_doi"] == [DOI]
    assert page.xpath("//h1")[0].text_content() == TITLE
    scripts = page.xpath('//script[@type="application/ld+json"]')
    assert len(scripts) == 1
    data = json.loads(scripts[0].text)
    handle_url = f"{sandbox.base_url}/{item['handle']}"
    assert data["@type"] == "Dataset" and data["name"] == TITLE
    assert data["identifier"] == [f"https://doi.org/{DOI}", handle_url]
    assert data["@id"] == f"https://doi.org/{DOI}"
    assert [a["familyName"] for a in data["author"]] == ["Doe", "Roe"]
    assert data["datePublished"] == "2025-03-01" and data["license"] == LICENSE
    urls = [d["contentUrl"] for d in data["distribution"]]
    assert urls == [f"{sandbox.base_url}/bitstream/{item['handle']}/{n}/part%20{n - 1}.bin" for n in (1, 2)]
    assert data["distribution"][0]["encodingFormat"] == "application/octet-stream"


def test_landing_page_signposting_link_header(sandbox, http):
    item = make_item(sandbox)
    links = parse_links(http.get(f"{sandbox.base_url}/handle/{item['handle']}").headers["link"])
    by_rel: dict[str, list[dict[str, str]]] = {}
    for link in links:
        by_rel.setdefault(link["rel"], []).append(link)
    assert [x["href"] for x in by_rel["cite-as"]] == [f"https://doi.org/{DOI}"]
    described = by_rel["describedby"][0]
    assert described["type"] == "application/vnd.datacite.datacite+xml"
    assert described["href"] == f"{sandbox.base_url}/server/signposting/describedby/{item['uuid']}"
    assert len(by_rel["item"]) == 2 and all(x["type"] == "application/octet-stream" for x in by_rel["item"])
    assert [x["href"] for x in by_rel["license"]] == [LICENSE]
    assert {x["href"] for x in by_rel["type"]} == {"https://schema.org/AboutPage", "https://schema.org/Dataset"}
    assert {x["type"] for x in by_rel["linkset"]} == {"application/linkset", "application/linkset+json"}
    for link in by_rel["item"]:  # every typed item link can be downloaded
        assert http.get(link["href"]).status_code == 200


def test_cite_as_is_the_handle_url_without_doi(sandbox, http):
    item = make_item(sandbox, doi=False)
    r = http.get(f"{sandbox.base_url}/handle/{item['handle']}")
    cite = [x["href"] for x in parse_links(r.headers["link"]) if x["rel"] == "cite-as"]
    assert cite == [f"{sandbox.base_url}/{item['handle']}"]
    assert not html.fromstring(r.content).xpath('//meta[@name="citation_doi"]')


def test_untrusted_urls_cannot_break_the_link_header(sandbox, http):
    doi = '10.5072/x>; rel="evil"\r\nX-Evil: 1'
    item = make_item(sandbox, doi=False, **{"dc.identifier.doi": doi, "dc.rights.uri": 'https://e.example/a b"<>'})
    r = http.get(f"{sandbox.base_url}/handle/{item['handle']}")
    assert r.status_code == 200 and "x-evil" not in r.headers
    links = parse_links(r.headers["link"])
    assert [x["rel"] for x in links].count("evil") == 0
    cite = next(x["href"] for x in links if x["rel"] == "cite-as")
    assert cite == "https://doi.org/10.5072/x%3E;%20rel=%22evil%22%0D%0AX-Evil:%201"
    assert next(x["href"] for x in links if x["rel"] == "license") == "https://e.example/a%20b%22%3C%3E"


def test_many_files_leave_only_linksets_in_the_header(sandbox, http):
    item = make_item(sandbox, files=10)
    links = parse_links(http.get(f"{sandbox.base_url}/handle/{item['handle']}").headers["link"])
    assert {x["rel"] for x in links} == {"linkset"}


def test_linkset_json_and_text(sandbox, http):
    item = make_item(sandbox)
    landing = f"{sandbox.base_url}/handle/{item['handle']}"
    r = http.get(f"{sandbox.base_url}/server/signposting/linksets/{item['uuid']}/json")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/linkset+json")
    contexts = r.json()["linkset"]
    assert contexts[0]["anchor"] == landing
    assert contexts[0]["cite-as"] == [{"href": f"https://doi.org/{DOI}"}]
    assert len(contexts[0]["item"]) == 2 and contexts[0]["item"][0]["type"] == "application/octet-stream"
    assert [c["collection"] for c in contexts[1:3]] == [[{"href": landing, "type": "text/html"}]] * 2
    assert contexts[3]["describes"] == [{"href": landing, "type": "text/html"}]
    text = http.get(f"{sandbox.base_url}/server/signposting/linksets/{item['uuid']}")
    assert text.headers["content-type"].startswith("application/linkset")
    assert f'<https://doi.org/{DOI}>; rel="cite-as"; anchor="{landing}"' in text.text
    typed = http.get(f"{sandbox.base_url}/server/signposting/links/{item['uuid']}").json()
    assert {"href": f"https://doi.org/{DOI}", "rel": "cite-as"} in typed


def test_describedby_serves_valid_datacite_xml(sandbox, assert_valid, http):
    item = make_item(sandbox)
    r = http.get(f"{sandbox.base_url}/server/signposting/describedby/{item['uuid']}")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/vnd.datacite.datacite+xml")
    doc = assert_valid(r.content, "datacite/kernel-4.6/metadata.xsd")
    ns = {"d": "http://datacite.org/schema/kernel-4"}
    assert doc.xpath("string(d:identifier)", namespaces=ns).lower() == DOI


def test_bitstream_download(sandbox, http):
    item = make_item(sandbox)
    url = f"{sandbox.base_url}/bitstream/{item['handle']}/2/part%201.bin"
    r = http.get(url)
    assert r.status_code == 200
    assert r.content == b"file 1 " * 4
    assert r.headers["content-length"] == str(len(b"file 1 " * 4))
    assert r.headers["content-type"] == "application/octet-stream"
    assert r.headers["content-disposition"] == "attachment; filename=\"part 1.bin\"; filename*=UTF-8''part%201.bin"
    parent = [x for x in parse_links(r.headers["link"]) if x["rel"] == "collection"]
    assert parent == [{"href": f"{sandbox.base_url}/handle/{item['handle']}", "rel": "collection", "type": "text/html"}]
    assert http.get(f"{sandbox.base_url}/bitstream/{item['handle']}/9/part%201.bin").status_code == 404
    assert http.get(f"{sandbox.base_url}/bitstream/{item['handle']}/2/other.bin").status_code == 404
    legacy = http.get(f"{sandbox.base_url}/bitstream/handle/{item['handle']}/part%201.bin", params={"sequence": 2})
    assert legacy.content == r.content


def test_download_names_are_quoted(sandbox, http):
    item = make_item(sandbox, files=0)
    bundle = sandbox.store.bundle_named(item["uuid"], "ORIGINAL")
    storage, size, md5 = sandbox.store.store_file([b"x"])
    name = 'dir/ñ"a;b.txt'
    sandbox.store.create_bitstream(bundle["uuid"], name, storage, size, md5, "text/plain")
    r = http.get(f"{sandbox.base_url}/bitstream/{item['handle']}/1/{quote(name, safe='/')}")
    assert r.status_code == 200 and r.content == b"x"
    assert r.headers["content-disposition"] == "attachment; filename=\"__a;b.txt\"; filename*=UTF-8''%C3%B1%22a%3Bb.txt"


def test_content_disposition_drops_control_characters():
    value = content_disposition('x/a"\r\nX-Evil: 1.txt')
    assert "\r" not in value and "\n" not in value
    assert value.startswith('attachment; filename="a_X-Evil: 1.txt"; ')


def test_withdrawn_item_is_a_410_tombstone(sandbox, http):
    item = make_item(sandbox)
    sandbox.store.update_item(item["uuid"], withdrawn=True)
    r = http.get(f"{sandbox.base_url}/handle/{item['handle']}")
    assert r.status_code == 410
    assert "withdrawn" in r.text and "citation_title" not in r.text and "link" not in r.headers
    assert http.get(f"{sandbox.base_url}/bitstream/{item['handle']}/1/part%200.bin").status_code == 410
    assert http.get(f"{sandbox.base_url}/server/signposting/linksets/{item['uuid']}/json").status_code == 404
    # the handle still resolves to the landing page, as DSpace's does
    assert http.get(f"{sandbox.base_url}/{item['handle']}").status_code == 302


def test_private_item_has_no_signposting(sandbox, http):
    item = make_item(sandbox)
    sandbox.store.update_item(item["uuid"], discoverable=False)
    r = http.get(f"{sandbox.base_url}/handle/{item['handle']}")
    assert r.status_code == 200 and "link" not in r.headers
    assert http.get(f"{sandbox.base_url}/server/signposting/links/{item['uuid']}").status_code == 403


@pytest.mark.parametrize("path", ["/handle/10261/999999", "/server/signposting/linksets/not-a-uuid/json"])
def test_unknown_things_are_404(sandbox, path, http):
    assert http.get(sandbox.base_url + path).status_code == 404
