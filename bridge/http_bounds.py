"""Bounded HTTP responses: a limit on the decoded body size and a total deadline per request and per run.

httpx decodes ``Content-Encoding`` inside the response and only bounds each read with a timeout, so a
gzip bomb (a few MB that inflate to GBs) or a server trickling one byte every 20 s is never stopped. The
transports here sit between the client and the network: they decode the body themselves in small pieces
(``zlib``'s ``max_length``, so one compressed chunk can never inflate in memory at once), count the decoded
bytes while streaming, and raise ``ResponseTooLarge`` the moment the limit is passed; they check the
request's total deadline and the run's deadline (``run_deadline``) before sending and as every piece of
the body arrives, so a trickle ends at most one read timeout after the deadline.
"""

from __future__ import annotations

import threading
import time
import zlib
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from bridge.errors import DeadlineExceeded, ResponseTooLarge, TransportError

MB = 1024 * 1024
PIECE = 64 * 1024  # decoded bytes produced per step: the most one compressed chunk may inflate to at once


@dataclass(frozen=True)
class NetLimits:
    """What any one response may cost: decoded bytes and seconds from sending to the last byte."""

    max_body: int = 64 * MB  # BRIDGE_MAX_RESPONSE_MB / profile max_response_mb
    deadline: float = 300.0  # BRIDGE_REQUEST_DEADLINE / profile request_deadline (seconds)
    max_record: int = 50 * MB  # BRIDGE_MAX_RECORD_MB / profile max_record_mb: one harvested OAI record


DEFAULT_LIMITS = NetLimits()

# -- the run's deadline (--max-duration): one per process, read by every bounded transport -----------------------
_run_lock = threading.Lock()
_run_end: float | None = None
_run_seconds: float | None = None


@contextmanager
def run_deadline(seconds: float | None) -> Iterator[None]:
    """Bound every request made inside the block by a deadline `seconds` from now (None: no bound)."""
    global _run_end, _run_seconds
    if seconds is None:
        yield
        return
    with _run_lock:
        saved = (_run_end, _run_seconds)
        _run_end, _run_seconds = time.monotonic() + seconds, seconds
    try:
        yield
    finally:
        with _run_lock:
            _run_end, _run_seconds = saved


def check_run_deadline() -> None:
    """Raise DeadlineExceeded when the run's --max-duration has passed."""
    end, seconds = _run_end, _run_seconds
    if end is not None and time.monotonic() > end:
        raise DeadlineExceeded(
            f"the run reached its maximum duration of {seconds:g} s (--max-duration) and stopped",
            hint="run the same command again to continue, or raise --max-duration",
        )


# -- decoding in bounded pieces -----------------------------------------------------------------------------------
class _Inflate:
    """gzip (several members too) or deflate (zlib-wrapped or raw), producing at most PIECE bytes per step."""

    def __init__(self, encoding: str) -> None:
        self.gzip = encoding in ("gzip", "x-gzip")
        self.raw_fallback = not self.gzip
        self.obj = zlib.decompressobj(16 + zlib.MAX_WBITS if self.gzip else zlib.MAX_WBITS)
        self.started = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        while data:
            try:
                out = self.obj.decompress(data, PIECE)
            except zlib.error as exc:
                if self.raw_fallback and not self.started:  # deflate sent without its zlib header, as IIS does
                    self.raw_fallback = False
                    self.obj = zlib.decompressobj(-zlib.MAX_WBITS)
                    continue
                raise httpx.DecodingError(f"bad {'gzip' if self.gzip else 'deflate'} body: {exc}") from exc
            self.started = True
            if out:
                yield out
            if self.obj.unconsumed_tail:
                data = self.obj.unconsumed_tail
            elif self.obj.eof and self.obj.unused_data and self.gzip:
                data = self.obj.unused_data  # the next gzip member
                self.obj = zlib.decompressobj(16 + zlib.MAX_WBITS)
            else:
                data = b""

    def flush(self) -> Iterator[bytes]:
        out = self.obj.flush()
        if out:
            yield out


class ContentDecoder:
    """Undo a response's Content-Encoding (gzip/deflate, stacked) in pieces of at most PIECE bytes each.

    Raises TransportError for an encoding the bridge never asks for, httpx.DecodingError for a corrupt body.
    """

    def __init__(self, header: str, url: str) -> None:
        encodings = [e.strip().lower() for e in header.split(",") if e.strip()]
        encodings = [e for e in encodings if e != "identity"]
        unknown = [e for e in encodings if e not in ("gzip", "x-gzip", "deflate")]
        if unknown:
            raise TransportError(
                f"{url} sent Content-Encoding {', '.join(unknown)}, which the bridge did not ask for",
                hint="the server must honour Accept-Encoding: gzip, deflate",
            )
        self.decoders = [_Inflate(e) for e in reversed(encodings)]  # the last applied is undone first

    def feed(self, chunk: bytes) -> Iterator[bytes]:
        """The decoded pieces of one chunk from the wire, produced lazily."""
        return self._through(chunk, 0)

    def flush(self) -> Iterator[bytes]:
        """What the decoders still hold at the end of the body."""
        for index, decoder in enumerate(self.decoders):
            for piece in decoder.flush():
                yield from self._through(piece, index + 1)

    def _through(self, chunk: bytes, index: int) -> Iterator[bytes]:
        if index == len(self.decoders):
            yield chunk
            return
        for piece in self.decoders[index].feed(chunk):
            yield from self._through(piece, index + 1)


