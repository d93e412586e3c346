"""parse_time: the one reader of the times repositories, receipts and the ledger write."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bridge.times import parse_time

UTC_TEN = dt.datetime(2026, 11, 25, 10, 0, 0, 123000, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-25T10:00:00.123+0000",  # DSpace lastModified
        "2026-11-25T10:00:00.123000Z",  # ledger
        "2026-11-25T10:00:00.123+00:00",
        "2026-11-25T11:00:00.123+0100",
        "2026-11-25T10:00:00.123",  # no offset: UTC
    ],
)
def test_forms_give_the_same_aware_time(text: str) -> None:
    assert parse_time(text) == UTC_TEN
    assert parse_time(text).tzinfo is not None


@pytest.mark.parametrize("text", [None, "", "yesterday", "2026-13-01T00:00:00Z"])
def test_absent_or_unreadable_is_none(text: str | None) -> None:
    assert parse_time(text) is None


def test_only_one_parse_time() -> None:
    bridge = Path(__file__).resolve().parent.parent / "bridge"
    defined = [str(p.relative_to(bridge)) for p in bridge.rglob("*.py") if "def parse_time(" in p.read_text()]
    assert defined == ["times.py"]
