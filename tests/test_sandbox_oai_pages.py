"""The sandbox's gzip responses spliced from stored deflate fragments decompress to exactly the plain response."""

from __future__ import annotations

import gzip
import os
import random
import zlib

from bridge.sandbox.oai import pages


def test_spliced_gzip_is_one_valid_member_with_the_right_crc_and_length() -> None:
    rng = random.Random(7)
    pieces: list[pages.Piece] = [b""]
    for i in range(60):
        xml = f"<dc>{'é' * rng.randrange(0, 300)}{i}</dc>".encode()
        pieces += [b"<record>" * rng.randrange(0, 4), (xml, pages.deflate(xml))]
    pieces.append(os.urandom(70_000))  # written bytes longer than one stored block can hold
    pieces.append((b"", pages.deflate(b"")))
    plain = pages.plain(pieces)
    body = pages.gzipped(pieces)
    assert gzip.decompress(body) == plain  # checks the CRC-32 and the length in the trailer
    decoder = zlib.decompressobj(zlib.MAX_WBITS | 16)  # as httpx decodes Content-Encoding: gzip
    assert decoder.decompress(body) == plain and decoder.eof and decoder.unused_data == b""
    assert pages.size(pieces) == len(plain)


def test_text_and_attributes_are_escaped() -> None:
    assert pages.text("a<b & c>d\r") == "a&lt;b &amp; c&gt;d&#13;"
    assert pages.text("plain") == "plain"
    assert pages.attr('x"y\n\tz&') == "x&quot;y&#10;&#9;z&amp;"
