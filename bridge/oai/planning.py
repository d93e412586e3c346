"""Which date windows a harvest uses: none by default, and when asked for, only where the provider has records.

By default a harvest is one resumptionToken chain: it costs what the provider's list costs. Windows exist
to harvest in parallel (``--parallel`` > 1) or to keep each chain short (``--windows month|week|day``). Up to
64 calendar windows (or 8 per parallel slot) are taken as they are, with no request before the harvest starts:
an empty one costs its one ListRecords, as a probe would. Beyond that they are planned coarse first: the whole
range is probed with one ``ListIdentifiers`` request, and a range is split in two only when it has more than one
page of records and is still wider than the window size asked for (with ``auto``, until there are about eight
windows per parallel slot); each round of splitting is probed ``--parallel`` ranges at a time. Empty ranges cost
one probe and are dropped, so a provider whose ``earliestDatestamp`` says 1900 costs a few probes, not 1,525
monthly requests.

A provider's ``earliestDatestamp`` is the provider's word, not the user's: when it is not a date, lies before
1900 or in the future, the harvest runs without ``from`` and says so in a warning naming the value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal, cast

from bridge.errors import BridgeError, CannotDisseminateFormat, NoRecordsMatch, OAIError, UsageError
from bridge.oai.parse import NS

PLAUSIBLE_FROM = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
MAX_PROBES = 256  # a plan never costs more requests than this
UNIT = {"month": dt.timedelta(days=31), "week": dt.timedelta(days=7), "day": dt.timedelta(days=1)}
WINDOWS_PER_SLOT = 8  # with --parallel N, up to 8N windows: slots stay busy while windows differ in size
DIRECT_WINDOWS = 64  # calendar windows taken as they are, unprobed (more: most are likely empty; probe first)

Span = tuple[dt.datetime | None, dt.datetime | None]
WindowSize = Literal["auto", "month", "week", "day", "none"]  # auto: one chain, or windows when --parallel > 1
Request = Callable[[dict[str, str]], Any]  # sends one OAI-PMH request, returns its OAIPage


@dataclass(frozen=True)
class Probe:
    """What one ListIdentifiers request says about a range: records seen (or completeListSize), and more to come."""

    count: int
    more: bool


def provider_earliest(value: str | None, *, now: dt.datetime | None = None) -> tuple[dt.datetime | None, str | None]:
    """Return Identify's earliestDatestamp as a time, or (None, a warning) when it cannot be a lower bound."""
    if not value:
        return None, None
    text = value.strip()
    when: dt.datetime | None = None
    for fmt in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d"):
        try:
            when = dt.datetime.strptime(text, fmt).replace(tzinfo=dt.UTC)
            break
        except ValueError:
            continue
    now = now or dt.datetime.now(dt.UTC)
    if when is None:
        problem = "which is not a date"
    elif when < PLAUSIBLE_FROM:
        problem = "which cannot be the date of a record"
    elif when > now + dt.timedelta(days=1):
        problem = "which is in the future"
    else:
        return when, None
    return None, (
        f"the provider's Identify gives earliestDatestamp {value!r}, {problem} (the provider's mistake): "
        "harvesting without --from"
    )


def plan_windows(
    lo: dt.datetime,
    hi: dt.datetime | None,
    *,
    unit: str,
    slots: int,
    step: dt.timedelta,
    probe: Callable[[dt.datetime, dt.datetime | None], Probe],
    now: dt.datetime | None = None,
) -> list[Span]:
    """Split [lo, hi] (hi None: up to now, left open) coarse first, splitting only ranges with more than a page.

    With a calendar unit and few enough calendar windows in the range, those windows are the plan, unprobed: an
    empty one then costs its one ListRecords (noRecordsMatch), what its probe would have cost, and the others
    cost nothing before their harvest starts. Otherwise the ranges of each round of splitting are probed
    `slots` at a time, as the windows will be harvested.
    """
    now = now or dt.datetime.now(dt.UTC)
    if unit in UNIT:
        calendar: list[Span] = list(windows(lo, hi, cast(WindowSize, unit), step))
        if len(calendar) <= max(DIRECT_WINDOWS, slots * WINDOWS_PER_SLOT):
            return calendar
    smallest = UNIT.get(unit, UNIT["day"])
    goal = slots * WINDOWS_PER_SLOT if unit == "auto" else None
    queue: list[Span] = [(lo, hi)]
    kept: list[Span] = []
    probes = 0

    def probe_span(span: Span) -> Probe:
        assert span[0] is not None  # every range starts at lo or at a split point
        return probe(span[0], span[1])

    with ThreadPoolExecutor(max_workers=max(slots, 1), thread_name_prefix="plan-probe") as pool:
        while queue:
            take = max(0, min(slots, MAX_PROBES - probes))
            if take == 0:  # out of probes: the rest are kept as they are
                kept += queue
                break
            batch, queue = queue[:take], queue[take:]
            probes += len(batch)
            for (a, b), found in zip(batch, pool.map(probe_span, batch), strict=True):
                assert a is not None
                if found.count == 0 and not found.more:
                    continue  # an empty range costs this one probe
                end = b or now
                enough = goal is not None and len(kept) + len(queue) + 2 > goal
                mid = _middle(a, end, step)
                if not found.more or end - a <= smallest or enough or mid is None:
                    kept.append((a, b))
                    continue
                queue += [(a, mid - step), (mid, b)]
    return sorted(kept, key=lambda span: span[0] or lo)


