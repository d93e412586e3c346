"""Issue 15.1/15.5/15.8/15.9: bounded answers (decoded size, total deadline, run deadline), safe retries on login,
URLs that cannot be used and redirect loops — each against a real server on 127.0.0.1 that misbehaves."""

from __future__ import annotations

import asyncio
import gzip
import socket
import time

import httpx
import pytest
from netserver import answer, raw_server, request_path
from typer.testing import CliRunner

from bridge.cli import app
from bridge.errors import DeadlineExceeded, RepositoryError, ResponseTooLarge, UsageError
from bridge.http import RetryPolicy, make_async_client, make_client
from bridge.http_bounds import MB, NetLimits, run_deadline
from bridge.oai.client import OAIClient
from bridge.verify.fetch import Fetcher

runner = CliRunner()
BOMB = gzip.compress(b"\0" * (64 * MB), compresslevel=9)  # 64 MB decoded from ~64 KB on the wire


def bomb(conn: socket.socket, head: bytes) -> None:
    answer(conn, "200 OK", {"Content-Type": "text/xml", "Content-Encoding": "gzip"}, BOMB)


def trickle(conn: socket.socket, head: bytes) -> None:
    """Headers at once, then one byte of body every 0.2 s for 8 s: each read is quick, the answer never is."""
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 40\r\n\r\n")
    for _ in range(40):
        time.sleep(0.2)
        conn.sendall(b" ")


def test_gzip_bomb_stops_at_the_decoded_limit_naming_url_and_limit() -> None:
    assert len(BOMB) < MB  # what crosses the wire is small; the limit is on what it inflates to
    with (
        raw_server(bomb) as url,
        make_client(limits=NetLimits(max_body=MB)) as client,
        pytest.raises(ResponseTooLarge) as info,
    ):
        client.get(f"{url}/page")
    assert f"{url}/page" in info.value.message and "1 MB" in info.value.message
    assert "decoded" in info.value.message and "max_response_mb" in (info.value.hint or "")


def test_streamed_reads_never_hold_more_than_a_piece_of_a_bomb() -> None:
    pieces: list[int] = []
    with (
        raw_server(bomb) as url,
        make_client(limits=NetLimits(max_body=128 * MB)) as client,
        client.stream("GET", url) as response,
    ):
        pieces = [len(p) for p in response.iter_raw()]
    assert sum(pieces) == 64 * MB and max(pieces) <= 64 * 1024  # inflated in 64 KB steps, never a chunk at once


def test_harvest_of_a_bomb_is_one_line_naming_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIDGE_MAX_RESPONSE_MB", "2")
    with raw_server(bomb) as url:
        result = runner.invoke(app, ["harvest", "--endpoint", f"{url}/oai"])
    assert result.exit_code == 1, result.output
    assert "larger than the limit of 2 MB" in result.output and f"{url}/oai" in result.output
    assert "MemoryError" not in result.output and "internal error" not in result.output


def test_async_clients_are_bounded_too_and_verify_reports_the_bound() -> None:
    async def fetch(url: str) -> str | None:
        client = make_async_client(bounds=NetLimits(max_body=MB))
        async with client:
            fetcher = Fetcher(client, policy=RetryPolicy(attempts=1), max_body=16 * MB)
            got = await fetcher.get(url)
        return got.error

    with raw_server(bomb) as url:
        error = asyncio.run(fetch(f"{url}/landing"))
    assert error is not None and "larger than the limit of 1 MB" in error


def test_a_trickling_server_meets_the_total_deadline() -> None:
    with (
        raw_server(trickle) as url,
        make_client(timeout=5, limits=NetLimits(deadline=1.0)) as client,
        pytest.raises(DeadlineExceeded) as info,
    ):
        client.get(f"{url}/slow")  # every read is well within the 5 s read timeout
    assert "total deadline of 1 s" in info.value.message and f"{url}/slow" in info.value.message


def test_the_run_deadline_bounds_every_request_of_a_run() -> None:
    with (
        raw_server(trickle) as url,
        make_client(timeout=5) as client,
        run_deadline(1.0),
        pytest.raises(DeadlineExceeded) as info,
    ):
        client.get(url)
    assert "--max-duration" in info.value.message


def test_harvest_max_duration_stops_a_trickling_provider() -> None:
    with raw_server(trickle) as url:
        result = runner.invoke(app, ["harvest", "--endpoint", f"{url}/oai", "--max-duration", "1"])
    assert result.exit_code == 1, result.output
    assert "maximum duration of 1 s" in result.output


