"""Faults on request: 503 with Retry-After, slow, truncated and dropped responses, expiring resumption tokens.

Spec grammar (``--faults`` / ``BRIDGE_SANDBOX_FAULTS``), comma-separated parts, each ``[API:]KIND=VALUE``::

    503=RATE[:SECONDS][:date]   answer 503 with Retry-After (default 1 s; ``date`` sends the HTTP-date form)
    slow=RATE:DURATION          wait DURATION (``2s``, ``500ms``, ``0.25``) before answering
    truncate=RATE               send the headers with the full Content-Length, part of the body, then close
    reset=RATE                  drop the connection without an answer (the client sees a reset)
    latency=DURATION            add DURATION to every request (for benchmarks)
    expire-tokens=N             OAI-PMH resumption tokens expire once N newer tokens have been issued

API is one of rest, sword, oai, handle (Handle API and resolver), doi (DataCite API and DOI resolver),
landing (landing pages, bitstreams, anything else), or several joined by ``+``; a part without API applies
to all, and a scoped part overrides an unscoped one of the same kind. RATE is a probability (``0.1`` or
``10%``); per request at most one of 503, reset, truncate and slow happens, so their rates must add up to
at most 1 for every API.

Decisions are reproducible: every request (except the exempt ones below) draws exactly two numbers from one
``random.Random(seed)``, whatever its API, so a fixed seed and request order give the same faults.
Exempt, never faulted and drawing nothing: paths under ``/_sandbox/`` and requests carrying the header
``X-Bridge-Sandbox-Probe`` (start-up and health probes).

Expiring tokens: the server keeps only its N most recently issued resumption tokens alive, as a server with a
bounded cursor cache does; so a token dies after N further pages with tokens have been served (N "uses" of
the server's token store). A sequential harvester never notices; one that resumes from a checkpoint after a
crash, or pauses while others harvest, gets badResumptionToken and must restart its window. Tokens the
server never issued (say, before a restart) are expired. The OAI module reports each token it issues
(``token_issued``) and asks ``token_expired(token)`` before serving a page.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import re
import secrets
import socket
import struct
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from bridge.errors import UsageError

APIS = ("rest", "sword", "oai", "handle", "doi", "landing")
EXCLUSIVE = ("503", "reset", "truncate", "slow")  # at most one per request, drawn in this order
KINDS = (*EXCLUSIVE, "latency", "expire-tokens")
GRAMMAR = (
    "the grammar is [API:]KIND=VALUE[,…] with KIND one of 503=RATE[:SECONDS][:date], slow=RATE:DURATION, "
    "truncate=RATE, reset=RATE, latency=DURATION, expire-tokens=N and API one of " + ", ".join(APIS) + " "
    "(join several with +; none means all), e.g. 503=0.1,slow=0.05:2s,oai:expire-tokens=50"
)
PROBE_HEADER = b"x-bridge-sandbox-probe"
_PREFIXES = (  # path prefix -> API; the first match wins
    ("/server/swordv2/", "sword"),
    ("/server/oai/", "oai"),
    ("/dspace-oai/", "oai"),
    ("/server/", "rest"),  # the REST API and DSpace's other server endpoints (signposting)
    ("/api/handles/", "handle"),
    ("/datacite/", "doi"),
    ("/doi/", "doi"),
)
_BARE_HANDLE = re.compile(r"^/\d+(\.\d+)*/")  # /10261/5: the handle resolver's redirect

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


def api_of(path: str) -> str:
    """Return the API a request path belongs to."""
    for prefix, api in _PREFIXES:
        if path.startswith(prefix) or path == prefix[:-1]:
            return api
    return "handle" if _BARE_HANDLE.match(path) else "landing"


@dataclass(frozen=True)
class Rule:
    """One kind of fault for one API."""

    kind: str
    rate: float = 0.0
    delay: float = 0.0  # seconds, for slow and latency
    retry_after: int = 1  # seconds, for 503
    retry_date: bool = False  # send Retry-After as an HTTP-date instead of seconds
    count: int = 0  # tokens, for expire-tokens


@dataclass(frozen=True)
class Decision:
    """What happens to one request."""

    api: str
    kind: str | None  # one of EXCLUSIVE, or None for a normal answer
    delay: float  # seconds to wait before answering (latency plus slow)
    cut: float  # where a truncated body stops, as a fraction of its length
    rule: Rule | None = None


@dataclass
class FaultInjector:
    """Decide per request, from one seeded random stream, which fault (if any) to inject."""

    rules: dict[str, dict[str, Rule]]  # api -> kind -> rule
    seed: int
    token_ttl: int | None = None
    stats: dict[str, int] = field(default_factory=dict)
    stats_by_api: dict[str, dict[str, int]] = field(default_factory=dict)
    inflight: dict[str, int] = field(default_factory=dict)  # requests being answered now, per API
    peak_inflight: dict[str, int] = field(default_factory=dict)  # the most at once, per API (politeness tests)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)
        self._lock = threading.Lock()
        self._tokens: OrderedDict[str, None] = OrderedDict()

    @classmethod
    def from_spec(cls, spec: str, seed: int | None = None) -> FaultInjector:
        """Parse a fault spec; raise UsageError naming the bad part."""
        rules, token_ttl = parse_spec(spec)
        return cls(rules=rules, seed=secrets.randbits(32) if seed is None else seed, token_ttl=token_ttl)

    @property
    def active(self) -> bool:
        return any(self.rules.values()) or self.token_ttl is not None

    def decide(self, api: str) -> Decision:
        """Draw the fate of the next request to `api` and count it."""
        with self._lock:
            # Always two draws, whatever the API's rules, so one request's fate never shifts the next's.
            u, v = self._random.random(), self._random.random()
            rules = self.rules.get(api, {})
            chosen: Rule | None = None
            edge = 0.0
            for kind in EXCLUSIVE:
                rule = rules.get(kind)
                if rule is None:
                    continue
                edge += rule.rate
                if u < edge:
                    chosen = rule
                    break
            latency = rules["latency"].delay if "latency" in rules else 0.0
            delay = latency + (chosen.delay if chosen is not None and chosen.kind == "slow" else 0.0)
            self._count(api, "requests")
            if latency:
                self._count(api, "latency")
            if chosen is not None:
                self._count(api, chosen.kind)
            return Decision(api=api, kind=chosen.kind if chosen else None, delay=delay, cut=0.1 + 0.8 * v, rule=chosen)

    def _count(self, api: str, kind: str) -> None:
        self.stats[kind] = self.stats.get(kind, 0) + 1
        per_api = self.stats_by_api.setdefault(api, {})
        per_api[kind] = per_api.get(kind, 0) + 1

    def enter(self, api: str) -> None:
        with self._lock:
            self.inflight[api] = self.inflight.get(api, 0) + 1
            self.peak_inflight[api] = max(self.peak_inflight.get(api, 0), self.inflight[api])

    def leave(self, api: str) -> None:
        with self._lock:
            self.inflight[api] -= 1

    def token_issued(self, token: str) -> None:
        """Remember a resumption token the server handed out; the oldest beyond N expire."""
        if self.token_ttl is None or not token:
            return
        with self._lock:
            if token in self._tokens:
                self._tokens.move_to_end(token)
            else:
                self._tokens[token] = None
                self._count("oai", "tokens-issued")
            while len(self._tokens) > self.token_ttl:
                self._tokens.popitem(last=False)

    def token_expired(self, token: str) -> bool:
        """Say whether a resumption token presented by a client has expired (counted in stats)."""
        if self.token_ttl is None:
            return False
        with self._lock:
            if token in self._tokens:
                return False
            self._count("oai", "expired-token")
            return True


def parse_spec(spec: str) -> tuple[dict[str, dict[str, Rule]], int | None]:
    """Parse a fault spec into per-API rules and the token lifetime; raise UsageError on a bad part."""
    general: dict[str, Rule] = {}
    scoped: dict[str, dict[str, Rule]] = {api: {} for api in APIS}
    token_ttl: int | None = None
    for raw in spec.split(","):
        part = raw.strip()
        if not part:
            continue
        apis, rule = _parse_part(part)
        if rule.kind == "expire-tokens":
            if apis is not None and apis != ["oai"]:
                raise _bad(part, "expire-tokens applies to OAI-PMH only (scope it oai: or not at all)")
            if token_ttl is not None:
                raise _bad(part, "expire-tokens is given twice")
            token_ttl = rule.count
            continue
        targets = [general] if apis is None else [scoped[a] for a in apis]
        for target in targets:
            if rule.kind in target:
                raise _bad(part, f"{rule.kind} is given twice for the same API")
            target[rule.kind] = rule
    rules = {api: {**general, **scoped[api]} for api in APIS}
    for api, kinds in rules.items():
        total = sum(kinds[k].rate for k in EXCLUSIVE if k in kinds)
        if total > 1.0 + 1e-9:
            raise UsageError(
                f"--faults {spec!r}: the rates of 503, reset, truncate and slow add up to {total:g} for {api}, "
                "more than 1",
                hint="at most one of them happens per request; lower the rates",
            )
    return rules, token_ttl


def _parse_part(part: str) -> tuple[list[str] | None, Rule]:
    left, sep, value = part.partition("=")
    if not sep or not value.strip():
        raise _bad(part, "expected KIND=VALUE")
    scope, _, kind = left.strip().rpartition(":")
    kind = kind.strip().lower()
    apis: list[str] | None = None
    if scope:
        apis = [a.strip().lower() for a in scope.split("+")]
        unknown = [a for a in apis if a not in APIS]
        if unknown:
            raise _bad(part, f"unknown API {unknown[0]!r}")
    if kind not in KINDS:
        raise _bad(part, f"unknown fault kind {kind!r}")
    args = [a.strip() for a in value.split(":")]
    if kind == "latency":
        if len(args) != 1:
            raise _bad(part, "latency takes one DURATION")
        return apis, Rule(kind, delay=_duration(part, args[0]))
    if kind == "expire-tokens":
        if len(args) != 1 or not args[0].isdigit() or int(args[0]) < 1:
            raise _bad(part, "expire-tokens takes a whole number of tokens, at least 1")
        return apis, Rule(kind, count=int(args[0]))
    rate = _rate(part, args[0])
    if kind == "slow":
        if len(args) != 2:
            raise _bad(part, "slow takes RATE:DURATION, e.g. slow=0.05:2s")
        return apis, Rule(kind, rate=rate, delay=_duration(part, args[1]))
    if kind == "503":
        retry_after, retry_date = 1, False
        for arg in args[1:]:
            if arg.lower() == "date":
                retry_date = True
            elif arg.isdigit():
                retry_after = int(arg)
            else:
                raise _bad(part, f"503 takes RATE[:SECONDS][:date], not {arg!r}")
        return apis, Rule(kind, rate=rate, retry_after=retry_after, retry_date=retry_date)
    if len(args) != 1:
        raise _bad(part, f"{kind} takes only a RATE")
    return apis, Rule(kind, rate=rate)


def _rate(part: str, text: str) -> float:
    try:
        rate = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        raise _bad(part, f"{text!r} is not a rate (a number from 0 to 1, or a percentage)") from None
    if not 0.0 <= rate <= 1.0:
        raise _bad(part, f"rate {text} is outside 0…1")
    return rate


def _duration(part: str, text: str) -> float:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(ms|s)?", text.lower())
    if not match:
        raise _bad(part, f"{text!r} is not a duration (e.g. 2s, 500ms, 0.25)")
    seconds = float(match.group(1)) / (1000 if match.group(2) == "ms" else 1)
    if seconds > 3600:
        raise _bad(part, f"duration {text} is longer than an hour")
    return seconds


def _bad(part: str, why: str) -> UsageError:
    return UsageError(f"--faults: bad part {part!r}: {why}", hint=GRAMMAR)


class InjectedFault(Exception):
    """Raised to make a server close a connection when its transport is out of reach."""


class _QuietInjected(logging.Filter):
    """Keep uvicorn from logging our deliberate connection drops as application errors."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], InjectedFault))


