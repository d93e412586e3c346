"""Small helpers of the ledger: timestamps and raw-XML compression."""

from __future__ import annotations

import datetime as dt
import zlib


def utcnow() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def compress(text: bytes) -> bytes:
    return zlib.compress(text, 1)  # raw XML compresses ~5x even at level 1; speed matters more


def decompress(blob: bytes | None) -> bytes | None:
    return zlib.decompress(blob) if blob is not None else None
