"""Every recorded real OAI-PMH response in fixtures/real/oai/ (sources in fixtures/real/SOURCES), served over HTTP
(a raw server on 127.0.0.1, or MockTransport for the VCR cassette) and parsed: identifiers, datestamps, deleted
status, sets, tokens; the deliberately broken ones end in one-line errors or, for a bad earliestDatestamp, a warning."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import yaml
from netserver import answer, raw_server, request_path
from typer.testing import CliRunner

from bridge.cli import app
from bridge.errors import BadResumptionToken
from bridge.harvest import Harvester, Scope
from bridge.http import RetryPolicy, make_client
from bridge.ledger import Ledger
from bridge.oai.client import OAIClient
from bridge.oai.parse import NS, NotOAI
from bridge.oai.records import parse_metadata, parse_record

REAL = Path(__file__).resolve().parent.parent / "fixtures" / "real" / "oai"
runner = CliRunner()
Route = Callable[[dict[str, str]], str]


def serving(route: Route) -> Callable[[socket.socket, bytes], None]:
    """A raw handler answering each request with the real file `route(params)` names."""

    def handle(conn: socket.socket, head: bytes) -> None:
        params = {k: v[0] for k, v in parse_qs(urlsplit(request_path(head)).query).items()}
        answer(conn, "200 OK", {"Content-Type": "text/xml; charset=utf-8"}, (REAL / route(params)).read_bytes())

    return handle


def identify_with(name: str) -> Route:
    def route(params: dict[str, str]) -> str:
        if params.get("verb") == "Identify":
            return name
        token = params.get("resumptionToken")
        return "sickle-ListRecords4-deleted.xml" if token == "ListRecords4.xml" else "sickle-ListRecords3-token.xml"

    return route


def client(url: str) -> OAIClient:
    return OAIClient(f"{url}/oai", policy=RetryPolicy(attempts=1))


@pytest.mark.parametrize(
    ("name", "repository", "granularity", "earliest", "deleted"),
    [
        ("erasmus-dspace-Identify.xml", "Erasmus University : Research Online", "YYYY-MM-DDThh:mm:ssZ",
         "2001-01-01T00:00:00Z", "no"),
        ("sickle-Identify.xml", "A Test Repository", "YYYY-MM-DD", "1970-01-01T00:00:00Z", "persistent"),
        ("erasmus-ep-Identify-bad-earliestDatestamp.xml", "DSpace at Erasmus", "YYYY-MM-DDThh:mm:ssZ",
         "aaaa-bb-cc", "persistent"),
    ],
)  # fmt: skip
def test_identify(name: str, repository: str, granularity: str, earliest: str, deleted: str) -> None:
    with raw_server(serving(lambda p: name)) as url, client(url) as oai:
        ident = oai.identify()
    assert (ident.repository_name, ident.granularity, ident.earliest_datestamp, ident.deleted_record) == (
        repository,
        granularity,
        earliest,
        deleted,
    )


def test_erasmus_identify_lists_three_compressions() -> None:
    with raw_server(serving(lambda p: "erasmus-dspace-Identify.xml")) as url, client(url) as oai:
        assert oai.identify().compression == ["gzip", "compress", "deflate"]


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("erasmus-ep-Identify-bogus-wrapper.xml", "malformed"),
        ("erasmus-ep-Identify-undefined-entity.xml", "bogus"),
    ],
)
def test_broken_identify_is_a_one_line_error(name: str, says: str) -> None:
    with raw_server(serving(lambda p: name)) as url:
        result = runner.invoke(app, ["harvest", "--endpoint", f"{url}/oai"])
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines[0].startswith("error:") and says in lines[0] and "Traceback" not in result.output
    assert "internal error" not in result.output


def test_undefined_entity_is_never_resolved() -> None:
    with (
        raw_server(serving(lambda p: "erasmus-ep-Identify-undefined-entity.xml")) as url,
        client(url) as oai,
        pytest.raises(NotOAI) as info,
    ):
        oai.identify()
    assert "bogus" in info.value.message


def test_bad_earliest_datestamp_falls_back_to_no_from_with_a_warning(tmp_path: Path) -> None:
    requests: list[dict[str, str]] = []
    route = identify_with("erasmus-ep-Identify-bad-earliestDatestamp.xml")

    def logged(params: dict[str, str]) -> str:
        requests.append(params)
        return route(params)

    with raw_server(serving(logged)) as url, client(url) as oai, Ledger(tmp_path / "l.sqlite") as ledger:
        stats = Harvester(oai, ledger).run(Scope(f"{url}/oai", "oai_dc"), window_size="month", parallel=2)
    assert stats.complete, stats.errors
    assert any("aaaa-bb-cc" in w and "provider" in w for w in stats.warnings)
    listing = [r for r in requests if r.get("verb") == "ListRecords" and "resumptionToken" not in r]
    assert listing and all("from" not in r for r in listing)


def test_the_cli_prints_the_earliest_datestamp_warning() -> None:
    with raw_server(serving(identify_with("erasmus-ep-Identify-bad-earliestDatestamp.xml"))) as url:
        result = runner.invoke(app, ["harvest", "--endpoint", f"{url}/oai"])
    assert result.exit_code == 0, result.output
    assert "aaaa-bb-cc" in result.output and "without --from" in result.output


def test_sickle_token_chain_harvests_deleted_and_live_records(tmp_path: Path) -> None:
    requests: list[dict[str, str]] = []
    route = identify_with("sickle-Identify.xml")

    def logged(params: dict[str, str]) -> str:
        requests.append(params)
        return route(params)

    with raw_server(serving(logged)) as url, client(url) as oai, Ledger(tmp_path / "l.sqlite") as ledger:
        stats = Harvester(oai, ledger).run(Scope(f"{url}/oai", "oai_dc"))
        rows = ledger.query("SELECT identifier, datestamp, deleted, metadata FROM record ORDER BY identifier")
    assert stats.complete and stats.pages == 2 and stats.complete_list_size == 8
    assert [r.get("resumptionToken") for r in requests if r["verb"] == "ListRecords"] == [None, "ListRecords4.xml"]
    assert [(r["identifier"], r["datestamp"], bool(r["deleted"])) for r in rows] == [
        ("oai:test.example.com:1585310", "2011-07-18T16:31:00Z", True),
        ("oai:test.example.com:1585322", "2011-01-10T10:19:23Z", False),
    ]
    assert sum(1 for r in requests if r["verb"] == "Identify") == 1  # one chain: Identify, then two pages


def test_sickle_page_fields() -> None:
    with raw_server(serving(lambda p: "sickle-ListRecords3-token.xml")) as url, client(url) as oai:
        page = oai.harvest(verb="ListRecords", metadataPrefix="oai_dc")
    token = page.resumption_token()
    assert token is not None and (token.token, token.cursor, token.complete_list_size) == ("ListRecords4.xml", "0", "8")
    deleted, live = (parse_record(e, "oai_dc", lossy=False) for e in page.xml.findall("oai:ListRecords/oai:record", NS))
    assert deleted.deleted and deleted.metadata is None
    assert not live.deleted and live.metadata is not None
    assert live.metadata["title"] == ["Sample Title"] and live.metadata["creator"].count("John Doe") == 4


def test_sickle_list_identifiers_with_a_doubled_delimiter() -> None:
    with raw_server(serving(lambda p: "sickle-ListIdentifiers2.xml")) as url, client(url) as oai:
        page = oai.harvest(verb="ListIdentifiers", metadataPrefix="oai_dc")
    headers = [parse_record(h, "oai_dc", lossy=False) for h in page.xml.findall("oai:ListIdentifiers/oai:header", NS)]
    assert [(h.identifier, h.deleted) for h in headers] == [
        ("oai:test.example.com::1585310", False),
        ("oai:test.example.com::1585576", True),
    ]
    assert page.resumption_token() is None


def test_sickle_bad_resumption_token() -> None:
    with (
        raw_server(serving(lambda p: "sickle-badResumptionToken.xml")) as url,
        client(url) as oai,
        pytest.raises(BadResumptionToken) as info,
    ):
        oai.harvest(verb="ListSets", resumptionToken="expired")
    assert "This resumptionToken is invalid" in info.value.message


@pytest.mark.parametrize(
    ("name", "identifier", "datestamp", "sets", "deleted", "field", "value"),
    [
        ("erasmus-dspace-GetRecord.xml", "hdl:1765/315", "2003-04-22T13:13:44Z", ["2:7"], False, "language", ["nl"]),
        ("erasmus-dspace-GetRecord-deleted.xml", "hdl:1765/1160", "2004-02-16T13:29:54Z", ["1:1", "1:1"], True, None,
         None),
        ("arxiv-GetRecord-arXiv.xml", "oai:arXiv.org:1512.07978", "2015-12-29", ["physics:astro-ph"], False, "doi",
         ["10.1103/PhysRevD.93.016005"]),
    ],
)  # fmt: skip
def test_get_record(
    name: str, identifier: str, datestamp: str, sets: list[str], deleted: bool, field: str | None, value: object
) -> None:
    prefix = "arXiv" if "arxiv" in name else "oai_dc"
    with raw_server(serving(lambda p: name)) as url, client(url) as oai:
        page = oai.harvest(verb="GetRecord", identifier=identifier, metadataPrefix=prefix)
    element = page.xml.find("oai:GetRecord/oai:record", NS)
    assert element is not None
    record = parse_record(element, prefix, lossy=False)
    assert (record.identifier, record.datestamp, record.sets, record.deleted) == (identifier, datestamp, sets, deleted)
    if field is None:
        assert record.metadata is None
    else:
        assert record.metadata is not None and record.metadata[field] == value


def test_erasmus_list_sets_keeps_hierarchy_and_spaces() -> None:
    with raw_server(serving(lambda p: "erasmus-dspace-ListSets.xml")) as url, client(url) as oai:
        page = oai.harvest(verb="ListSets")
    specs = [s.text for s in page.xml.findall("oai:ListSets/oai:set/oai:setSpec", NS)]
    names = [s.text for s in page.xml.findall("oai:ListSets/oai:set/oai:setName", NS)]
    assert specs[:4] == ["3", "3:5", "1", "1:2"] and len(specs) == 10
    assert "ERIM Report Series Research in Management " in names
    assert "World Database of Happiness -  Summary reports" in names


def test_erasmus_oai_dc_without_envelope() -> None:
    from lxml import etree

    root = etree.fromstring((REAL / "erasmus-dspace-oai_dc-metadata.xml").read_bytes())
    fields = parse_metadata(root, "oai_dc")
    assert fields["language"] == ["nl"] and "90-9014980-5" in fields["identifier"]
    assert fields["date"] == ["2003-04-22T13:13:44Z"] * 3


def test_scythe_cassette_html_page_then_two_real_providers() -> None:
    cassette = yaml.safe_load((REAL / "zenodo-eperiodica-Identify.cassette.yaml").read_text(encoding="utf-8"))
    answers = {
        urlsplit(i["request"]["uri"]).netloc: (i["response"]["status"]["code"], i["response"]["body"]["string"])
        for i in cassette["interactions"]
    }

    def handler(request: httpx.Request) -> httpx.Response:  # the cassette's own recorded exchanges
        status, body = answers[request.url.host]
        return httpx.Response(status, content=body.encode("utf-8"))

    def oai(base: str) -> OAIClient:
        return OAIClient(base, client=make_client(transport=httpx.MockTransport(handler)), policy=RetryPolicy(1))

    with pytest.raises(NotOAI):
        oai("https://httpbun.com/html").identify()
    periodica = oai("https://www.e-periodica.ch/oai/dataprovider").identify()
    assert (periodica.repository_name, periodica.earliest_datestamp, periodica.deleted_record) == (
        "repository.prod",
        "2013-12-09T21:21:34Z",
        "no",
    )
    zenodo = oai("https://zenodo.org/oai2d").identify()
    assert (zenodo.repository_name, zenodo.earliest_datestamp) == ("Zenodo", "2014-02-03T14:41:33Z")


def test_every_real_oai_file_is_tested_here() -> None:
    source = Path(__file__).read_text(encoding="utf-8")
    assert all(p.name in source for p in REAL.iterdir() if p.is_file())


def test_an_identify_with_a_stray_control_character_is_repaired_not_refused() -> None:
    body = (REAL / "erasmus-dspace-Identify.xml").read_bytes().replace(b"Research Online", b"Research\x0b Online")

    def handle(conn: socket.socket, head: bytes) -> None:
        answer(conn, "200 OK", {"Content-Type": "text/xml"}, body)

    with raw_server(handle) as url, client(url) as oai:
        assert oai.identify().repository_name == "Erasmus University : Research Online"
