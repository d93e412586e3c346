"""The harvester against recorded real-world quirks (fixtures/oai/quirks), served by httpx.MockTransport."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from bridge.errors import BridgeError, CannotDisseminateFormat, RepositoryError
from bridge.harvest import Harvester, Scope
from bridge.http import RetryPolicy, make_client
from bridge.ledger import Ledger
from bridge.oai.client import OAIClient
from bridge.oai.parse import NotOAI

QUIRKS = Path(__file__).resolve().parent.parent / "fixtures" / "oai" / "quirks"
URL = "http://127.0.0.1/oai"
Route = Callable[[dict[str, str], int], tuple[int, str] | tuple[int, str, dict[str, str]]]


def serve(route: Route) -> tuple[OAIClient, list[dict[str, str]]]:
    """Return a client whose requests are answered by `route(params, call_number)` with (status, fixture)."""
    calls: list[dict[str, str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        params = dict(request.url.params)
        calls.append(params)
        if params.get("verb") == "Identify":
            return httpx.Response(200, content=(QUIRKS / "identify.xml").read_bytes())
        answer = route(params, len(calls))
        status, name = answer[0], answer[1]
        headers = answer[2] if len(answer) > 2 else {}
        content = name if isinstance(name, bytes) else (QUIRKS / name).read_bytes()
        return httpx.Response(status, content=content, headers=headers)

    client = make_client(transport=httpx.MockTransport(handler))
    oai = OAIClient(URL, client=client, policy=RetryPolicy(attempts=3, base_wait=0), sleep=lambda s: None)
    return oai, calls


def harvest(route: Route, tmp_path: Path, **kwargs: object):
    oai, calls = serve(route)
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        stats = Harvester(oai, ledger).run(Scope(URL, "oai_dc"), window_size="none", **kwargs)
        rows = ledger.query("SELECT identifier, deleted, lossy, metadata FROM record ORDER BY identifier")
    return stats, rows, calls


def three_pages(params: dict[str, str], _: int) -> tuple[int, str]:
    token = params.get("resumptionToken")
    return 200, {None: "page1.xml", "tok-2": "page2-duplicate-and-deleted.xml", "tok-3": "page3-last-empty-token.xml"}[
        token
    ]


def test_multi_page_list_with_duplicates_deleted_and_empty_final_token(tmp_path: Path) -> None:
    stats, rows, calls = harvest(three_pages, tmp_path)
    assert stats.complete and stats.pages == 3
    assert [r["identifier"].rsplit("/", 1)[1] for r in rows] == ["1", "2", "3", "4", "5"]
    assert [r["identifier"] for r in rows if r["deleted"]] == ["oai:quirks.test:10261/3"]
    assert stats.records == 6 and stats.new == 5 and stats.unchanged == 1  # record 2 came twice
    assert stats.complete_list_size == 5
    assert [c.get("resumptionToken") for c in calls if c["verb"] == "ListRecords"] == [None, "tok-2", "tok-3"]


def test_whitespace_only_token_ends_the_list(tmp_path: Path) -> None:
    stats, rows, calls = harvest(lambda p, n: (200, "last-whitespace-token.xml"), tmp_path)
    assert stats.complete and len(rows) == 2
    assert sum(1 for c in calls if c["verb"] == "ListRecords") == 1


def test_repeated_token_is_a_loop_and_stops_with_an_error(tmp_path: Path) -> None:
    stats, _, calls = harvest(lambda p, n: (200, "loop-token.xml"), tmp_path)
    assert not stats.complete
    assert "twice: a loop" in stats.errors[0]
    assert sum(1 for c in calls if c["verb"] == "ListRecords") == 2


def test_empty_pages_with_a_token_are_followed_then_given_up(tmp_path: Path) -> None:
    empty = (QUIRKS / "empty-page-with-token.xml").read_bytes()

    def route(params: dict[str, str], n: int) -> tuple[int, str | bytes]:
        if n >= 5:
            return 200, "page3-last-empty-token.xml"
        return 200, empty.replace(b"tok-next", f"tok-{n}".encode())

    stats, rows, calls = harvest(route, tmp_path)
    assert stats.complete and len(rows) == 2  # three empty pages with fresh tokens, then the last page
    assert sum(1 for c in calls if c["verb"] == "ListRecords") == 4

    def endless(params: dict[str, str], n: int) -> tuple[int, bytes]:
        return 200, empty.replace(b"tok-next", f"tok-{n}".encode())

    stats, _, _ = harvest(endless, tmp_path / "endless")
    assert not stats.complete and "empty pages in a row" in stats.errors[0]


def test_no_records_match_is_an_empty_success(tmp_path: Path) -> None:
    stats, rows, _ = harvest(lambda p, n: (200, "no-records-match.xml"), tmp_path)
    assert stats.complete and stats.records == 0 and rows == []


@pytest.mark.parametrize("status", [404, 422, 500])
def test_oai_errors_sent_with_an_error_status_are_read_as_oai_errors(status: int, tmp_path: Path) -> None:
    oai, _ = serve(lambda p, n: (status, "cannot-disseminate.xml"))
    with pytest.raises(CannotDisseminateFormat, match="marc21"):
        oai.harvest(verb="ListRecords", metadataPrefix="marc21")


def test_html_with_status_200_is_not_taken_for_oai(tmp_path: Path) -> None:
    oai, _ = serve(lambda p, n: (200, "html-error-page.html"))
    with pytest.raises(NotOAI, match="not an OAI-PMH response"):
        oai.harvest(verb="ListRecords", metadataPrefix="oai_dc")
    stats, _, _ = harvest(lambda p, n: (200, "html-error-page.html"), tmp_path)
    assert not stats.complete and "not an OAI-PMH response" in stats.errors[0]


@pytest.mark.parametrize("fixture", ["invalid-chars.xml", "invalid-char-ref.xml", "invalid-utf8.xml"])
def test_broken_characters_are_repaired_and_the_record_marked_lossy(fixture: str, tmp_path: Path) -> None:
    stats, rows, _ = harvest(lambda p, n: (200, fixture), tmp_path)
    assert stats.complete and stats.lossy == 1
    lossy = [r for r in rows if r["lossy"]]
    assert len(lossy) == 1 and len(rows) == 2


def test_truncated_bodies_are_fetched_again(tmp_path: Path) -> None:
    def route(params: dict[str, str], n: int) -> tuple[int, str]:
        return (200, "truncated.xml") if n <= 2 else (200, "last-whitespace-token.xml")

    stats, rows, calls = harvest(route, tmp_path)
    assert stats.complete and len(rows) == 2
    assert sum(1 for c in calls if c["verb"] == "ListRecords") == 2  # one truncated, then whole


def test_always_truncated_is_an_error_not_a_short_harvest(tmp_path: Path) -> None:
    stats, rows, _ = harvest(lambda p, n: (200, "truncated.xml"), tmp_path)
    assert not stats.complete and "truncated" in stats.errors[0] and rows == []


def test_503_with_retry_after_is_retried(tmp_path: Path) -> None:
    def route(params: dict[str, str], n: int):
        return (503, "html-error-page.html", {"Retry-After": "1"}) if n == 2 else (200, "last-whitespace-token.xml")

    stats, rows, _ = harvest(route, tmp_path)
    assert stats.complete and len(rows) == 2


def test_persistent_503_fails_the_window_with_a_clear_error(tmp_path: Path) -> None:
    stats, _, _ = harvest(lambda p, n: (503, "html-error-page.html", {"Retry-After": "1"}), tmp_path)
    assert not stats.complete and "503" in stats.errors[0]


def test_header_only_record_is_kept_without_metadata(tmp_path: Path) -> None:
    stats, rows, _ = harvest(lambda p, n: (200, "header-only-record.xml"), tmp_path)
    assert stats.complete and len(rows) == 2
    by_id = {r["identifier"].rsplit("/", 1)[1]: r for r in rows}
    assert by_id["6"]["metadata"] is None and by_id["6"]["deleted"] == 0
    assert by_id["7"]["metadata"] is not None


def test_expired_token_redoes_only_the_window(tmp_path: Path) -> None:
    def route(params: dict[str, str], n: int) -> tuple[int, str]:
        token = params.get("resumptionToken")
        if token == "tok-2" and n == 3:
            return 200, "bad-resumption-token.xml"
        return three_pages(params, n)

    stats, rows, calls = harvest(route, tmp_path)
    assert stats.complete and len(rows) == 5
    starts = [c for c in calls if c["verb"] == "ListRecords" and "resumptionToken" not in c]
    assert len(starts) == 2  # the window was started again once


def test_bridge_errors_carry_exit_codes() -> None:
    assert issubclass(NotOAI, RepositoryError) and issubclass(RepositoryError, BridgeError)
