"""One HTTP client factory for the bridge: timeouts, a descriptive User-Agent, and a safe retry policy.

Retries apply only to requests the caller marks idempotent (GETs, OAI-PMH requests). They happen on
429, 5xx and transport errors, wait what ``Retry-After`` asks (delta-seconds or an HTTP-date) capped at
``max_wait``, and otherwise back off exponentially with jitter.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import ipaddress
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception_type, retry_if_result, stop_after_attempt

from bridge import __version__
from bridge.errors import TransportError, UsageError
from bridge.http_bounds import DEFAULT_LIMITS, NetLimits, bounded, bounded_async

USER_AGENT = f"oai-bridge/{__version__} (publish-harvest-verify; +https://pypi.org/project/oai-bridge/)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
TRANSIENT_ERRORS = (httpx.TransportError,)


def on_loopback(url: str) -> bool:
    """Tell whether a URL's host is this machine (127.0.0.0/8, ::1, localhost)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def accept_encoding(url: str) -> str:
    """Return the Accept-Encoding to send to `url`: compressed answers, except from this machine.

    On loopback a compressed answer saves no time on the wire but costs both ends CPU (the sandbox's pages are
    ~2x smaller gzipped; inflating them was a tenth of a one-chain harvest's CPU).
    """
    return "identity" if on_loopback(url) else "gzip, deflate"


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry an idempotent request."""

    attempts: int = 5
    base_wait: float = 0.5
    max_wait: float = 60.0
    jitter: float = 0.25  # fraction of the wait added at random, so parallel clients spread out


DEFAULT_POLICY = RetryPolicy()


def make_client(
    *,
    base_url: str = "",
    timeout: float = 30.0,
    headers: dict[str, str] | None = None,
    auth: httpx.Auth | tuple[str, str] | None = None,
    transport: httpx.BaseTransport | None = None,
    follow_redirects: bool = False,
    limits: NetLimits = DEFAULT_LIMITS,
) -> httpx.Client:
    """Return an httpx client with the bridge's defaults (keep-alive, gzip, User-Agent, timeouts, bounded answers)."""
    return httpx.Client(
        base_url=base_url,
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate", **(headers or {})},
        auth=auth,
        transport=bounded(transport, limits),
        follow_redirects=follow_redirects,
    )


def make_async_client(
    *,
    timeout: float = 30.0,
    headers: dict[str, str] | None = None,
    limits: httpx.Limits | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    bounds: NetLimits = DEFAULT_LIMITS,
) -> httpx.AsyncClient:
    """Return the async twin of `make_client`, for concurrent checks."""
    limits = limits or httpx.Limits(max_connections=20, max_keepalive_connections=20)
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate", **(headers or {})},
        limits=limits,
        transport=bounded_async(transport, bounds, limits=limits),
    )


def require_http_url(url: str, what: str = "URL") -> str:
    """Return `url` if it is an absolute http(s) URL; UsageError saying what is wrong otherwise."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise UsageError(
            f"{what} {url!r} is not a valid URL: {exc}", hint="check the host (an IPv6 address goes in [brackets])"
        ) from None
    if parsed.scheme not in ("http", "https"):
        raise UsageError(
            f"{what} {url!r} uses {parsed.scheme or 'no'} scheme; only http:// and https:// are supported",
            hint="give the server's http(s) base URL",
        )
    if not parsed.host:
        raise UsageError(f"{what} {url!r} has no host", hint="write it as http(s)://host[:port]/path")
    return url


def retry_after_seconds(response: httpx.Response, *, now: dt.datetime | None = None) -> float | None:
    """Return the wait a Retry-After header asks for, as delta-seconds or an HTTP-date; None if absent or bad."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - (now or dt.datetime.now(dt.UTC))).total_seconds())


def _wait(policy: RetryPolicy, rng: random.Random) -> Callable[[RetryCallState], float]:
    def wait(state: RetryCallState) -> float:
        backoff = policy.base_wait * (2 ** (state.attempt_number - 1))
        outcome = state.outcome
        if outcome is not None and not outcome.failed:
            asked = retry_after_seconds(outcome.result())
            if asked is not None:
                backoff = asked
        backoff = min(backoff, policy.max_wait)
        return backoff + rng.uniform(0, policy.jitter * max(backoff, policy.base_wait))

    return wait


def send_idempotent(
    send: Callable[[], httpx.Response],
    *,
    policy: RetryPolicy = DEFAULT_POLICY,
    what: str = "request",
    sleep: Callable[[float], None] | None = None,
    rng: random.Random | None = None,
) -> httpx.Response:
    """Call `send` until it gives a non-retryable response; raise TransportError if the network keeps failing.

    The last retryable response (a 503 after every attempt) is returned, not raised: the caller decides
    what an error status means for its protocol.
    """
    kwargs: dict[str, Any] = {"sleep": sleep} if sleep is not None else {}
    retrying = Retrying(
        stop=stop_after_attempt(policy.attempts),
        wait=_wait(policy, rng or random.Random()),
        retry=retry_if_exception_type(TRANSIENT_ERRORS) | retry_if_result(lambda r: r.status_code in RETRY_STATUSES),
        retry_error_callback=_last_outcome,
        **kwargs,
    )
    try:
        return retrying(send)
    except httpx.TransportError as exc:
        raise TransportError(f"{what} failed after {policy.attempts} attempts: {type(exc).__name__}: {exc}") from exc


def _last_outcome(state: RetryCallState) -> httpx.Response:
    assert state.outcome is not None
    return state.outcome.result()  # re-raises the last transport error, or returns the last response
