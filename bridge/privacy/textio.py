"""Read a leaf stream as blocks of whole lines in an ASCII-compatible form, and write them back the same way.

The finders work on bytes and look only for ASCII, so text in any ASCII-compatible encoding (UTF-8,
Latin-1, cp1252, and binary data with text inside) is scanned as it is. UTF-16 and UTF-32 (with or
without a BOM) are not ASCII-compatible: charset-normalizer recognises them, and they are transcoded
to UTF-8 for the finders and back again for the anonymiser. NUL padding is left in place: a NUL is a
boundary like a space, so a log preceded by NUL bytes is still read.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from typing import IO

import charset_normalizer

BLOCK = 1 << 20
MAX_LINE = 8 << 20  # a "line" longer than this is cut, so memory stays bounded on binary junk
SNIFF = 16384
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))  # fmt: skip
_WIDE = ("utf_16", "utf_32")


def classify(sample: bytes) -> tuple[str | None, bool]:
    """Return (codec, is_text): the codec of UTF-16/32 text (None for ASCII-compatible bytes) and whether it is text."""
    for bom, codec in _BOMS:  # UTF-32 LE first: its BOM starts with the UTF-16 LE one
        if sample.startswith(bom):
            return codec, True
    if not sample.strip(b"\x00"):
        return None, True
    if b"\x00" not in sample and _utf8(sample):
        return None, True  # valid UTF-8 (ASCII included) is text: no detection needed
    best = charset_normalizer.from_bytes(sample[:SNIFF]).best()
    if best is not None and best.encoding.startswith(_WIDE):
        return best.encoding, True
    body = sample.lstrip(b"\x00")  # NUL padding before a log (a crash, a pre-allocated file)
    if body is not sample and b"\x00" not in body:
        best = charset_normalizer.from_bytes(body[:SNIFF]).best()
    return None, best is not None and b"\x00" not in body


def _utf8(sample: bytes) -> bool:
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start >= len(sample) - 3 and exc.reason == "unexpected end of data"  # cut mid-character
    return True


def printable_around(block: bytes, start: int, end: int, need: int = 10) -> bool:
    """Return True when [start, end) sits in a run of at least ``need`` printable bytes (text inside binary data)."""
    lo, hi = start, end
    while lo > 0 and hi - lo < need and 0x20 <= block[lo - 1] < 0x7F:
        lo -= 1
    while hi < len(block) and hi - lo < need and 0x20 <= block[hi] < 0x7F:
        hi += 1
    return hi - lo >= need


def blocks(raw: IO[bytes], codec: str | None, first: bytes = b"") -> Iterator[bytes]:
    """Yield the stream as blocks of whole lines (the last may lack its newline), UTF-8 if transcoded."""
    decoder = codecs.getincrementaldecoder(codec)("replace") if codec else None
    pending = [first] if first else []
    carry = b""
    while True:
        data = pending.pop() if pending else raw.read(BLOCK)
        eof = not data
        if decoder is not None:
            data = decoder.decode(data, final=eof).encode("utf-8", "surrogatepass")
        buffer = carry + data
        if eof:
            if buffer:
                yield buffer
            return
        cut = buffer.rfind(b"\n") + 1
        if cut == 0 and len(buffer) < MAX_LINE:
            carry = buffer  # no line break yet: read on
            continue
        cut = cut or len(buffer)
        carry = buffer[cut:]
        yield buffer[:cut]


class Writer:
    """Write UTF-8 blocks back in the codec they were read in (BOM included), or bytes as they are."""

    def __init__(self, out: IO[bytes], codec: str | None) -> None:
        self.out = out
        self.encoder = codecs.getincrementalencoder(codec)("replace") if codec else None

    def write(self, block: bytes) -> None:
        if self.encoder is None:
            self.out.write(block)
        else:
            self.out.write(self.encoder.encode(block.decode("utf-8", "surrogatepass")))

    def close(self) -> None:
        if self.encoder is not None:
            self.out.write(self.encoder.encode("", final=True))
