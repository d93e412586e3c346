"""Times as repositories, receipts and the ledger write them."""

from __future__ import annotations

import datetime as dt


def parse_time(value: str | None) -> dt.datetime | None:
    """Parse an ISO 8601 time as an aware datetime, or None when absent or unreadable.

    Accepts what the bridge meets: ``…Z`` (ledger, receipts), DSpace's ``…T00:40:54.970+0000`` (an offset without
    colon) and ``+00:00``; a time without an offset is UTC.
    """
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    if len(text) > 5 and text[-5] in "+-" and text[-4:].isdigit() and "T" in text:
        text = text[:-2] + ":" + text[-2:]
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)
