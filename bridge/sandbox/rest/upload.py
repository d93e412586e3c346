"""Streaming multipart uploads: the ``file`` part goes straight into the assetstore, nothing else is spooled.

The body is parsed on a worker thread that pulls network chunks from the event loop, so an upload of any
size needs a few chunks of memory, no temporary files outside the data folder, and stops at the limit.
"""

from __future__ import annotations

import json
import mimetypes
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field

import anyio.from_thread
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from bridge.sandbox.rest.common import INVALID, RestError, safe_filename
from bridge.sandbox.store import Store

FIELDS_LIMIT = 1024 * 1024  # bytes of all non-file form fields together
DRAIN_LIMIT = 16 * 1024 * 1024  # read on past a refused upload so the client gets to see the 413


@dataclass
class Upload:
    """A stored file and the form fields that came with it."""

    fields: dict[str, str]
    storage: str
    size: int
    md5: str
    filename: str  # sanitised
    mime: str


@dataclass
class _Part:
    headers: dict[str, str] = field(default_factory=dict)
    name: str | None = None
    filename: str | None = None
    is_file: bool = False
    data: bytearray = field(default_factory=bytearray)


class _Parser:
    """Callbacks of python-multipart that route file bytes to a queue and keep small fields."""

    def __init__(self, boundary: bytes, file_field: str) -> None:
        self.file_field = file_field
        self.fields: dict[str, str] = {}
        self.field_bytes = 0
        self.pending: deque[bytes] = deque()
        self.part = _Part()
        self.header_name = bytearray()
        self.header_value = bytearray()
        self.file_part: _Part | None = None
        self.file_done = False
        self.parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._begin,
                "on_header_field": lambda d, s, e: self.header_name.extend(d[s:e]),
                "on_header_value": lambda d, s, e: self.header_value.extend(d[s:e]),
                "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished,
                "on_part_data": self._data,
                "on_part_end": self._end,
            },
        )

    def _begin(self) -> None:
        self.part = _Part()

    def _header_end(self) -> None:
        name = self.header_name.decode("latin-1").strip().lower()
        self.part.headers[name] = self.header_value.decode("latin-1").strip()  # bytes kept as they came
        self.header_name.clear()
        self.header_value.clear()

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self.part.headers.get("content-disposition", ""))
        name = options.get(b"name")
        filename = options.get(b"filename")
        self.part.name = _text(name)
        self.part.filename = _text(filename)
        if self.part.name == self.file_field and self.file_part is None:
            self.part.is_file = True
            self.file_part = self.part

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self.part.is_file:
            self.pending.append(bytes(data[start:end]))
            return
        self.field_bytes += end - start
        if self.field_bytes > FIELDS_LIMIT:
            raise RestError(413, "The form fields are larger than allowed")
        self.part.data.extend(data[start:end])

    def _end(self) -> None:
        if self.part.is_file:
            self.file_done = True
        elif self.part.name is not None:
            self.fields[self.part.name] = self.part.data.decode("utf-8", "replace")


def _text(raw: bytes | None) -> str | None:
    """Decode a header parameter: UTF-8 as browsers and requests send it, else Latin-1."""
    if raw is None:
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _network(request: Request) -> Iterator[bytes]:
    """Yield the request body on a worker thread, pulling each chunk from the event loop."""
    stream = request.stream()

    async def next_chunk() -> bytes | None:
        try:
            return await stream.__anext__()
        except StopAsyncIteration:
            return None

    while (chunk := anyio.from_thread.run(next_chunk)) is not None:
        if chunk:
            yield chunk


def _drain(chunks: Iterator[bytes]) -> None:
    seen = 0
    for chunk in chunks:
        seen += len(chunk)
        if seen > DRAIN_LIMIT:
            return


def _receive(request: Request, store: Store, boundary: bytes, file_field: str, limit: int) -> Upload | None:
    chunks = _network(request)
    parts = _Parser(boundary, file_field)
    try:
        for chunk in chunks:  # up to the start of the file part
            parts.parser.write(chunk)
            if parts.file_part is not None:
                break
        if parts.file_part is None:
            parts.parser.finalize()
            return None

        def file_bytes() -> Iterator[bytes]:
            while True:
                while parts.pending:
                    yield parts.pending.popleft()
                if parts.file_done:
                    return
                chunk = next(chunks, None)
                if chunk is None:
                    return
                parts.parser.write(chunk)

        try:
            storage, size, md5 = store.store_file(file_bytes(), limit=limit)
        except MultipartParseError:
            raise
        except ValueError as exc:  # store_file's limit
            _drain(chunks)
            raise RestError(413, f"The file is larger than the upload limit of {limit} bytes") from exc
        try:
            if not parts.file_done:
                raise RestError(400, f"{INVALID}: the upload ended before the end of the file")
            for chunk in chunks:  # fields after the file part
                parts.parser.write(chunk)
            parts.parser.finalize()
        except BaseException:
            (store.assetstore / storage).unlink(missing_ok=True)
            raise
    except MultipartParseError as exc:
        raise RestError(400, f"{INVALID}: malformed multipart body") from exc
    part = parts.file_part
    filename = safe_filename(part.filename)
    declared = part.headers.get("content-type", "").split(";")[0].strip().lower()
    mime = declared if declared and declared != "application/octet-stream" else None
    mime = mime or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    return Upload(parts.fields, storage, size, md5, filename, mime)


async def receive_upload(request: Request, store: Store, limit: int, file_field: str = "file") -> Upload:
    """Store the multipart request's `file_field` part; 415 not multipart, 400 no file, 413 past `limit`."""
    media, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if media != b"multipart/form-data" or not boundary:
        raise RestError(415, "The upload must be multipart/form-data")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + FIELDS_LIMIT:
        await run_in_threadpool(_drain, _network(request))
        raise RestError(413, f"The file is larger than the upload limit of {limit} bytes")
    upload = await run_in_threadpool(_receive, request, store, boundary, file_field, limit)
    if upload is None:
        raise RestError(400, f"{INVALID}: no '{file_field}' part in the upload")
    return upload


def json_field(raw: str | None) -> dict:
    """Read a JSON object form field leniently: trailing text such as ``;application/json`` is ignored."""
    if not raw or not raw.strip():
        return {}
    try:
        value, _ = json.JSONDecoder().raw_decode(raw.strip())
    except ValueError as exc:
        raise RestError(400, f"{INVALID}: the properties field is not JSON") from exc
    if not isinstance(value, dict):
        raise RestError(422, "Unprocessable or invalid entity: properties must be an object")
    return value
