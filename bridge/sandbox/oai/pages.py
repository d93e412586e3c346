"""OAI-PMH headers, records and lists written as bytes around stored metadata fragments (no XML tree per request).

The markup is the same as lxml writes for the tree in responses.py: the same elements in the same namespace,
texts and attributes escaped the same way; the conformance tests validate it against the OAI-PMH XSD.

A response is a list of pieces: bytes written now, and stored fragments as (xml, deflated). Each fragment is
stored deflated on its own and flushed to a byte boundary (``deflate``), so a gzip response is those blocks in a
row with the bytes written now as uncompressed ("stored") deflate blocks between them (RFC 1951 §3.2.4), a
final empty block, and the CRC-32 and length of the whole (RFC 1952): no compression per request.
"""

from __future__ import annotations

import re
import struct
import zlib
from typing import Any

from bridge.sandbox.oai.responses import OAI_NS, OAI_SCHEMA, is_deleted, now_stamp
from bridge.sandbox.oai.tokens import datestamp
from bridge.sandbox.render.common import XSI

Stored = tuple[bytes, bytes]  # a fragment: its xml, and the same deflated on its own
Piece = bytes | Stored
DECLARATION = b"<?xml version='1.0' encoding='UTF-8'?>\n"
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # deflate, no name, no time, unknown OS
FINAL_BLOCK = b"\x03\x00"  # an empty fixed-Huffman block with BFINAL set
STORED_MAX = 0xFFFF
CLOSE = b"</OAI-PMH>"
_TEXT = {ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;", ord("\r"): "&#13;"}
_SPECIAL = re.compile("[&<>\r]")  # most texts hold none: a search is cheaper than translate
_ATTR = {**_TEXT, ord('"'): "&quot;", ord("\n"): "&#10;", ord("\t"): "&#9;"}


def text(value: str) -> str:
    """Escape character data."""
    return value.translate(_TEXT) if _SPECIAL.search(value) else value


def attr(value: str) -> str:
    """Escape a double-quoted attribute value (whitespace as references, so it survives normalisation)."""
    return value.translate(_ATTR)


def open_envelope(base_url: str, echo: dict[str, str]) -> bytes:
    """Return the XML declaration, `<OAI-PMH>`, `<responseDate>` and the `<request>` echoing the arguments."""
    arguments = "".join(f' {name}="{attr(value)}"' for name, value in echo.items())
    return (
        DECLARATION
        + (
            f'<OAI-PMH xmlns="{OAI_NS}" xmlns:xsi="{XSI}" xsi:schemaLocation="{OAI_NS} {OAI_SCHEMA}">'
            f"<responseDate>{now_stamp()}</responseDate><request{arguments}>{text(base_url)}</request>"
        ).encode()
    )


def set_specs(specs: list[str]) -> bytes:
    """Return the `<setSpec>` elements of a header (computed once per collection, not per record)."""
    return "".join(f"<setSpec>{text(s)}</setSpec>" for s in specs).encode()


def header(row: dict[str, Any], identifier: str, specs: bytes) -> bytes:
    """Return a record `<header>`; withdrawn or undiscoverable items carry status="deleted" (as DSpace)."""
    status = ' status="deleted"' if is_deleted(row) else ""
    head = f"<header{status}><identifier>{text(identifier)}</identifier><datestamp>{datestamp(row['last_modified'])}"
    return head.encode() + b"</datestamp>" + specs + b"</header>"


def record(row: dict[str, Any], identifier: str, specs: bytes) -> list[Piece]:
    """Return a `<record>`: the header, and the row's stored metadata unless the record is deleted."""
    if row.get("xml") is None or is_deleted(row):
        return [b"<record>" + header(row, identifier, specs) + b"</record>"]
    stored = (row["xml"], row["deflated"])
    return [b"<record>" + header(row, identifier, specs) + b"<metadata>", stored, b"</metadata></record>"]


def resumption_token(token: str, complete: int, cursor: int) -> bytes:
    """Return `<resumptionToken>`; an empty token marks the last page of a list."""
    attributes = f'completeListSize="{complete}" cursor="{cursor}"'
    if not token:
        return f"<resumptionToken {attributes}/>".encode()
    return f"<resumptionToken {attributes}>{text(token)}</resumptionToken>".encode()


def deflate(xml: bytes) -> bytes:
    """Return xml as raw deflate blocks that end on a byte boundary and refer to nothing before them."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(xml) + compressor.flush(zlib.Z_FULL_FLUSH)


def size(pieces: list[Piece]) -> int:
    return sum(len(p) if isinstance(p, bytes) else len(p[0]) for p in pieces)


def plain(pieces: list[Piece]) -> bytes:
    return b"".join(p if isinstance(p, bytes) else p[0] for p in pieces)


def gzipped(pieces: list[Piece]) -> bytes:
    """Return the pieces as one gzip member: the fragments' stored deflate blocks, the rest as stored blocks."""
    out = [GZIP_HEADER]
    crc = length = 0
    raw = bytearray()

    def flush_raw() -> None:
        for start in range(0, len(raw), STORED_MAX):
            chunk = raw[start : start + STORED_MAX]
            out.append(struct.pack("<BHH", 0, len(chunk), len(chunk) ^ 0xFFFF) + chunk)
        raw.clear()

    for piece in pieces:
        data = piece if isinstance(piece, bytes) else piece[0]
        crc = zlib.crc32(data, crc)
        length += len(data)
        if isinstance(piece, bytes):
            raw += piece
        else:
            flush_raw()
            out.append(piece[1])
    flush_raw()
    out += [FINAL_BLOCK, struct.pack("<II", crc, length & 0xFFFFFFFF)]
    return b"".join(out)
