"""Issue 15.2: DTDs anywhere in a document are refused by what the parser saw, not by peeking at its first bytes;
issue 14 §4: a record over the record limit is skipped while the page streams, never held whole."""

from __future__ import annotations

import socket

import pytest
from lxml import etree
from netserver import answer, raw_server

from bridge.oai.client import OAIClient
from bridge.oai.parse import NotOAI, parse_page, record_is_lossy
from bridge.xmlsafe import DoctypeRefused, parse_untrusted

OAI = "http://www.openarchives.org/OAI/2.0/"
HEAD = f'<OAI-PMH xmlns="{OAI}"><responseDate>2026-01-01T00:00:00Z</responseDate><request>x</request>'


def page(records: str, token: str = "") -> bytes:
    rt = f"<resumptionToken>{token}</resumptionToken>" if token else ""
    return f"{HEAD}<ListRecords>{records}{rt}</ListRecords></OAI-PMH>".encode()


def record(identifier: str, body: str) -> str:
    return (
        f"<record><header><identifier>{identifier}</identifier><datestamp>2026-01-01</datestamp></header>"
        f'<metadata><oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
        f'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>{body}</dc:title></oai_dc:dc></metadata></record>'
    )


LATE_DTD = b'<?xml version="1.0"?>\n<!--' + b"c" * 4096 + b'-->\n<!DOCTYPE OAI-PMH [<!ENTITY x "XXE">]>\n'


def test_a_doctype_after_a_4_kb_comment_is_refused() -> None:
    body = LATE_DTD + page(record("oai:x:1", "&x;"))
    with pytest.raises(NotOAI) as info:
        parse_page(body, url="http://127.0.0.1/oai")
    assert "DTD" in info.value.message and "http://127.0.0.1/oai" in info.value.message


def test_an_entity_bomb_is_inert_then_refused() -> None:
    bomb = b'<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">' + b"".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'.encode() for i in range(8)
    )
    with pytest.raises(etree.XMLSyntaxError):  # libxml2's amplification guard, or DoctypeRefused: never expanded
        parse_untrusted(bomb + b"]><r>&i;</r>")
    with pytest.raises(DoctypeRefused):  # a small, harmless-looking DTD is refused all the same
        parse_untrusted(b'<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">]><r>&a;</r>')


def test_a_doctype_inside_the_document_marks_the_page_lossy() -> None:
    body = page(record("oai:x:1", "fine") + "\n<!DOCTYPE x>\n" + record("oai:x:2", "after"))
    parsed = parse_page(body, url="u")
    assert parsed.lossy  # recovered: the DOCTYPE cannot stand there; every record is marked, none silently empty
    first = parsed.root.find(f"{{{OAI}}}ListRecords/{{{OAI}}}record")
    assert first is not None and record_is_lossy(parsed, first, None)


def test_an_unexpanded_entity_marks_its_record_lossy() -> None:
    body = page(record("oai:x:1", "ok") + "\n" + record("oai:x:2", "R&amp;D &undefined; end"))
    parsed = parse_page(body, url="u")
    records = parsed.root.findall(f"{{{OAI}}}ListRecords/{{{OAI}}}record")
    assert parsed.lossy and len(records) == 2


@pytest.mark.parametrize("xml", [b'<?xml version="1.0"?><!DOCTYPE e SYSTEM "http://x/e.dtd"><e/>', LATE_DTD + b"<e/>"])
def test_every_untrusted_parse_refuses_a_dtd(xml: bytes) -> None:
    with pytest.raises(etree.XMLSyntaxError, match="DTD"):
        parse_untrusted(xml)


def test_a_record_over_the_limit_is_skipped_and_the_page_goes_on() -> None:
    big = "x" * 300_000  # over the 100 KB record limit below; the page is spooled and parsed in chunks
    body = page(record("oai:x:1", "small") + record("oai:x:2", big) + record("oai:x:3", "small too"), "tok-2")

    def serve(conn: socket.socket, head: bytes) -> None:
        answer(conn, "200 OK", {"Content-Type": "text/xml"}, body)

    from bridge.http_bounds import NetLimits

    with raw_server(serve) as url, OAIClient(f"{url}/oai", limits=NetLimits(max_record=100_000)) as oai:
        got = oai.harvest(verb="ListRecords", metadataPrefix="oai_dc")
    ids = [e.findtext(f"{{{OAI}}}header/{{{OAI}}}identifier") for e in got.xml.iter(f"{{{OAI}}}record")]
    assert ids == ["oai:x:1", "oai:x:3"]
    assert [(o.position, o.identifier) for o in got.oversized] == [(2, "oai:x:2")]
    assert got.oversized[0].size > 300_000
    token = got.resumption_token()
    assert token is not None and token.token == "tok-2"