@pytest.mark.parametrize(
    ("endpoint", "says"),
    [
        ("file:///etc/passwd", "only http:// and https:// are supported"),
        ("ftp://example.org/oai", "only http:// and https:// are supported"),
        ("http://[::1/oai", "is not a valid URL"),
        ("http://[zz::1]/oai", "is not a valid URL"),
        ("http:///oai", "has no host"),
    ],
)
def test_unusable_endpoints_are_usage_errors_before_any_request(endpoint: str, says: str) -> None:
    result = runner.invoke(app, ["harvest", "--endpoint", endpoint])
    assert result.exit_code == 2, result.output
    assert says in result.output and "attempts" not in result.output and "internal error" not in result.output
    with pytest.raises(UsageError):
        OAIClient(endpoint)


def test_a_redirect_loop_is_reported_as_one() -> None:
    def loop(conn: socket.socket, head: bytes) -> None:
        answer(conn, "302 Found", {"Location": request_path(head)})

    with (
        raw_server(loop) as url,
        OAIClient(f"{url}/oai", policy=RetryPolicy(attempts=1)) as oai,
        pytest.raises(RepositoryError) as info,
    ):
        oai.harvest(verb="Identify")
    assert "redirects in a loop" in info.value.message and "empty response body" not in info.value.message


def test_a_redirect_to_the_real_endpoint_is_followed() -> None:
    identify = (
        b'<?xml version="1.0"?><OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
        b"<responseDate>2026-01-01T00:00:00Z</responseDate><request>x</request><Identify>"
        b"<repositoryName>R</repositoryName><baseURL>x</baseURL><protocolVersion>2.0</protocolVersion>"
        b"<adminEmail>a@example.org</adminEmail><earliestDatestamp>2020-01-01</earliestDatestamp>"
        b"<deletedRecord>no</deletedRecord><granularity>YYYY-MM-DD</granularity></Identify></OAI-PMH>"
    )

    def moved(conn: socket.socket, head: bytes) -> None:
        path = request_path(head)
        if path.startswith("/old"):
            answer(conn, "301 Moved Permanently", {"Location": path.replace("/old", "/new", 1)})
        else:
            answer(conn, "200 OK", {"Content-Type": "text/xml"}, identify)

    with raw_server(moved) as url, OAIClient(f"{url}/old/oai") as oai:
        assert oai.identify().repository_name == "R"


def test_login_answered_503_with_retry_after_is_retried(sandbox) -> None:
    """Issue 15.8: a 503 on login used to end publish at step 'lookup'; login is safe to repeat."""
    from bridge.embedded import sandbox_profile
    from bridge.targets.dspace_rest import DSpaceSession

    real = httpx.HTTPTransport()
    refused: list[str] = []

    class Busy(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            if request.url.path.endswith("/authn/login") and len(refused) < 2:
                refused.append(request.method)
                return httpx.Response(503, headers={"Retry-After": "0"}, content=b"busy")
            return real.handle_request(request)

    session = DSpaceSession(sandbox_profile(sandbox), transport=Busy())
    try:
        session.login()
        assert session.logged_in and session.eperson_uuid
    finally:
        session.close()
    assert refused == ["POST", "POST"]


@pytest.mark.parametrize("target", ["dspace7", "sword2"])
def test_a_profile_url_with_a_malformed_ipv6_host_is_a_usage_error(sandbox, target: str) -> None:
    from bridge.embedded import sandbox_profile
    from bridge.targets import make_target

    profile = sandbox_profile(sandbox).model_copy(
        update={"rest_url": "http://[::1/server/api", "sword_url": "http://[::1/server/swordv2", "target": target}
    )
    with pytest.raises(UsageError, match=r"(rest|sword)_url"):
        make_target(profile, target)


def test_datacite_answers_are_bounded_like_every_other() -> None:
    """The datacite package's client sends through the bridge's bounded httpx client: a bomb for a DOI read stops."""
    from pydantic import SecretStr

    from bridge.doi import DoiClient
    from bridge.settings import Profile

    seen: list[str] = []

    def datacite(conn: socket.socket, head: bytes) -> None:
        seen.append(request_path(head))
        answer(conn, "200 OK", {"Content-Type": "application/vnd.api+json", "Content-Encoding": "gzip"}, BOMB)

    with raw_server(datacite) as url:
        profile = Profile(
            name="prod",
            doi_api=url,
            doi_prefix="10.5072",
            doi_user="ORG.REPO",
            doi_password=SecretStr("s3cret-pass"),
            max_response_mb=1,
        )
        client = DoiClient(profile, sleep=lambda seconds: None)
        with pytest.raises(ResponseTooLarge) as info:
            client.get("10.5072/bridge.abc")
        client.close()
    assert seen and seen[0].startswith("/dois/10.5072/bridge.abc")
    assert "1 MB" in info.value.message and "s3cret-pass" not in str(info.value.lines())