def plan(
    lo: dt.datetime,
    hi: dt.datetime | None,
    *,
    unit: str,
    slots: int,
    step: dt.timedelta,
    probe: Callable[[dt.datetime, dt.datetime | None], Probe],
    warn: Callable[[str], None],
) -> list[Span]:
    """plan_windows, or calendar windows (with a warning) for a provider that cannot answer ListIdentifiers by date."""
    try:
        return plan_windows(lo, hi, unit=unit, slots=max(slots, 1), step=step, probe=probe) or [(lo, hi)]
    except CannotDisseminateFormat:
        raise
    except OAIError as exc:
        warn(f"could not plan windows with ListIdentifiers ({exc.message}): using calendar windows")
        return list(windows(lo, hi, "month" if unit == "auto" else unit, step))  # type: ignore[arg-type]  # a unit


def _middle(a: dt.datetime, b: dt.datetime, step: dt.timedelta) -> dt.datetime | None:
    """The split point, on the repository's granularity (a day start for day granularity), strictly inside."""
    mid = a + (b - a) / 2
    if step >= dt.timedelta(days=1):
        mid = mid.replace(hour=0, minute=0, second=0, microsecond=0)
    else:
        mid = mid.replace(microsecond=0)
    return mid if a < mid <= b else None


def list_identifiers_probe(
    request: Request, *, prefix: str, set_spec: str, ident: Any
) -> Callable[[dt.datetime, dt.datetime | None], Probe]:
    """Return a probe that asks ListIdentifiers for a range (one request: completeListSize or the first page)."""

    def probe(a: dt.datetime, b: dt.datetime | None) -> Probe:
        params = {"verb": "ListIdentifiers", "metadataPrefix": prefix, "from": ident.format_date(a)}
        if b is not None:
            params["until"] = ident.format_date(b)
        if set_spec:
            params["set"] = set_spec
        try:
            page = request(params)
        except NoRecordsMatch:
            return Probe(0, False)
        rt = page.resumption_token()
        count = len(page.xml.findall("oai:ListIdentifiers/oai:header", NS))
        if rt and rt.complete_list_size and rt.complete_list_size.isdigit():
            count = int(rt.complete_list_size)
        return Probe(count, bool(rt and rt.token))

    return probe


def offered_prefixes(request: Request) -> list[str]:
    """Return the metadataPrefixes the provider lists (ListMetadataFormats); none when that fails too."""
    try:
        page = request({"verb": "ListMetadataFormats"})
    except BridgeError:
        return []
    path = "oai:ListMetadataFormats/oai:metadataFormat/oai:metadataPrefix"
    return [e.text.strip() for e in page.xml.findall(path, NS) if e.text and e.text.strip()]


def cannot_disseminate(message: str, prefix: str, offered: list[str]) -> tuple[str, str]:
    """Return the message and a true hint after cannotDisseminateFormat: a re-run fails the same way."""
    listed = ", ".join(offered) if offered else "none listed (ListMetadataFormats failed)"
    hint = f"harvest with --prefix {offered[0]}" if offered else "check the provider's metadata formats"
    return (
        f"{message} (metadataPrefix {prefix!r}; the provider offers: {listed})",
        hint + "; running the same command again fails the same way",
    )


def parse_date(value: str, *, end: bool = False) -> dt.datetime:
    """Parse an OAI date (day or seconds granularity) as UTC; a day `until` means the end of that day."""
    value = value.strip()
    try:
        if len(value) == 10:
            day = dt.datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=dt.UTC)
            return day + dt.timedelta(days=1, seconds=-1) if end else day
        return dt.datetime.strptime(value.replace("Z", ""), "%Y-%m-%dT%H:%M:%S").replace(tzinfo=dt.UTC)
    except ValueError:
        raise UsageError(f"bad date {value!r}", hint="use YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ (UTC)") from None


def windows(
    start: dt.datetime, end: dt.datetime | None, size: WindowSize, step: dt.timedelta
) -> list[tuple[dt.datetime, dt.datetime | None]]:
    """Split [start, end] into windows aligned on month/week/day starts; the last stays open when end is None."""
    if size == "none":
        return [(start, end)]
    bounds: list[dt.datetime] = [start]
    cursor = start
    limit = end or dt.datetime.now(dt.UTC)
    while True:
        nxt = _next_boundary(cursor, size)
        if nxt > limit:
            break
        bounds.append(nxt)
        cursor = nxt
    out: list[tuple[dt.datetime, dt.datetime | None]] = []
    for i, lo in enumerate(bounds):
        hi = bounds[i + 1] - step if i + 1 < len(bounds) else end
        out.append((lo, hi))
    return out


def _next_boundary(when: dt.datetime, size: WindowSize) -> dt.datetime:
    day = when.replace(hour=0, minute=0, second=0, microsecond=0)
    if size == "day":
        return day + dt.timedelta(days=1)
    if size == "week":
        return day + dt.timedelta(days=7 - day.weekday())
    month = day.replace(day=1)
    return month.replace(year=month.year + 1, month=1) if month.month == 12 else month.replace(month=month.month + 1)
