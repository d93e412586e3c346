"""bridge.verify: PID syntax, comparisons, the polite fetcher, single checks (MockTransport), run history."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from bridge.errors import UsageError
from bridge.http import RetryPolicy
from bridge.ledger import Ledger
from bridge.pid import bare_doi, bare_handle, dois_in, handle_of_oai_identifier, handles_in, names_handle, parse_pid
from bridge.settings import Profile
from bridge.verify import compare, history, parse_duration, parse_since
from bridge.verify import http_checks as checks
from bridge.verify.fetch import Fetcher
from bridge.verify.model import Report, Result
from bridge.verify.urls import rebase, same_place, same_url

FAST = RetryPolicy(attempts=3, base_wait=0.01, max_wait=0.05, jitter=0.0)


# -- PIDs ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("10.5072/ABC-1", "10.5072/ABC-1"),
        ("https://doi.org/10.5072/abc-1", "10.5072/abc-1"),
        ("http://dx.doi.org/10.5072/a%2Fb", "10.5072/a/b"),
        ("doi:10.5072/x", "10.5072/x"),
        ("10261/42", None),
        ("https://example.org/10.5072/x", None),
    ],
)
def test_bare_doi(value: str, expected: str | None) -> None:
    assert bare_doi(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("10261/42", "10261/42"),
        ("https://hdl.handle.net/10261/42", "10261/42"),
        ("hdl:20.500.12345/x", "20.500.12345/x"),
        ("https://digital.csic.es/handle/10261/42/", "10261/42"),
        ("https://example.org/page", None),
        ("not a pid", None),
    ],
)
def test_bare_handle(value: str, expected: str | None) -> None:
    assert bare_handle(value) == expected


def test_parse_pid_tests_doi_first_and_knows_configured_resolvers() -> None:
    assert parse_pid("10.5072/abc") == ("doi", "10.5072/abc")  # a DOI is also a handle: DOI wins
    assert parse_pid("http://127.0.0.1:8765/10261/7", ("http://127.0.0.1:8765",)) == ("handle", "10261/7")
    with pytest.raises(UsageError, match="neither a DOI nor a Handle"):
        parse_pid("https://example.org/")


def test_identifier_helpers() -> None:
    assert handle_of_oai_identifier("oai:digital.csic.es:10261/42") == "10261/42"
    assert handle_of_oai_identifier("oai:arXiv.org:1234.5678") is None
    ids = ["https://doi.org/10.5072/AbC", "http://hdl.handle.net/10261/4", "doi:10.5072/abc", "urn:x"]
    assert dois_in(ids) == ["10.5072/AbC"]  # DOIs are case-insensitive: one
    assert handles_in([*ids, "https://repo.example/handle/10261/5"]) == ["10261/4", "10261/5"]
    assert names_handle("https://repo.example/handle/10261/5/", "10261/5")
    assert not names_handle("https://repo.example/handle/10261/55", "10261/5")
    assert same_url("HTTP://Example.org:80/a/", "http://example.org/a")
    assert not same_url("http://example.org/a", "http://example.org/b")
    assert same_place("http://digital.csic.es/handle/10261/5", "https://digital.csic.es/handle/10261/5/")
    assert not same_place("http://127.0.0.1:1/handle/x", "http://127.0.0.1:2/handle/x")
    assert same_place("http://127.0.0.1:1/handle/x", "http://localhost:2/handle/x", any_loopback_port=True)
    assert not same_place("http://127.0.0.1:1/handle/x", "http://127.0.0.1:2/handle/y", any_loopback_port=True)
    assert not same_place("http://example.org:1/x", "http://example.org:2/x", any_loopback_port=True)
    assert (
        rebase("http://127.0.0.1:1/handle/x", "http://127.0.0.1:1", "http://127.0.0.1:2")
        == "http://127.0.0.1:2/handle/x"
    )
    assert rebase("https://other/x", "http://127.0.0.1:1", "http://127.0.0.1:2") == "https://other/x"


def test_durations_and_dates() -> None:
    assert parse_duration("24h") == dt.timedelta(hours=24)
    assert parse_duration("90s") == dt.timedelta(seconds=90)
    assert parse_duration("2d") == dt.timedelta(days=2)
    assert parse_duration("0") == dt.timedelta(0)
    with pytest.raises(UsageError):
        parse_duration("soon")
    assert parse_since("2026-01-02") == dt.datetime(2026, 1, 2, tzinfo=dt.UTC)
    with pytest.raises(UsageError):
        parse_since("02/01/2026")


# -- comparisons --------------------------------------------------------------------------------------------
DEPOSITED = {
    "titles": ["Plant classifier"],
    "creators": ["Carberry, Josiah", "Ejemplo-Pérez, Alba"],
    "publicationYear": "2026",
    "resourceTypeGeneral": "Model",
    "rights": ["info:eu-repo/semantics/openAccess", "CC-BY-4.0"],
    "identifiers": ["https://doi.org/10.5072/abc", "https://hdl.handle.net/10261/3"],
}
FORMS = {"model", "other", "c_1843"}


def harvested_dc(**changes: list[str]) -> dict[str, list[str]]:
    dc = {
        "title": ["Plant  classifier"],  # whitespace differences do not count
        "creator": ["Ejemplo-Pe\u0301rez, Alba", "Carberry, Josiah"],  # NFD form and order do not count
        "identifier": ["https://doi.org/10.5072/ABC", "http://127.0.0.1:8765/handle/10261/3"],
        "rights": ["info:eu-repo/semantics/openAccess", "http://creativecommons.org/licenses/by/4.0/legalcode"],
        "type": ["other", "http://purl.org/coar/resource_type/c_1843"],
    }
    dc.update(changes)
    return dc


def test_oai_dc_matches_across_renderings() -> None:
    assert compare.oai_dc(DEPOSITED, harvested_dc(), handle="10261/3", doi="10.5072/abc", forms=FORMS) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"title": ["Another title"]}, "title 'Plant classifier' not found"),
        ({"creator": ["Carberry, Josiah"]}, "creator 'Ejemplo-Pérez, Alba' missing"),
        ({"creator": ["Carberry, Josiah", "Ejemplo-Pérez, Alba", "Doe, Jane"]}, "unexpected creator 'Doe, Jane'"),
        ({"identifier": ["http://127.0.0.1:8765/handle/10261/3"]}, "DOI 10.5072/abc not among the identifiers"),
        ({"identifier": ["https://doi.org/10.5072/abc"]}, "Handle 10261/3 not among the identifiers"),
        ({"rights": ["info:eu-repo/semantics/openAccess"]}, "rights 'CC-BY-4.0' not found"),
        ({"type": ["dataset"]}, "type 'dataset' is none of the deposited type's forms"),
    ],
)
def test_oai_dc_reports_each_difference(changes: dict[str, list[str]], expected: str) -> None:
    problems = compare.oai_dc(DEPOSITED, harvested_dc(**changes), handle="10261/3", doi="10.5072/abc", forms=FORMS)
    assert len(problems) == 1 and problems[0].startswith(expected), problems


def test_licence_by_spdx_name_and_datacite_attributes() -> None:
    assert (
        compare.oai_dc(
            {"rights": ["CC-BY-4.0"]},
            {"rights": ["Creative Commons Attribution 4.0 International"]},
            handle="",
            doi=None,
            forms=set(),
        )
        == []
    )
    attributes = {
        "state": "findable",
        "url": "http://x/handle/10261/3/",
        "titles": [{"title": "Plant classifier"}],
        "creators": [{"name": "Carberry, Josiah"}, {"name": "Ejemplo-Pérez, Alba"}],
        "publicationYear": 2026,
        "types": {"resourceTypeGeneral": "Model"},
    }
    assert compare.datacite_attributes(DEPOSITED, attributes, landing_url="http://x/handle/10261/3") == []
    hidden = {**attributes, "state": "registered", "url": "http://elsewhere/", "publicationYear": 2025}
    problems = compare.datacite_attributes(DEPOSITED, hidden, landing_url="http://x/handle/10261/3")
    assert [p.split(" ")[0] for p in problems] == ["state", "url", "publicationYear"]


def test_type_forms_come_from_datacite_and_the_mapping(fixtures_dir: Path) -> None:
    from bridge.crosswalk.mapping import load_mapping

    mapping = load_mapping("model-weights", [fixtures_dir.parent / "mappings"])
    forms = compare.type_forms({"resourceTypeGeneral": "Model"}, {"types": {"resourceType": "Weights"}}, mapping)
    assert {"model", "weights", "other", "c_1843", "info:eu-repo/semantics/other"} <= forms


# -- the fetcher --------------------------------------------------------------------------------------------
def fetcher_for(handler: Any, **kwargs: Any) -> tuple[Fetcher, list[float]]:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return Fetcher(client, policy=FAST, sleep=sleep, **kwargs), waits


def test_retries_honour_retry_after_and_results_are_cached() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        if len(calls) == 1:
            return httpx.Response(503, headers={"Retry-After": "0"})
        return httpx.Response(200, json={"ok": True})

    async def go() -> list[Any]:
        fetcher, waits = fetcher_for(handler)
        first = await fetcher.get("http://h/a")
        again = await asyncio.gather(fetcher.get("http://h/a"), fetcher.get("http://h/a"))
        return [first, again, waits, fetcher.requests]

    first, again, waits, requests = asyncio.run(go())
    assert first.status == 200 and first.attempts == 2 and first.json() == {"ok": True}
    assert waits == [0.0]  # Retry-After: 0 asked for no wait; the policy's backoff was not used
    assert all(a is first for a in again) and requests == 2 and len(calls) == 2


def test_the_cache_keeps_bodies_within_its_budget() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        return httpx.Response(200, content=b"x" * 400)

    async def go() -> Fetcher:
        fetcher, _ = fetcher_for(handler, max_cached=1000)
        for path in ("/a", "/b", "/c", "/a", "/c"):
            assert len((await fetcher.get(f"http://h{path}")).body) == 400
        return fetcher

    fetcher = asyncio.run(go())
    assert calls == ["/a", "/b", "/c", "/a"]  # /a was dropped to stay under 1000 bytes; /c was still cached
    assert fetcher.cached_bytes <= 1000


def test_network_errors_end_as_an_answer_without_status() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    async def go() -> Any:
        fetcher, waits = fetcher_for(handler)
        got = await fetcher.get("http://down/x")
        return got, waits, fetcher

    got, waits, fetcher = asyncio.run(go())
    assert got.status is None and got.attempts == 3 and "refused" in got.problem()
    assert len(waits) == 2 and fetcher.unreachable["down"] == 3 and not fetcher.answered["down"]


def test_per_host_limit_bounds_requests_in_flight() -> None:
    in_flight = {"now": 0, "max": 0}

    async def handler(request: httpx.Request) -> httpx.Response:
        in_flight["now"] += 1
        in_flight["max"] = max(in_flight["max"], in_flight["now"])
        await asyncio.sleep(0.01)
        in_flight["now"] -= 1
        return httpx.Response(200)

    async def go() -> None:
        fetcher, _ = fetcher_for(handler, concurrency=10, per_host=3)
        await asyncio.gather(*(fetcher.get(f"http://one/{i}") for i in range(12)))

    asyncio.run(go())
    assert in_flight["max"] == 3


def test_bodies_are_bounded_and_digests_use_the_declared_md5_or_hash() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/big":
            return httpx.Response(200, content=b"x" * 5000)
        if request.url.path == "/etag":
            return httpx.Response(200, content=b"abc", headers={"ETag": '"0123456789abcdef0123456789abcdef"'})
        return httpx.Response(200, content=b"abc")

    async def go() -> list[Any]:
        fetcher, _ = fetcher_for(handler, max_body=1000)
        return [
            await fetcher.get("http://h/big"),
            await fetcher.digest("http://h/etag"),
            await fetcher.digest("http://h/x"),
        ]

    big, etag, hashed = asyncio.run(go())
    assert big.truncated and len(big.body) == 1000
    assert etag.md5 == "0123456789abcdef0123456789abcdef"
    assert hashed.md5 == "900150983cd24fb0d6963f7d28e17f72" and hashed.size == 3


# -- single checks against a mock server ----------------------------------------------------------------------
PROFILE = Profile(
    name="t",
    handle_api="http://pid/api/handles",
    doi_resolver_api="http://doi/api/handles",
    doi_api="http://datacite",
    rest_url="http://repo/server/api",
)


def run_check(handler: Any, make: Any) -> tuple[Result, list[str]]:
    seen: list[str] = []

    def recording(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.url.host}{request.url.path}")
        return handler(request)

    async def go() -> Result:
        fetcher, _ = fetcher_for(recording)
        return await make(checks.Context(fetcher=fetcher, profile=PROFILE))

    return asyncio.run(go()), seen


def handle_answer(code: int, url: str | None = None, status: int = 200) -> httpx.Response:
    values = [{"index": 1, "type": "URL", "data": {"format": "string", "value": url}}] if url else []
    return httpx.Response(status, json={"responseCode": code, "handle": "x", "values": values})


def test_placeholder_prefix_fails_without_asking_the_proxy() -> None:
    result, seen = run_check(
        lambda r: handle_answer(1, "http://x"), lambda c: checks.check_handle_resolves(c, "123456789/5", None)
    )
    assert result.status == "failed" and "placeholder prefix 123456789" in result.detail and seen == []


@pytest.mark.parametrize(
    ("answer", "detail"),
    [
        (handle_answer(100, status=404), "not found (responseCode 100)"),
        (handle_answer(200), "has no URL value (responseCode 200)"),
        (handle_answer(1, "http://elsewhere/"), "resolves to http://elsewhere/, expected http://repo/handle/10261/3"),
        (httpx.Response(502, text="<html>bad gateway</html>"), "answered HTTP 502 without a Handle response"),
    ],
)
def test_handle_failures_say_what_was_found(answer: httpx.Response, detail: str) -> None:
    result, seen = run_check(
        lambda r: answer, lambda c: checks.check_handle_resolves(c, "10261/3", "http://repo/handle/10261/3")
    )
    assert result.status == "failed" and detail in result.detail
    assert seen[0] == "pid/api/handles/10261/3"


def test_handle_and_doi_pass_on_the_expected_landing_page() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return handle_answer(1, "http://repo/handle/10261/3/")

    ok, _ = run_check(handler, lambda c: checks.check_handle_resolves(c, "10261/3", "http://repo/handle/10261/3"))
    doi, seen = run_check(handler, lambda c: checks.check_doi_resolves(c, "10.5072/a", ["http://repo/handle/10261/3"]))
    assert ok.status == doi.status == "passed" and seen == ["doi/api/handles/10.5072/a"]


def test_landing_page_must_be_html_naming_the_pids() -> None:
    def page(body: str, status: int = 200, ctype: str = "text/html; charset=utf-8") -> Any:
        return lambda r: httpx.Response(status, text=body, headers={"content-type": ctype})

    def landing(c: checks.Context) -> Any:
        return checks.check_landing(c, "10261/3", "http://repo/handle/10261/3", ["10261/3", "10.5072/AB"])

    good, _ = run_check(page("<p>hdl 10261/3 doi 10.5072/ab</p>"), landing)
    unnamed, _ = run_check(page("<p>hdl 10261/3</p>"), landing)
    gone, _ = run_check(page("withdrawn", 410), landing)
    json_page, _ = run_check(page("{}", 200, "application/json"), landing)
    assert good.status == "passed"
    assert unnamed.status == "failed" and unnamed.detail == "the page does not name 10.5072/AB"
    assert gone.status == "failed" and "410" in gone.detail
    assert json_page.status == "failed" and "not HTML" in json_page.detail


def test_datacite_hidden_doi_is_not_findable() -> None:
    result, seen = run_check(
        lambda r: httpx.Response(404, json={"errors": [{"status": "404"}]}),
        lambda c: checks.check_datacite(c, "10.5072/a", DEPOSITED, None),
    )
    assert (
        result.status == "failed" and result.detail.startswith("not findable") and seen == ["datacite/dois/10.5072/a"]
    )


def test_datacite_record_of_a_doi_given_by_hand_only_needs_to_be_findable() -> None:
    attributes = {"state": "findable", "url": "http://x/", "creators": [{"name": "Someone"}], "titles": []}
    result, _ = run_check(
        lambda r: httpx.Response(200, json={"data": {"attributes": attributes}}),
        lambda c: checks.check_datacite(c, "10.5072/a", None, None, "pid"),
    )
    assert result.status == "passed" and result.detail == "DataCite record is findable"
    draft, _ = run_check(
        lambda r: httpx.Response(200, json={"data": {"attributes": {**attributes, "state": "draft"}}}),
        lambda c: checks.check_datacite(c, "10.5072/a", None, None, "pid"),
    )
    assert draft.status == "failed" and draft.detail == "state is 'draft', not 'findable'"


def test_checksums_over_rest_follow_pages_and_name_each_mismatch() -> None:
    receipt = {
        "handle": "10261/3",
        "item_id": "u1",
        "target": "dspace7",
        "files": [{"name": "a.bin", "md5": "aa"}, {"name": "b.bin", "md5": "bb"}, {"name": "c.bin", "md5": "cc"}],
    }

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/server/api/core/items/u1":
            return httpx.Response(200, json={"uuid": "u1", "withdrawn": False})
        if path.endswith("/bundles"):
            return httpx.Response(
                200,
                json={
                    "_embedded": {"bundles": [{"uuid": "t", "name": "THUMBNAIL"}, {"uuid": "o", "name": "ORIGINAL"}]}
                },
            )
        if path == "/server/api/core/bundles/o/bitstreams" and request.url.params.get("page") != "1":
            nxt = {"next": {"href": "http://repo/server/api/core/bundles/o/bitstreams?page=1"}}
            bs = [{"name": "a.bin", "checkSum": {"checkSumAlgorithm": "MD5", "value": "aa"}}]
            return httpx.Response(200, json={"_embedded": {"bitstreams": bs}, "_links": nxt})
        bs = [{"name": "b.bin", "checkSum": {"checkSumAlgorithm": "MD5", "value": "XX"}}]
        return httpx.Response(200, json={"_embedded": {"bitstreams": bs}, "_links": {}})

    result, seen = run_check(handler, lambda c: checks.check_checksums(c, receipt, PROFILE.rest_url))
    assert result.status == "failed"
    assert result.detail == "b.bin: MD5 XX, deposited bb; c.bin: not in the repository"
    assert len(seen) == 4


def test_checksums_of_a_withdrawn_item() -> None:
    receipt = {"handle": "10261/3", "item_id": "u1", "files": [{"name": "a.bin", "md5": "aa"}]}
    result, _ = run_check(
        lambda r: httpx.Response(200, json={"withdrawn": True}),
        lambda c: checks.check_checksums(c, receipt, PROFILE.rest_url),
    )
    assert result.status == "failed" and "withdrawn" in result.detail


def test_downloads_too_large_to_hash_are_compared_by_size() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/missing.bin":
            return httpx.Response(404)
        return httpx.Response(200, content=b"x" * 5000)  # no Content-MD5, no ETag: only hashing would tell

    receipt = {
        "handle": "10261/3",
        "target": "sword2",
        "files": [
            {"name": "big.bin", "size": 5000, "md5": "ff", "url": "http://repo/big.bin"},
            {"name": "small.bin", "size": 4999, "md5": "ee", "url": "http://repo/small.bin"},
            {"name": "gone.bin", "size": 1, "md5": "dd", "url": "http://repo/missing.bin"},
            {"name": "nourl.bin", "size": 1, "md5": "cc"},
        ],
    }

    async def go(files: list[dict[str, Any]]) -> Result:
        fetcher, _ = fetcher_for(handler, max_hash=1000)
        ctx = checks.Context(fetcher=fetcher, profile=PROFILE)
        return await checks.check_checksums(ctx, {**receipt, "files": files}, None)

    ok = asyncio.run(go(receipt["files"][:1]))
    assert ok.status == "passed" and ok.url == "http://repo/big.bin"
    bad = asyncio.run(go(receipt["files"][1:2]))
    assert bad.status == "failed" and bad.detail == "small.bin: 5000 bytes, deposited 4999"
    broken = asyncio.run(go(receipt["files"]))
    assert (
        broken.detail
        == "nourl.bin: the receipt has no download URL; gone.bin: download HTTP 404 from http://repo/missing.bin"
    )


# -- history --------------------------------------------------------------------------------------------------
def test_changes_against_earlier_runs(tmp_path: Path) -> None:
    with Ledger(tmp_path / "l.sqlite") as ledger:
        first, _ = history.start_run(ledger, "p")
        history.finish_run(
            ledger,
            first,
            Report(
                [
                    Result("a", "handle", "failed", "x"),
                    Result("b", "handle", "passed", "ok"),
                ]
            ),
        )
        second, _ = history.start_run(ledger, "p")
        previous, previous_run = history.previous_statuses(ledger, "p", second)
        now = [
            Result("a", "handle", "passed", "ok"),
            Result("b", "handle", "failed", "x"),
            Result("c", "handle", "failed", "new deposit, broken"),
        ]
        history.mark_changes(now, previous, previous_run is not None)
        assert previous_run == first
        assert [r.changed for r in now] == ["fixed", "newly-broken", "newly-broken"]
        history.finish_run(ledger, second, Report(now))
        stored = ledger.query("SELECT pid, status, detail FROM verify_result WHERE run_id = ? ORDER BY pid", (second,))
        assert [(r["pid"], r["status"]) for r in stored] == [("a", "passed"), ("b", "failed"), ("c", "failed")]
        assert json.loads(stored[1]["detail"])["changed"] == "newly-broken"
        runs = history.runs(ledger, "p")
        assert runs[0]["summary"]["failed"] == 2 and runs[1]["summary"]["failed"] == 1
        other, _ = history.start_run(ledger, "another-profile")
        assert history.previous_statuses(ledger, "another-profile", other) == ({}, None)


def test_first_run_marks_nothing() -> None:
    results = [Result("a", "handle", "failed", "x")]
    history.mark_changes(results, {}, False)
    assert results[0].changed is None


# -- against the sandbox ----------------------------------------------------------------------------------------
def test_retries_get_through_503s_with_retry_after(tmp_path: Path) -> None:
    from bridge.embedded import sandbox_profile
    from bridge.sandbox.app import SandboxConfig
    from bridge.sandbox.seed import seed_store
    from bridge.sandbox.server import running_sandbox
    from bridge.verify import Options, verify_profile

    config = SandboxConfig(data_dir=tmp_path / "sandbox", faults="handle+landing:503=0.3:0", seed=3)
    with running_sandbox(config, env={}) as sandbox, Ledger(tmp_path / "ledger.sqlite") as ledger:
        seed_store(sandbox.store, 10, seed=1)
        handles = [
            r["handle"]
            for r in sandbox.store.query("SELECT handle FROM item WHERE in_archive = 1 AND discoverable = 1")
        ]
        options = Options(pids=handles, policy=RetryPolicy(attempts=10, base_wait=0.01, max_wait=0.1))
        report = verify_profile(sandbox_profile(sandbox), ledger, options)
        served_503 = sandbox.sandbox.faults.stats.get("503", 0)
    assert report.ok and report.summary["passed"] == 2 * len(handles) == report.summary["total"]
    assert served_503 > 0 and report.run["requests"] == 2 * len(handles) + served_503


def test_sword2_deposits_are_checked_through_their_download_urls(sandbox, sandbox_settings, fixtures_dir: Path) -> None:
    from bridge.harvest import Harvester, Scope
    from bridge.oai.client import OAIClient
    from bridge.publish import publish
    from bridge.verify import Options, verify

    receipt = publish(fixtures_dir / "monitoring-logs", sandbox_settings, target="sword2")
    assert receipt["target"] == "sword2" and all(f["url"] for f in receipt["files"])
    url = sandbox_settings.profile().oai_url
    with OAIClient(url) as client, Ledger(sandbox_settings.ledger_url) as ledger:
        Harvester(client, ledger).run(Scope(url, "oai_dc"))
    report = verify(sandbox_settings, Options())
    checksums = next(r for r in report.results if r.check == "checksums")
    assert report.ok and checksums.status == "passed"
    assert checksums.detail == f"{len(receipt['files'])} file(s) match the deposited MD5"
    assert checksums.url == receipt["files"][0]["url"]  # read from the downloads, not from DSpace REST
    sandbox.store.query("UPDATE bitstream SET md5 = ? WHERE uuid = ?", ("0" * 32, receipt["files"][1]["bitstream_id"]))
    again = next(r for r in verify(sandbox_settings, Options()).results if r.check == "checksums")
    assert again.status == "failed" and again.detail.startswith(f"{receipt['files'][1]['name']}: MD5 {'0' * 32}")


def test_sandbox_receipts_follow_the_sandbox_to_its_new_port() -> None:
    from bridge.verify.subjects import rebased

    old, new = "http://127.0.0.1:8765", "http://127.0.0.1:40001"
    receipt = {
        "repository": {"landing_base": old},
        "landing_url": f"{old}/handle/10261/3",
        "handle_url": f"{old}/10261/3",
        "files": [{"name": "a", "url": f"{old}/bitstream/10261/3/1/a"}],
        "deposited": {"identifiers": ["https://doi.org/10.5072/x", f"{old}/10261/3"]},
    }
    moved = rebased(receipt, Profile(name="sandbox", landing_base=new, sandbox=True))
    assert moved["landing_url"] == f"{new}/handle/10261/3" and moved["files"][0]["url"].startswith(new)
    assert moved["deposited"]["identifiers"] == ["https://doi.org/10.5072/x", f"{new}/10261/3"]
    assert receipt["landing_url"].startswith(old)  # the stored receipt is not changed
    assert rebased(receipt, Profile(name="prod", landing_base=new)) is receipt  # only sandbox receipts move


def test_doi_and_handle_pids_of_the_same_items_cost_one_request_per_lookup(tmp_path: Path) -> None:
    """One DOI lookup, one DataCite read, one Handle lookup per PID, and one landing GET per page, shared."""
    from bridge.embedded import sandbox_profile
    from bridge.sandbox.app import SandboxConfig
    from bridge.sandbox.seed import seed_store
    from bridge.sandbox.server import running_sandbox
    from bridge.verify import Options, verify_profile

    with (
        running_sandbox(SandboxConfig(data_dir=tmp_path / "sandbox", seed=3), env={}) as sandbox,
        Ledger(tmp_path / "ledger.sqlite") as ledger,
    ):
        seed_store(sandbox.store, 30, seed=1)
        rows = sandbox.store.query("SELECT doi, url FROM doi WHERE state = 'findable'")
        dois = [r["doi"] for r in rows]
        handles = [r["url"].rsplit("/handle/", 1)[1] for r in rows]
        assert len(dois) >= 5
        alone = verify_profile(sandbox_profile(sandbox), ledger, Options(pids=dois))
        both = verify_profile(sandbox_profile(sandbox), ledger, Options(pids=dois + handles))
    assert alone.ok and both.ok
    assert sorted({r.check for r in alone.results}) == ["datacite", "doi", "landing"]
    assert alone.run["requests"] == 3 * len(dois)  # DOI resolution, DataCite record, landing page
    assert both.summary["total"] == 5 * len(dois)  # the Handles add their lookup and their landing check
    assert both.run["requests"] == 4 * len(dois)  # ... but each landing page is fetched once for both PIDs
    assert alone.run["requests_per_pid"] == 3.0 and both.run["requests_per_pid"] == 2.0