_QUIET = _QuietInjected()


class FaultMiddleware:
    """Pure ASGI middleware applying a FaultInjector's decisions to each HTTP request."""

    def __init__(self, app: Callable[..., Awaitable[None]], injector: FaultInjector) -> None:
        self.app = app
        self.injector = injector
        logging.getLogger("uvicorn.error").addFilter(_QUIET)  # one instance: adding it again is a no-op

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _exempt(scope) or not self.injector.active:
            await self.app(scope, receive, send)
            return
        decision = self.injector.decide(api_of(scope["path"]))
        self.injector.enter(decision.api)
        try:
            if decision.delay:
                await asyncio.sleep(decision.delay)
            if decision.kind == "503":
                await _unavailable(send, decision.rule or Rule("503"))
            elif decision.kind == "reset":
                await _drop(receive, send)
            elif decision.kind == "truncate":
                await _truncated(self.app, scope, receive, send, decision.cut)
            else:
                await self.app(scope, receive, send)
        finally:
            self.injector.leave(decision.api)


def _exempt(scope: Scope) -> bool:
    if scope["path"].startswith("/_sandbox/"):
        return True
    return any(name == PROBE_HEADER for name, _ in scope.get("headers", []))


async def _unavailable(send: Send, rule: Rule) -> None:
    if rule.retry_date:
        retry = email.utils.formatdate(time.time() + rule.retry_after, usegmt=True)
    else:
        retry = str(rule.retry_after)
    body = f"503 Service Unavailable: fault injected by the sandbox; retry after {retry}\n".encode()
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        (b"retry-after", retry.encode()),
    ]
    await send({"type": "http.response.start", "status": 503, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


def _transport(receive: Receive) -> asyncio.Transport | None:
    """Return the connection's transport where the server exposes it (uvicorn's cycle objects do)."""
    # ASGI has no message for "drop this connection"; uvicorn's request cycle, whose bound method
    # `receive` is, holds the transport. Starlette's outer middleware wraps `send` but not `receive`.
    transport = getattr(getattr(receive, "__self__", None), "transport", None)
    # Duck-typed: uvloop's transports do what asyncio's do but are not subclasses of asyncio.Transport.
    return transport if all(hasattr(transport, m) for m in ("abort", "close", "get_extra_info")) else None


async def _wait_disconnect(receive: Receive) -> None:
    """Wait until the server has noticed the closed connection, so it does not answer or log it."""
    try:
        async with asyncio.timeout(2):
            while (await receive())["type"] != "http.disconnect":
                pass
    except TimeoutError:
        pass


async def _drop(receive: Receive, send: Send) -> None:
    """Close the connection without an answer, with a TCP reset where possible."""
    transport = _transport(receive)
    if transport is None:
        await send({"type": "http.response.start", "status": 500, "headers": [(b"content-length", b"1")]})
        raise InjectedFault("connection dropped by the sandbox's fault injection")
    sock = transport.get_extra_info("socket")
    if sock is not None:
        # SO_LINGER 0 turns close into RST: the client sees "connection reset", not a clean end.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
    await _wait_disconnect(receive)


async def _truncated(
    app: Callable[..., Awaitable[None]], scope: Scope, receive: Receive, send: Send, cut: float
) -> None:
    """Run the app, but stop its body part-way and close the connection."""
    transport = _transport(receive)
    start: Message | None = None
    length: int | None = None
    left: int | None = None  # bytes still to send before the cut
    done = False

    async def cutting_send(message: Message) -> None:
        nonlocal start, length, left, done
        if done:
            return
        if message["type"] == "http.response.start":
            start = message
            for name, value in message.get("headers", []):
                if name.lower() == b"content-length":
                    length = int(value)
            return
        if message["type"] != "http.response.body" or start is None:
            await send(message)
            return
        body = bytes(message.get("body", b""))
        if left is None:
            whole = length if length is not None else len(body)
            if whole == 0 or scope["method"] == "HEAD":
                done = True  # nothing to cut: drop the connection before the headers instead
                return
            left = int(whole * cut)
            await send(start)
        piece = body[:left]
        left -= len(piece)
        await send({"type": "http.response.body", "body": piece, "more_body": True})
        if left <= 0 or not message.get("more_body", False):
            done = True
            if transport is not None:
                transport.close()  # flushes what was sent, then ends the connection

    await app(scope, receive, cutting_send)
    if left is None:  # no body went out: behave like a reset
        await _drop(receive, send)
    elif transport is None:
        raise InjectedFault("response truncated by the sandbox's fault injection")
    else:
        await _wait_disconnect(receive)
