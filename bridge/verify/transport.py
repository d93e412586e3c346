"""The HTTP clients under verify's fetcher: aiohttp on the network, httpx when a test hands in a transport.

Verify is a client of thousands of small GETs, and its own CPU decides how many it can carry: aiohttp (a C
HTTP parser, no per-call cancel scopes) spends about a fifth of what httpx's async stack spends per request
(0.17 ms against 0.8-1.0 ms, measured against the sandbox's Handle API at concurrency 32), which is what lets
verify keep 64 requests in flight on one core. An httpx transport given by the caller (a unit test's
``httpx.MockTransport``) still gets httpx clients. Both answer through one small interface, ``Reply``, and
both turn "no HTTP answer" into ``NoAnswer``.
"""

from __future__ import annotations

import functools
import urllib.request
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Protocol

import aiohttp
import httpx
import yarl

from bridge.errors import TransportError
from bridge.http import USER_AGENT, make_async_client
from bridge.http_bounds import DEFAULT_LIMITS, ContentDecoder

CLIENT_CONNECTIONS = 4  # keep-alive connections per client: one per host a check visits, about
CHUNK = 64 * 1024
Client = httpx.AsyncClient | aiohttp.ClientSession


class Reply(Protocol):
    """An answer being read: status, headers (lower-case names) and the decoded body in chunks."""

    @property
    def status_code(self) -> int: ...
    @property
    def headers(self) -> Mapping[str, str]: ...
    @property
    def url(self) -> str: ...
    def aiter_bytes(self) -> AsyncIterator[bytes]: ...


class NoAnswer(Exception):
    """The request got no HTTP answer (refused, reset, timed out, truncated) or could not be sent at all."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent  # no retry can fix it (an invalid URL)


def make_clients(
    count: int, *, timeout: float = 30.0, transport: httpx.AsyncBaseTransport | None = None
) -> list[Client]:
    """Return `count` clients, each for one request at a time: aiohttp sessions, or httpx ones over `transport`.

    Call inside the event loop that will use them; close them with `close_clients`.
    """
    count = max(1, count)
    if transport is not None:
        limits = httpx.Limits(max_connections=CLIENT_CONNECTIONS, max_keepalive_connections=CLIENT_CONNECTIONS)
        return [make_async_client(timeout=timeout, limits=limits, transport=transport) for _ in range(count)]
    tls = httpx.create_ssl_context()  # the same trust store as every other request of the bridge (certifi)
    # total: the same deadline per answer as every bounded httpx request (a trickling server is stopped)
    limits_timeout = aiohttp.ClientTimeout(
        total=DEFAULT_LIMITS.deadline, connect=min(timeout, 10.0), sock_read=timeout
    )
    return [
        aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=CLIENT_CONNECTIONS, ssl=tls),
            timeout=limits_timeout,
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"},
            # The body is inflated here in bounded pieces (http_bounds.ContentDecoder), never a whole chunk at once:
            # aiohttp's own decoder would inflate a gzip bomb's chunk into memory before the fetcher's cut.
            auto_decompress=False,
            # Not trust_env: aiohttp then asks a thread for the proxy and the .netrc on every request (two
            # thread hops, about half a request's CPU); the environment's proxies are read once instead.
            trust_env=False,
        )
        for _ in range(count)
    ]


async def close_clients(clients: Sequence[Client]) -> None:
    for client in clients:
        if isinstance(client, aiohttp.ClientSession):
            await client.close()
        else:
            await client.aclose()


@functools.cache
def _env_proxy(scheme: str, host: str) -> str | None:
    """The proxy the environment (HTTP_PROXY, HTTPS_PROXY, NO_PROXY) names for a host, as httpx would use."""
    if not host or urllib.request.proxy_bypass(host):
        return None
    return urllib.request.getproxies_environment().get(scheme)


class _AiohttpReply:
    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self.response = response
        self.status_code = response.status
        self.headers = {k.lower(): v for k, v in response.headers.items()}
        self.url = str(response.url)

    def aiter_bytes(self) -> AsyncIterator[bytes]:
        return self._decoded()

    async def _decoded(self) -> AsyncIterator[bytes]:
        """The body with its Content-Encoding undone, at most http_bounds.PIECE bytes per step."""
        try:
            decoder = ContentDecoder(self.headers.get("content-encoding", ""), self.url)
            async for chunk in self.response.content.iter_chunked(CHUNK):
                for piece in decoder.feed(chunk):
                    yield piece
            for piece in decoder.flush():
                yield piece
        except (TransportError, httpx.DecodingError) as exc:
            raise aiohttp.ClientPayloadError(f"{self.url}: {exc}") from exc


class _HttpxReply:
    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.status_code = response.status_code
        self.headers = {k.lower(): v for k, v in response.headers.items()}
        self.url = str(response.url)

    def aiter_bytes(self) -> AsyncIterator[bytes]:
        return self.response.aiter_bytes()


@asynccontextmanager
async def open_stream(
    client: Client, url: str, headers: dict[str, str], follow: bool
) -> AsyncIterator[_AiohttpReply | _HttpxReply]:
    """GET `url` and yield its answer while the body is read; raise NoAnswer when there is no HTTP answer."""
    if isinstance(client, aiohttp.ClientSession):
        try:
            target = yarl.URL(url)
        except ValueError as exc:
            raise NoAnswer(f"invalid URL: {exc}", permanent=True) from exc
        try:
            proxy = _env_proxy(target.scheme, target.host or "")
            async with client.get(
                target, headers=headers, allow_redirects=follow, max_redirects=20, proxy=proxy
            ) as response:
                yield _AiohttpReply(response)
        except (aiohttp.InvalidURL, aiohttp.NonHttpUrlClientError) as exc:
            raise NoAnswer(f"invalid URL: {exc}", permanent=True) from exc
        except aiohttp.TooManyRedirects as exc:
            raise NoAnswer(f"TooManyRedirects: more than 20 redirects from {url}", permanent=True) from exc
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise NoAnswer(f"{type(exc).__name__}: {exc}".rstrip(": ")) from exc
        return
    try:
        async with client.stream("GET", url, headers=headers, follow_redirects=follow) as response:
            yield _HttpxReply(response)
    except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:  # before TransportError, its parent
        raise NoAnswer(f"invalid URL: {exc}", permanent=True) from exc
    except httpx.TransportError as exc:
        raise NoAnswer(f"{type(exc).__name__}: {exc}".rstrip(": ")) from exc
