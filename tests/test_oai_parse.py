"""The safe page parser: strict first, then repair, then recover; lossy records; refusals."""

from __future__ import annotations

import pytest

from bridge.oai.parse import NS, NotOAI, TruncatedBody, parse_page, record_is_lossy


def page(records: str, token: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">\n'
        "<responseDate>2026-11-25T12:00:00Z</responseDate>\n"
        '<request verb="ListRecords">http://127.0.0.1/oai</request>\n'
        f"<ListRecords>\n{records}\n{token}</ListRecords>\n</OAI-PMH>\n"
    ).encode()


def record(n: int, title: str) -> str:
    return (
        f"<record>\n<header><identifier>oai:x.test:10261/{n}</identifier>"
        f"<datestamp>2026-11-0{n}T00:00:00Z</datestamp></header>\n"
        '<metadata><oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
        f'xmlns:dc="http://purl.org/dc/elements/1.1/">\n<dc:title>{title}</dc:title>\n</oai_dc:dc></metadata>\n'
        "</record>"
    )


def test_clean_page_is_parsed_strictly() -> None:
    parsed = parse_page(page(record(1, "fine") + record(2, "also fine")))
    assert not parsed.lossy
    assert len(parsed.root.findall("oai:ListRecords/oai:record", NS)) == 2


@pytest.mark.parametrize("bad", ["\x01", "&#1;", "&#x1F;", "\x0b"])
def test_forbidden_characters_are_stripped_and_only_that_record_is_lossy(bad: str) -> None:
    parsed = parse_page(page(record(1, "fine") + "\n" + record(2, f"broken{bad}title") + "\n" + record(3, "fine")))
    assert parsed.lossy
    recs = parsed.root.findall("oai:ListRecords/oai:record", NS)
    assert len(recs) == 3
    flags = [
        record_is_lossy(parsed, r, recs[i + 1].sourceline if i + 1 < len(recs) else None) for i, r in enumerate(recs)
    ]
    assert flags == [False, True, False]
    assert recs[1].findtext(".//{http://purl.org/dc/elements/1.1/}title") == "brokentitle"


def test_allowed_character_references_are_kept() -> None:
    parsed = parse_page(page(record(1, "tab&#9;and &#233;")))
    assert not parsed.lossy
    assert parsed.root.findtext(".//{http://purl.org/dc/elements/1.1/}title") == "tab\tand é"


def test_invalid_utf8_is_replaced_and_marked() -> None:
    body = page(record(1, "ok") + "\n" + record(2, "cafXX")).replace(b"cafXX", b"caf\xe9")
    parsed = parse_page(body)
    assert parsed.lossy
    recs = parsed.root.findall("oai:ListRecords/oai:record", NS)
    assert "\ufffd" in recs[1].findtext(".//{http://purl.org/dc/elements/1.1/}title")
    assert record_is_lossy(parsed, recs[1], None) and not record_is_lossy(parsed, recs[0], recs[1].sourceline)


def test_truncated_body_asks_for_a_retry() -> None:
    body = page(record(1, "a") + record(2, "b"))
    with pytest.raises(TruncatedBody):
        parse_page(body[: len(body) // 2])


@pytest.mark.parametrize(
    ("body", "match"),
    [
        (b"<html><body>Service temporarily down</body></html>", "not an OAI-PMH response"),
        (b'{"error": "nope"}', "OAI-PMH"),
        (b"   ", "empty response"),
    ],
)
def test_non_oai_bodies_are_refused(body: bytes, match: str) -> None:
    with pytest.raises(NotOAI, match=match):
        parse_page(body, url="http://127.0.0.1/oai", content_type="text/html")


def test_entity_bomb_is_refused_not_expanded() -> None:
    bomb = (
        b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>\n'
        b'<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>&lol3;</responseDate></OAI-PMH>'
    )
    with pytest.raises(NotOAI, match="DTD"):
        parse_page(bomb)


def test_external_entities_are_never_fetched() -> None:
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>&x;</responseDate></OAI-PMH>'
    )
    with pytest.raises(NotOAI, match="DTD"):
        parse_page(xxe)
