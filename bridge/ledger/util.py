"""Small helpers of the ledger: timestamps, raw-XML compression and per-record JSON."""

from __future__ import annotations

import datetime as dt
import threading
import zlib
from typing import Any

import orjson
import zstandard

# Raw records are zstd frames (level 1: as small as zlib level 1 on harvested XML, ~3x faster to write and to
# read, measured on sandbox records of ~1.2 KB). Rows written before are zlib streams; the first bytes tell which.
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_local = threading.local()  # a zstd context serves one thread at a time; harvest windows write from several


def utcnow() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _contexts() -> tuple[zstandard.ZstdCompressor, zstandard.ZstdDecompressor]:
    pair = getattr(_local, "pair", None)
    if pair is None:
        pair = _local.pair = (zstandard.ZstdCompressor(level=1), zstandard.ZstdDecompressor())
    return pair


def compress(text: bytes) -> bytes:
    return _contexts()[0].compress(text)


def decompress(blob: bytes | None) -> bytes | None:
    if blob is None:
        return None
    if blob[:4] == ZSTD_MAGIC:
        return _contexts()[1].decompress(blob)
    return zlib.decompress(blob)


def to_json(value: Any) -> str:
    """Serialise a harvested record's sets or fields: orjson, ~8x json.dumps on the per-record path; plain UTF-8."""
    return orjson.dumps(value).decode()
