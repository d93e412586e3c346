"""Polite concurrent HTTP for verify: a global and a per-host limit, retries with Retry-After, a per-run cache.

A request takes a slot of its host first (``per_host``) and then one of ``concurrency`` clients, so one
slow host cannot hold every slot. Each client carries one request at a time over its own few keep-alive
connections: httpx's async connection pool gets slower per request as more requests share it (with 32 in
flight on one client it is slower than with 8), while one client per slot scales with the concurrency. The
clients are aiohttp sessions on the network (see ``bridge.verify.transport``), httpx ones in unit tests.
429, 5xx and transport errors are retried as ``bridge.http.send_idempotent`` does for sync clients (same
policy, Retry-After honoured and capped); slots are released while waiting. Bodies are read up to a bound,
so a huge landing page or file cannot exhaust memory, and the answer for each (URL, Accept) is cached for
the whole run: two checks that need the same page cost one request.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from bridge.errors import DeadlineExceeded, ResponseTooLarge
from bridge.http import RETRY_STATUSES, RetryPolicy, retry_after_seconds
from bridge.http_bounds import check_run_deadline
from bridge.verify.transport import Client, NoAnswer, Reply, close_clients, make_clients, open_stream

VERIFY_POLICY = RetryPolicy(attempts=4, base_wait=0.5, max_wait=30.0)
MAX_BODY = 2 * 1024 * 1024  # landing pages and API answers; more is read as truncated
MAX_HASH = 1024**3  # files larger than this are compared by size only
MAX_CACHED = 64 * 1024**2  # bodies kept for reuse within a run; past this the oldest answers are dropped
Sleep = Callable[[float], Awaitable[None]]
__all__ = ["Client", "Fetched", "Fetcher", "close_clients", "host_of", "make_clients"]


@dataclass
class Fetched:
    """What one GET produced: status, headers and a bounded body, or the network error."""

    url: str
    status: int | None = None  # None: no HTTP answer (connection refused, timeout, reset)
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    final_url: str = ""
    error: str | None = None
    seconds: float = 0.0
    attempts: int = 0
    truncated: bool = False
    md5: str | None = None  # set by digest requests
    size: int | None = None
    permanent: bool = False  # a failure no retry can fix (an invalid URL)

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def json(self) -> Any:
        """Return the body as JSON, or None when it is not JSON."""
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            return None

    def text(self) -> str:
        charset = "utf-8"
        for part in self.headers.get("content-type", "").split(";")[1:]:
            key, _, value = part.strip().partition("=")
            if key.lower() == "charset" and value:
                charset = value.strip('"')
        try:
            return self.body.decode(charset, errors="replace")
        except LookupError:
            return self.body.decode("utf-8", errors="replace")

    def problem(self) -> str:
        """Describe a failed answer in one phrase."""
        if self.status is None:
            return f"no answer from {host_of(self.url)}: {self.error}"
        return f"HTTP {self.status} from {self.final_url or self.url}"


def host_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.netloc.lower() or url


async def send_idempotent_async(
    send: Callable[[], Awaitable[Fetched]],
    *,
    policy: RetryPolicy = VERIFY_POLICY,
    sleep: Sleep = asyncio.sleep,
    rng: random.Random | None = None,
) -> Fetched:
    """Call `send` until its answer is not retryable or the attempts are used up; return the last answer.

    The async twin of ``bridge.http.send_idempotent``: 429/5xx answers and transport errors (``status``
    None) are retried after what Retry-After asks, else after an exponential backoff with jitter.
    """
    rng = rng or random.Random()
    attempt = 0
    while True:
        attempt += 1
        fetched = await send()
        fetched.attempts = attempt
        retryable = not fetched.permanent and (fetched.status is None or fetched.status in RETRY_STATUSES)
        if not retryable or attempt >= policy.attempts:
            return fetched
        wait = policy.base_wait * (2 ** (attempt - 1))
        asked = _retry_after(fetched)
        if asked is not None:
            wait = asked
        wait = min(wait, policy.max_wait)
        await sleep(wait + rng.uniform(0, policy.jitter * max(wait, policy.base_wait)))


def _retry_after(fetched: Fetched) -> float | None:
    if fetched.status is None or "retry-after" not in fetched.headers:
        return None
    return retry_after_seconds(httpx.Response(fetched.status, headers={"retry-after": fetched.headers["retry-after"]}))


class Fetcher:
    """Bounded, cached, retried GETs for one verify run."""

    def __init__(
        self,
        clients: Client | Sequence[Client],
        *,
        concurrency: int = 8,
        per_host: int = 4,
        policy: RetryPolicy = VERIFY_POLICY,
        sleep: Sleep = asyncio.sleep,
        max_body: int = MAX_BODY,
        max_hash: int = MAX_HASH,
        max_cached: int = MAX_CACHED,
    ) -> None:
        pool: list[Client] = list(clients) if isinstance(clients, Sequence) else [clients]
        self.free: asyncio.Queue[Client] = asyncio.Queue()
        for i in range(max(1, concurrency)):  # the global limit: a request needs a free client
            self.free.put_nowait(pool[i % len(pool)])
        self.per_host = max(1, per_host)
        self.hosts: dict[str, asyncio.Semaphore] = {}
        self.policy = policy
        self.sleep = sleep
        self.max_body = max_body
        self.max_hash = max_hash
        self.cache: dict[tuple[str, str, str], asyncio.Task[Fetched]] = {}
        self.max_cached = max_cached
        self.cached_bytes = 0
        self.requests = 0
        self.answered: Counter[str] = Counter()  # per host: requests that got an HTTP answer
        self.unreachable: Counter[str] = Counter()  # per host: requests that got none
        self.rng = random.Random()

    @asynccontextmanager
    async def _slot(self, url: str) -> Any:
        """Hold a slot of the URL's host, then a free client; yield the client."""
        host = host_of(url)
        sem = self.hosts.setdefault(host, asyncio.Semaphore(self.per_host))
        async with sem:
            client = await self.free.get()
            try:
                yield client
            finally:
                self.free.put_nowait(client)

    async def get(self, url: str, *, accept: str | None = None, follow: bool = False) -> Fetched:
        """GET `url` (bounded body); the first caller fetches, later callers get the cached answer."""
        return await self._cached(("get", url, f"{accept}|{follow}"), lambda: self._read(url, accept, follow))

    async def digest(self, url: str) -> Fetched:
        """GET a file and return its size and MD5: from Content-MD5 or an MD5-shaped ETag, else by hashing."""
        return await self._cached(("digest", url, ""), lambda: self._hash(url))

    async def _cached(self, key: tuple[str, str, str], make: Callable[[], Awaitable[Fetched]]) -> Fetched:
        task = self.cache.get(key)
        if task is None:
            task = asyncio.ensure_future(
                send_idempotent_async(make, policy=self.policy, sleep=self.sleep, rng=self.rng)
            )
            self.cache[key] = task
            task.add_done_callback(self._account)
        return await task

    def _account(self, task: asyncio.Task[Fetched]) -> None:
        """Count a finished answer's body; drop the oldest finished answers while over the budget."""
        if task.cancelled() or task.exception() is not None:
            return
        self.cached_bytes += len(task.result().body)
        while self.cached_bytes > self.max_cached and self.cache:
            oldest_key = next(iter(self.cache))
            oldest = self.cache[oldest_key]
            if not oldest.done():
                break  # still in flight; its callers will have it, the budget waits
            del self.cache[oldest_key]
            if not oldest.cancelled() and oldest.exception() is None:
                self.cached_bytes -= len(oldest.result().body)

    async def _read(self, url: str, accept: str | None, follow: bool) -> Fetched:
        headers = {"Accept": accept} if accept else {}

        async def consume(response: Reply, out: Fetched) -> None:
            chunks, size = [], 0
            async for chunk in response.aiter_bytes():
                chunks.append(chunk)
                size += len(chunk)
                if size > self.max_body:
                    out.truncated = True
                    break
            out.body = b"".join(chunks)[: self.max_body]

        return await self._stream(url, headers, follow, consume)

    async def _hash(self, url: str) -> Fetched:
        async def consume(response: Reply, out: Fetched) -> None:
            out.size = _int(response.headers.get("content-length"))
            out.md5 = _declared_md5(response.headers)
            if out.md5 is not None or response.status_code != 200:
                return  # the server told us (DSpace's ETag is the MD5); no need to read the file
            if out.size is not None and out.size > self.max_hash:
                return  # too big to hash within a verify run: the caller compares the size
            md5, size = hashlib.md5(usedforsecurity=False), 0
            async for chunk in response.aiter_bytes():
                md5.update(chunk)
                size += len(chunk)
                if size > self.max_hash:
                    out.size, out.md5 = size, None
                    return
            out.size, out.md5 = size, md5.hexdigest()

        return await self._stream(url, {}, True, consume)

    async def _stream(
        self,
        url: str,
        headers: dict[str, str],
        follow: bool,
        consume: Callable[[Reply, Fetched], Awaitable[None]],
    ) -> Fetched:
        check_run_deadline()  # --max-duration bounds verify whichever client (aiohttp or httpx) carries it
        out = Fetched(url=url)
        started = time.perf_counter()
        async with self._slot(url) as client:
            self.requests += 1
            try:
                async with open_stream(client, url, headers, follow) as response:
                    out.status = response.status_code
                    out.headers = dict(response.headers)
                    out.final_url = response.url
                    await consume(response, out)
            except (ResponseTooLarge, DeadlineExceeded) as exc:  # the answer's own bounds (bridge.http_bounds)
                check_run_deadline()  # the run's --max-duration stops the run, not one check
                out.status, out.error, out.permanent = None, exc.message, True
            except NoAnswer as exc:
                out.status, out.error, out.permanent = None, exc.message, exc.permanent
        out.seconds = time.perf_counter() - started
        (self.answered if out.status is not None else self.unreachable)[host_of(url)] += 1
        return out


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _declared_md5(headers: Mapping[str, str]) -> str | None:
    """Return the MD5 a server declares: Content-MD5 (base64) or an ETag of 32 hex digits (DSpace's checksum)."""
    content_md5 = headers.get("content-md5")
    if content_md5:
        try:
            raw = base64.b64decode(content_md5, validate=True)
        except ValueError:
            raw = b""
        if len(raw) == 16:
            return raw.hex()
    etag = (headers.get("etag") or "").removeprefix("W/").strip('"').lower()
    if len(etag) == 32 and all(c in "0123456789abcdef" for c in etag):
        return etag
    return None
