"""verify's HTTP clients: aiohttp on the network (the sandbox, over real HTTP), httpx over a test's transport."""

from __future__ import annotations

import asyncio

import aiohttp
import httpx
import pytest

from bridge.http import RetryPolicy
from bridge.verify import transport
from bridge.verify.fetch import Fetcher, close_clients, make_clients


def test_network_clients_are_aiohttp_and_a_given_transport_gets_httpx() -> None:
    async def kinds() -> tuple[list[type], list[type]]:
        net = make_clients(3)
        mocked = make_clients(2, transport=httpx.MockTransport(lambda r: httpx.Response(204)))
        try:
            return [type(c) for c in net], [type(c) for c in mocked]
        finally:
            await close_clients(net + mocked)

    net, mocked = asyncio.run(kinds())
    assert net == [aiohttp.ClientSession] * 3 and mocked == [httpx.AsyncClient] * 2


def test_the_sandbox_answers_through_aiohttp_with_redirects_gzip_and_the_cache(sandbox) -> None:
    base = sandbox.urls["oai"].split("/server/")[0]

    async def go() -> tuple[list, int]:
        clients = make_clients(2)
        try:
            fetcher = Fetcher(clients, concurrency=2, per_host=2)
            url = f"{sandbox.urls['oai']}?verb=Identify"
            got = await asyncio.gather(fetcher.get(url), fetcher.get(url), fetcher.get(f"{base}/no/such/page"))
            return list(got), fetcher.requests
        finally:
            await close_clients(clients)

    (first, second, missing), requests = asyncio.run(go())
    assert first is second and requests == 2  # one request for the two identical GETs
    assert first.status == 200 and b"<Identify>" in first.body and first.content_type == "text/xml"
    assert missing.status == 404 and missing.error is None


def test_no_answer_and_invalid_urls_are_failed_answers_not_exceptions() -> None:
    async def go() -> list:
        clients = make_clients(1)
        try:
            fetcher = Fetcher(clients, concurrency=1, per_host=1, policy=transport_policy())
            return list(await asyncio.gather(fetcher.get("http://127.0.0.1:1/x"), fetcher.get("ftp://h/x")))
        finally:
            await close_clients(clients)

    refused, invalid = asyncio.run(go())
    assert refused.status is None and refused.attempts == 2 and "127.0.0.1:1" in refused.problem()
    assert invalid.status is None and invalid.permanent and invalid.attempts == 1 and "invalid URL" in invalid.error


def transport_policy() -> RetryPolicy:
    return RetryPolicy(attempts=2, base_wait=0.0, max_wait=0.0, jitter=0.0)


@pytest.mark.parametrize(
    "no_proxy,host,expected",
    [("", "repo.example.org", "http://proxy.test:3128"), ("example.org", "repo.example.org", None)],
)
def test_proxies_come_from_the_environment(monkeypatch, no_proxy: str, host: str, expected: str | None) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.test:3128")
    monkeypatch.setenv("NO_PROXY", no_proxy)
    transport._env_proxy.cache_clear()
    try:
        assert transport._env_proxy("http", host) == expected
    finally:
        transport._env_proxy.cache_clear()


def test_aiohttp_inflates_a_gzip_bomb_in_bounded_pieces_and_the_fetcher_cuts_it() -> None:
    import gzip

    from netserver import answer, raw_server

    bomb = gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9)  # 64 MB decoded from ~64 KB sent

    def serve(conn, head: bytes) -> None:
        answer(conn, "200 OK", {"Content-Type": "text/html", "Content-Encoding": "gzip"}, bomb)

    async def go(url: str) -> tuple[list[int], int, bool]:
        clients = make_clients(1)
        try:
            pieces: list[int] = []
            async with transport.open_stream(clients[0], url, {}, True) as reply:
                async for piece in reply.aiter_bytes():
                    pieces.append(len(piece))
                    if sum(pieces) > 8 * 1024 * 1024:
                        break
            fetcher = Fetcher(clients, concurrency=1, per_host=1, max_body=1024 * 1024)
            got = await fetcher.get(url)
            return pieces, len(got.body), got.truncated
        finally:
            await close_clients(clients)

    with raw_server(serve) as url:
        pieces, body, truncated = asyncio.run(go(f"{url}/landing"))
    # aiohttp's own decoder would hand over each wire chunk inflated whole (up to ~64 MB); ours 64 KB at a time
    assert max(pieces) <= 64 * 1024 and sum(pieces) > 8 * 1024 * 1024
    assert body == 1024 * 1024 and truncated


def test_aiohttp_reports_a_corrupt_gzip_body_as_no_answer() -> None:
    from netserver import answer, raw_server

    def serve(conn, head: bytes) -> None:
        answer(conn, "200 OK", {"Content-Type": "text/html", "Content-Encoding": "gzip"}, b"not gzip at all")

    async def go(url: str) -> str | None:
        clients = make_clients(1)
        try:
            got = await Fetcher(clients, concurrency=1, per_host=1, policy=RetryPolicy(attempts=1)).get(url)
            return got.error
        finally:
            await close_clients(clients)

    with raw_server(serve) as url:
        error = asyncio.run(go(f"{url}/landing"))
    assert error is not None and "gzip" in error
