"""Issue 14 §4 and issue 10 §4: token chains that never end, broken headers and oversized records, windows that
skip empty ranges, and error hints that are true — against a small provider served on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from netserver import answer, raw_server, request_path
from typer.testing import CliRunner

from bridge.cli import app
from bridge.harvest import Harvester, Scope, Stats
from bridge.http import RetryPolicy
from bridge.http_bounds import NetLimits
from bridge.ledger import Ledger
from bridge.oai.client import OAIClient
from bridge.oai.planning import Probe, WindowSize, plan_windows, windows

runner = CliRunner()
OAI = "http://www.openarchives.org/OAI/2.0/"


def envelope(body: str) -> bytes:
    return (
        f'<?xml version="1.0"?><OAI-PMH xmlns="{OAI}"><responseDate>2026-12-04T00:00:00Z</responseDate>'
        f"<request>x</request>{body}</OAI-PMH>"
    ).encode()


def identify(earliest: str = "2020-01-01") -> bytes:
    return envelope(
        "<Identify><repositoryName>Test</repositoryName><baseURL>x</baseURL><protocolVersion>2.0</protocolVersion>"
        f"<adminEmail>a@example.org</adminEmail><earliestDatestamp>{earliest}</earliestDatestamp>"
        "<deletedRecord>no</deletedRecord><granularity>YYYY-MM-DD</granularity></Identify>"
    )


def record(identifier: str, day: str = "2026-01-01", body: str = "t") -> str:
    ident = f"<identifier>{identifier}</identifier>" if identifier else ""
    return (
        f"<record><header>{ident}<datestamp>{day}</datestamp></header><metadata>"
        f'<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
        f'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>{body}</dc:title></oai_dc:dc></metadata></record>'
    )


def token(value: str | None, size: int | None = None) -> str:
    if value is None:
        return ""
    attr = f' completeListSize="{size}"' if size is not None else ""
    return f"<resumptionToken{attr}>{value}</resumptionToken>"


Provider = Callable[[dict[str, str]], bytes]


def provider(answer_for: Provider, calls: list[dict[str, str]] | None = None) -> Callable[[socket.socket, bytes], None]:
    def handle(conn: socket.socket, head: bytes) -> None:
        params = {k: v[0] for k, v in parse_qs(urlsplit(request_path(head)).query).items()}
        if calls is not None:
            calls.append(params)
        body = identify() if params.get("verb") == "Identify" else answer_for(params)
        answer(conn, "200 OK", {"Content-Type": "text/xml"}, body)

    return handle


def run(
    url: str,
    tmp_path: Path,
    *,
    limits: NetLimits | None = None,
    window_size: WindowSize = "auto",
    parallel: int = 1,
    full: bool = False,
) -> tuple[Stats, list[str]]:
    oai = OAIClient(f"{url}/oai", policy=RetryPolicy(attempts=1), limits=limits or NetLimits())
    with oai, Ledger(tmp_path / "ledger.sqlite") as ledger:
        scope = Scope(f"{url}/oai", "oai_dc")
        stats = Harvester(oai, ledger).run(scope, window_size=window_size, parallel=parallel, full=full)
        ids = [r["identifier"] for r in ledger.query("SELECT identifier FROM record ORDER BY identifier")]
    return stats, ids


def test_endless_new_records_stop_at_the_complete_list_size_bound(tmp_path: Path) -> None:
    def endless(params: dict[str, str]) -> bytes:
        n = int(params.get("resumptionToken", "0"))
        return envelope(f"<ListRecords>{record(f'a{n}')}{record(f'b{n}')}{token(str(n + 1), 4)}</ListRecords>")

    with raw_server(provider(endless)) as url:
        stats, ids = run(url, tmp_path)
    assert not stats.complete and "stopped after 14 pages (completeListSize 4" in stats.errors[0]
    assert stats.hint and "--max-pages" in stats.hint and "resumes" not in stats.hint
    assert len(ids) == 26  # the pages before the bound are kept


def test_the_same_records_under_new_tokens_stop_after_stale_pages(tmp_path: Path) -> None:
    def looping(params: dict[str, str]) -> bytes:
        n = int(params.get("resumptionToken", "0"))
        return envelope(f"<ListRecords>{record('same-1')}{record('same-2')}{token(str(n + 1))}</ListRecords>")

    with raw_server(provider(looping)) as url:
        stats, ids = run(url, tmp_path)
    assert not stats.complete and "10 pages with no record new to this chain in a row" in stats.errors[0]
    assert ids == ["same-1", "same-2"] and stats.pages == 10


def test_max_pages_on_the_command_line(tmp_path: Path) -> None:
    def endless(params: dict[str, str]) -> bytes:
        n = int(params.get("resumptionToken", "0"))
        return envelope(f"<ListRecords>{record(f'r{n}')}{token(str(n + 1))}</ListRecords>")

    with raw_server(provider(endless)) as url:
        result = runner.invoke(app, ["harvest", "--endpoint", f"{url}/oai", "--max-pages", "3"])
    assert result.exit_code == 1 and "stopped after 3 pages (--max-pages)" in result.output


def test_a_header_without_identifier_is_broken_never_stored(tmp_path: Path) -> None:
    def page(params: dict[str, str]) -> bytes:
        return envelope(f"<ListRecords>{record('ok-1')}{record('')}{record('ok-2')}</ListRecords>")

    with raw_server(provider(page)) as url:
        stats, ids = run(url, tmp_path)
    assert stats.complete and stats.broken == 1 and ids == ["ok-1", "ok-2"]
    assert "page 1, record 2: header without an <identifier>" in stats.warnings[0]


def test_a_record_over_the_record_limit_is_skipped_and_reported(tmp_path: Path) -> None:
    big = "x" * 200_000

    def page(params: dict[str, str]) -> bytes:
        return envelope(f"<ListRecords>{record('small')}{record('huge', body=big)}</ListRecords>")

    with raw_server(provider(page)) as url:
        stats, ids = run(url, tmp_path, limits=NetLimits(max_record=100_000))
    assert stats.complete and ids == ["small"] and stats.broken == 1
    assert "record 2 (huge)" in stats.warnings[0] and "max_record_mb" in stats.warnings[0]


def test_cannot_disseminate_format_lists_what_the_provider_offers(tmp_path: Path) -> None:
    def provider_answer(params: dict[str, str]) -> bytes:
        if params["verb"] == "ListMetadataFormats":
            formats = "".join(
                f"<metadataFormat><metadataPrefix>{p}</metadataPrefix><schema>s</schema>"
                f"<metadataNamespace>n</metadataNamespace></metadataFormat>"
                for p in ("oai_dc", "marc21")
            )
            return envelope(f"<ListMetadataFormats>{formats}</ListMetadataFormats>")
        return envelope('<error code="cannotDisseminateFormat">no such format</error>')

    with raw_server(provider(provider_answer)) as url:
        result = runner.invoke(app, ["harvest", "--endpoint", f"{url}/oai", "--prefix", "oai_datacite"])
    assert result.exit_code == 1
    assert "the provider offers: oai_dc, marc21" in result.output and "--prefix oai_dc" in result.output
    assert "it resumes" not in result.output


def test_a_failed_full_run_says_how_to_resume(tmp_path: Path) -> None:
    def failing(params: dict[str, str]) -> bytes:
        if params.get("resumptionToken"):
            return b"<html>gateway error</html>"
        return envelope(f"<ListRecords>{record('one')}{token('t2')}</ListRecords>")

    with raw_server(provider(failing)) as url:
        stats, _ = run(url, tmp_path, full=True)
    assert not stats.complete and stats.hint and "without --full" in stats.hint


class Dated:
    """A provider whose 162 records all lie in 2026, answering from/until, with 100 records a page."""

    def __init__(self, earliest: str) -> None:
        self.days = [dt.date(2026, 1, 1) + dt.timedelta(days=i % 200) for i in range(162)]
        self.earliest = earliest
        self.calls: list[dict[str, str]] = []

    def __call__(self, params: dict[str, str]) -> bytes:
        verb = params["verb"]
        start = int(params.get("resumptionToken", "0|").split("|")[0] or 0)
        window = params.get("resumptionToken", "|").split("|", 1)[1] if "resumptionToken" in params else ""
        lo, _, hi = window.partition("/") if window else (params.get("from", ""), "/", params.get("until", ""))
        chosen = [
            (i, d)
            for i, d in enumerate(self.days)
            if (not lo or d.isoformat() >= lo) and (not hi or d.isoformat() <= hi)
        ]
        if not chosen:
            return envelope('<error code="noRecordsMatch">none</error>')
        part = chosen[start : start + 100]
        more = token(f"{start + 100}|{lo}/{hi}", len(chosen)) if start + 100 < len(chosen) else ""
        if verb == "ListIdentifiers":
            heads = "".join(
                f"<header><identifier>r{i}</identifier><datestamp>{d}</datestamp></header>" for i, d in part
            )
            return envelope(f"<ListIdentifiers>{heads}{more}</ListIdentifiers>")
        return envelope(f"<ListRecords>{''.join(record(f'r{i}', d.isoformat()) for i, d in part)}{more}</ListRecords>")


def serve_dated(dated: Dated) -> Callable[[socket.socket, bytes], None]:
    def handle(conn: socket.socket, head: bytes) -> None:
        params = {k: v[0] for k, v in parse_qs(urlsplit(request_path(head)).query).items()}
        dated.calls.append(params)
        body = identify(dated.earliest) if params["verb"] == "Identify" else dated(params)
        answer(conn, "200 OK", {"Content-Type": "text/xml"}, body)

    return handle


def test_default_harvest_is_one_chain(tmp_path: Path) -> None:
    dated = Dated("1900-01-01")
    with raw_server(serve_dated(dated)) as url:
        stats, ids = run(url, tmp_path)
    assert stats.complete and len(ids) == 162 and stats.windows == 1
    assert [c["verb"] for c in dated.calls] == ["Identify", "ListRecords", "ListRecords"]


def test_month_windows_from_1900_skip_the_empty_years_cheaply(tmp_path: Path) -> None:
    dated = Dated("1900-01-01")
    with raw_server(serve_dated(dated)) as url:
        stats, ids = run(url, tmp_path, window_size="month")
    probes = sum(1 for c in dated.calls if c["verb"] == "ListIdentifiers")
    assert stats.complete and len(ids) == 162
    assert probes < 40 and stats.windows <= 8  # monthly windows from 1900 were 1,525 requests
    assert len(dated.calls) < 60


def test_few_calendar_windows_are_harvested_without_probes(tmp_path: Path) -> None:
    dated = Dated("2025-11-01")  # 2025-11 .. now: few enough months to take as they are
    with raw_server(serve_dated(dated)) as url:
        stats, ids = run(url, tmp_path, window_size="month", parallel=4)
    months = len(windows(dt.datetime(2025, 11, 1, tzinfo=dt.UTC), None, "month", dt.timedelta(days=1)))
    assert stats.complete and len(ids) == 162
    assert not [c for c in dated.calls if c["verb"] == "ListIdentifiers"]  # no request before the first window
    assert stats.windows == months
    # one ListRecords a month (each holds < 100 records); an empty month costs that one (noRecordsMatch), what a
    # probe of it would have cost
    assert len([c for c in dated.calls if c["verb"] == "ListRecords"]) == months


def test_probes_of_one_round_run_in_parallel() -> None:
    in_flight = peak = 0
    lock = threading.Lock()
    hi = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

    def probe(a: dt.datetime, b: dt.datetime | None) -> Probe:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        time.sleep(0.02)
        with lock:
            in_flight -= 1
        return Probe(500, True) if (b or hi).year >= 1990 else Probe(0, False)

    lo = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
    spans = plan_windows(lo, hi, unit="month", slots=4, step=dt.timedelta(days=1), probe=probe)
    assert peak == 4  # the ranges of a round of splitting are probed `slots` at a time
    assert len(spans) > 4
    one = plan_windows(lo, hi, unit="month", slots=1, step=dt.timedelta(days=1), probe=probe)
    assert one == spans  # the same plan, probed one at a time


def test_an_absurd_earliest_datestamp_is_the_providers_mistake(tmp_path: Path) -> None:
    dated = Dated("0001-01-01")
    with raw_server(serve_dated(dated)) as url:
        stats, ids = run(url, tmp_path, parallel=4)
    assert stats.complete and len(ids) == 162 and stats.windows == 1
    assert "'0001-01-01'" in stats.warnings[0] and "without --from" in stats.warnings[0]
    assert all("from" not in c for c in dated.calls)
