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