class _Body:
    """Decode, count and time one response body."""

    def __init__(self, response: httpx.Response, url: str, limits: NetLimits, started: float) -> None:
        self.already_read = response.is_stream_consumed  # a wrapped transport read it: `content` is decoded
        self.decoder = ContentDecoder("" if self.already_read else response.headers.get("content-encoding", ""), url)
        self.url = url
        self.limits = limits
        self.started = started
        self.size = 0

    def pieces(self, chunk: bytes) -> Iterator[bytes]:
        self.check_time()
        return self._counted(self.decoder.feed(chunk))

    def tail(self) -> Iterator[bytes]:
        return self._counted(self.decoder.flush())

    def _counted(self, decoded: Iterator[bytes]) -> Iterator[bytes]:
        for piece in decoded:
            self.size += len(piece)
            if self.size > self.limits.max_body:
                raise ResponseTooLarge(
                    f"the response from {self.url} is larger than the limit of {_mb(self.limits.max_body)} "
                    "(decoded size); stopped reading",
                    hint="if the answer is genuine, raise max_response_mb in the profile or BRIDGE_MAX_RESPONSE_MB",
                )
            yield piece

    def check_time(self) -> None:
        check_run_deadline()
        if time.monotonic() - self.started > self.limits.deadline:
            raise DeadlineExceeded(
                f"{self.url} took longer than the total deadline of {self.limits.deadline:g} s for one answer "
                "(the server sends too slowly); stopped",
                hint="if the server is slow but sound, raise request_deadline (profile) or BRIDGE_REQUEST_DEADLINE",
            )


def _mb(size: int) -> str:
    return f"{size / MB:g} MB" if size >= MB else f"{size} bytes"


def _decoded_headers(response: httpx.Response) -> httpx.Headers:
    headers = httpx.Headers(response.headers)
    if "content-encoding" in headers:
        del headers["content-encoding"]
        headers.pop("content-length", None)
    return headers


class _SyncBody(httpx.SyncByteStream):
    def __init__(self, response: httpx.Response, body: _Body) -> None:
        self.response = response
        self.body = body

    def __iter__(self) -> Iterator[bytes]:
        raw: Any = [self.response.content] if self.body.already_read else self.response.stream
        for chunk in raw:
            yield from self.body.pieces(chunk)
        yield from self.body.tail()

    def close(self) -> None:
        self.response.close()


class _AsyncBody(httpx.AsyncByteStream):
    def __init__(self, response: httpx.Response, body: _Body) -> None:
        self.response = response
        self.body = body

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self.body.already_read:
            for piece in self.body.pieces(self.response.content):
                yield piece
        else:
            async for chunk in self.response.stream:  # type: ignore[union-attr]  # an async transport's response
                for piece in self.body.pieces(chunk):
                    yield piece
        for piece in self.body.tail():
            yield piece

    async def aclose(self) -> None:
        await self.response.aclose()


def _started_after_upload(request: httpx.Request) -> list[float]:
    """Return a one-item clock that restarts when the request body has been sent (uploads are not answers)."""
    clock = [time.monotonic()]
    stream = request.stream
    if isinstance(stream, httpx.SyncByteStream) and not isinstance(stream, httpx.ByteStream):
        inner = stream

        class Timed(httpx.SyncByteStream):
            def __iter__(self) -> Iterator[bytes]:
                yield from inner
                clock[0] = time.monotonic()

        request.stream = Timed()
    return clock


class BoundedTransport(httpx.BaseTransport):
    """Wrap a transport: decoded size and total time of every answer are bounded."""

    def __init__(self, inner: httpx.BaseTransport, limits: NetLimits = DEFAULT_LIMITS) -> None:
        self.inner = inner
        self.limits = limits

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        check_run_deadline()
        clock = _started_after_upload(request)
        response = self.inner.handle_request(request)
        body = _Body(response, str(request.url.copy_with(query=None)), self.limits, clock[0])
        return httpx.Response(
            response.status_code,
            headers=_decoded_headers(response),
            stream=_SyncBody(response, body),
            extensions=response.extensions,
            request=request,
        )

    def close(self) -> None:
        self.inner.close()


class BoundedAsyncTransport(httpx.AsyncBaseTransport):
    """The async twin of BoundedTransport."""

    def __init__(self, inner: httpx.AsyncBaseTransport, limits: NetLimits = DEFAULT_LIMITS) -> None:
        self.inner = inner
        self.limits = limits

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        check_run_deadline()
        started = time.monotonic()
        response = await self.inner.handle_async_request(request)
        body = _Body(response, str(request.url.copy_with(query=None)), self.limits, started)
        return httpx.Response(
            response.status_code,
            headers=_decoded_headers(response),
            stream=_AsyncBody(response, body),
            extensions=response.extensions,
            request=request,
        )

    async def aclose(self) -> None:
        await self.inner.aclose()


def bounded(transport: httpx.BaseTransport | None, bounds: NetLimits, **kwargs: Any) -> BoundedTransport:
    """Return `transport` (or a new HTTP transport made with `kwargs`) wrapped in the bounds."""
    return BoundedTransport(transport or httpx.HTTPTransport(**kwargs), bounds)


def bounded_async(
    transport: httpx.AsyncBaseTransport | None, bounds: NetLimits, **kwargs: Any
) -> BoundedAsyncTransport:
    """Return `transport` (or a new async HTTP transport made with `kwargs`) wrapped in the bounds."""
    return BoundedAsyncTransport(transport or httpx.AsyncHTTPTransport(**kwargs), bounds)
