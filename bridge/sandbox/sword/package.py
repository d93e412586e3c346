"""SWORD v2 request bodies: spooling uploads with their MD5, Atom multipart/related, and safe SimpleZip unpacking.

Uploads are streamed into a spool file inside the data folder (a zip needs random access), never held in
memory. SimpleZip packages are checked before anything is stored: no absolute or `..` member paths, no
symbolic links or encrypted members, at most MAX_ZIP_ENTRIES members, and at most the upload limit of
uncompressed bytes in total and MAX_EXPANSION_RATIO times the package's own size (past a small allowance),
counted while inflating, not trusted from the zip's headers: a zip bomb or a zip-slip package is refused as a
whole, and a 4 MB request cannot become gigabytes on disk.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import mimetypes
import secrets
import unicodedata
import zipfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any

from python_multipart.multipart import MultipartParser

from bridge.sandbox.store import Store
from bridge.sandbox.sword.documents import (
    ERROR_BAD_REQUEST,
    ERROR_CHECKSUM_MISMATCH,
    ERROR_CONTENT,
    MAX_UPLOAD_SIZE_EXCEEDED,
    SwordError,
)

MAX_ZIP_ENTRIES = 10_000
MAX_EXPANSION_RATIO = 200  # unpacked bytes per packed byte; deflate manages ~1000:1 only on degenerate data
EXPANSION_ALLOWANCE = 16 * 1024 * 1024  # a small package may unpack to this much whatever its ratio
MAX_ENTRY_BYTES = 1024 * 1024  # an Atom entry (part) larger than this is refused
MAX_PREAMBLE = 64 * 1024
CHUNK = 1024 * 1024
EXTRA_TYPES = {
    ".safetensors": "application/octet-stream",
    ".h5": "application/x-hdf5",
    ".hdf5": "application/x-hdf5",
    ".nc": "application/x-netcdf",
    ".parquet": "application/vnd.apache.parquet",
    ".jsonl": "application/jsonl",
    ".yaml": "application/yaml",
    ".yml": "application/yaml",
    ".md": "text/markdown",
    ".cff": "application/yaml",
}


@dataclass
class Spool:
    """A request body, or a multipart's media part, spooled to disk with its size and MD5."""

    path: Path
    size: int = 0
    md5: str = ""
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def filename(self) -> str | None:
        return header_param(self.headers.get("content-disposition", ""), "filename")

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


def header_param(value: str, name: str) -> str | None:
    """Return a parameter of a MIME header value (RFC 2231 forms included), or None."""
    if not value:
        return None
    message = Message()
    message["content-disposition"] = value
    found = message.get_param(name, header="content-disposition")
    if isinstance(found, tuple):  # RFC 2231: (charset, language, value)
        return found[2]
    return found


def header_value(value: str) -> str:
    """Return a MIME header's main value (before the parameters), lower-cased."""
    return value.split(";", 1)[0].strip().lower()


def safe_name(name: str | None, *, keep_dirs: bool = False) -> str:
    """Return a bitstream name: no control characters, no `.`/`..` or empty segments; never a filesystem path."""
    segments = (name or "").replace("\\", "/").split("/")
    cleaned = []
    for segment in segments:
        segment = "".join(c for c in segment if unicodedata.category(c)[0] != "C").strip()
        if segment and segment not in (".", ".."):
            cleaned.append(segment[:255])
    if not keep_dirs:
        cleaned = cleaned[-1:]
    return "/".join(cleaned) or "file"


def guess_mime(name: str, declared: str | None = None) -> str:
    """Return a media type: the declared one unless generic, else one guessed from the name."""
    if declared and header_value(declared) not in ("", "application/octet-stream", "binary/octet-stream"):
        return header_value(declared)
    suffix = Path(name).suffix.lower()
    return EXTRA_TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def check_md5(upload: Spool, declared: str | None) -> None:
    """Raise 412 ErrorChecksumMismatch when a Content-MD5 (hex as SWORD, or base64 as RFC 1864) differs."""
    if not declared:
        return
    value = declared.strip()
    if len(value) != 32:
        try:
            value = base64.b64decode(value, validate=True).hex()
        except (binascii.Error, ValueError):
            raise SwordError(400, ERROR_BAD_REQUEST, f"Content-MD5 {declared!r} is neither hex nor base64") from None
    if value.lower() != upload.md5:
        raise SwordError(
            412, ERROR_CHECKSUM_MISMATCH, f"Content-MD5 {declared} does not match the received content ({upload.md5})"
        )


def new_spool(directory: Path) -> Spool:
    directory.mkdir(parents=True, exist_ok=True)
    return Spool(path=directory / f"upload-{secrets.token_hex(12)}")


async def spool_body(chunks: AsyncIterator[bytes], directory: Path, limit: int, headers: dict[str, str]) -> Spool:
    """Stream a request body into a spool file, counting bytes and the MD5; 413 past `limit`."""
    upload = new_spool(directory)
    upload.headers = headers
    digest = hashlib.md5(usedforsecurity=False)
    try:
        with upload.path.open("wb") as fh:
            async for chunk in chunks:
                upload.size += len(chunk)
                if upload.size > limit:
                    raise SwordError(413, MAX_UPLOAD_SIZE_EXCEEDED, f"the upload is larger than {limit} bytes")
                digest.update(chunk)
                fh.write(chunk)
    except BaseException:
        upload.discard()
        raise
    upload.md5 = digest.hexdigest()
    return upload


class _Parts:
    """Collect an Atom multipart/related body: the entry part in memory, the media part into a spool file."""

    def __init__(self, directory: Path, limit: int) -> None:
        self.directory, self.limit = directory, limit
        self.entry: bytes | None = None
        self.media: Spool | None = None
        self.headers: dict[str, str] = {}
        self.field = self.value = b""
        self.buffer = bytearray()
        self.fh: Any = None
        self.digest: Any = None
        self.target = ""

    def on_part_begin(self) -> None:
        self.headers, self.buffer, self.target = {}, bytearray(), ""

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.value += data[start:end]

    def on_header_end(self) -> None:
        self.headers[self.field.decode("latin-1").strip().lower()] = self.value.decode("latin-1").strip()
        self.field = self.value = b""

    def on_headers_finished(self) -> None:
        name = header_param(self.headers.get("content-disposition", ""), "name")
        is_atom = header_value(self.headers.get("content-type", "")) == "application/atom+xml"
        self.target = "atom" if name == "atom" or (name is None and is_atom and self.entry is None) else "payload"
        if self.target == "payload":
            if self.media is not None:
                raise SwordError(400, ERROR_BAD_REQUEST, "a multipart deposit carries one media part only")
            self.media = new_spool(self.directory)
            self.media.headers = dict(self.headers)
            self.fh = self.media.path.open("wb")
            self.digest = hashlib.md5(usedforsecurity=False)

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if self.target == "atom":
            self.buffer += chunk
            if len(self.buffer) > MAX_ENTRY_BYTES:
                raise SwordError(413, MAX_UPLOAD_SIZE_EXCEEDED, "the Atom entry part is too large")
            return
        assert self.media is not None
        self.media.size += len(chunk)
        if self.media.size > self.limit:
            raise SwordError(413, MAX_UPLOAD_SIZE_EXCEEDED, f"the upload is larger than {self.limit} bytes")
        self.digest.update(chunk)
        self.fh.write(chunk)

    def on_part_end(self) -> None:
        if self.target == "atom":
            self.entry = bytes(self.buffer)
        elif self.fh is not None:
            self.fh.close()
            self.fh = None
            assert self.media is not None
            self.media.md5 = self.digest.hexdigest()

    def close(self, failed: bool) -> None:
        if self.fh is not None:
            self.fh.close()
        if failed and self.media is not None:
            self.media.discard()


async def spool_multipart(
    chunks: AsyncIterator[bytes], boundary: str, directory: Path, limit: int
) -> tuple[bytes, Spool]:
    """Split an Atom multipart/related deposit (SWORD 2.0 §6.3.2) into the entry and the spooled media part."""
    parts = _Parts(directory, limit)
    callbacks = {name: getattr(parts, name) for name in dir(_Parts) if name.startswith("on_")}
    parser = MultipartParser(boundary.encode("latin-1"), callbacks)  # type: ignore[arg-type]  # MultipartCallbacks is a TypedDict; the on_* methods are collected by name
    delimiter = b"--" + boundary.encode("latin-1")
    preamble = bytearray()
    started, failed = False, True
    try:
        async for chunk in chunks:
            if not started:
                # Skip the preamble ("Media Post" in the profile's example); the parser expects the delimiter first.
                preamble += chunk
                at = preamble.find(delimiter)
                if at < 0:
                    if len(preamble) > MAX_PREAMBLE:
                        raise SwordError(400, ERROR_BAD_REQUEST, "no multipart boundary found in the body")
                    continue
                started, chunk = True, bytes(preamble[at:])
            parser.write(chunk)
        parser.finalize()
        failed = False
    except SwordError:
        raise
    except Exception as exc:  # python-multipart raises its own errors on malformed bodies
        raise SwordError(400, ERROR_BAD_REQUEST, f"malformed multipart body: {exc}") from exc
    finally:
        parts.close(failed)
    if parts.entry is None or parts.media is None:
        if parts.media is not None:
            parts.media.discard()
        raise SwordError(400, ERROR_BAD_REQUEST, "a multipart deposit needs an Atom entry part and a media part")
    return parts.entry, parts.media


def file_chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            yield chunk


def _unsafe_member(info: zipfile.ZipInfo) -> str | None:
    """Return why a zip member may not be unpacked, or None."""
    name = info.filename.replace("\\", "/")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return "an absolute path"
    if ".." in name.split("/"):
        return "a '..' path segment"
    if (info.external_attr >> 16) & 0o170000 == 0o120000:
        return "a symbolic link"
    if info.flag_bits & 0x1:
        return "an encrypted member"
    if any(unicodedata.category(c)[0] == "C" for c in name):
        return "control characters in its name"
    return None


def unpack_zip(
    store: Store,
    upload: Spool,
    limit: int,
    max_entries: int = MAX_ZIP_ENTRIES,
    max_ratio: int = MAX_EXPANSION_RATIO,
) -> list[dict[str, Any]]:
    """Unpack a SimpleZip into the assetstore; return [{name, storage, size, md5, mime}] or raise SwordError."""
    try:
        packed = upload.path.stat().st_size
        archive = zipfile.ZipFile(upload.path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise SwordError(400, ERROR_CONTENT, f"the package is not a valid zip file: {exc}") from exc
    allowed = min(limit, max(EXPANSION_ALLOWANCE, packed * max_ratio))
    too_big = f"the package unpacks to more than {allowed} bytes" + (
        f" ({max_ratio} times its own {packed} bytes, the limit of the expansion ratio)" if allowed < limit else ""
    )
    stored: list[dict[str, Any]] = []
    try:
        with archive:
            members = [i for i in archive.infolist() if not i.is_dir()]
            if len(archive.infolist()) > max_entries:
                raise SwordError(400, ERROR_CONTENT, f"the package has more than {max_entries} entries")
            for info in members:
                reason = _unsafe_member(info)
                if reason:
                    raise SwordError(400, ERROR_CONTENT, f"refused package: member {info.filename!r} has {reason}")
            if sum(i.file_size for i in members) > allowed:
                raise SwordError(413, MAX_UPLOAD_SIZE_EXCEEDED, too_big)
            remaining = allowed
            for info in members:
                with archive.open(info) as fh:
                    chunks = iter(functools.partial(fh.read, CHUNK), b"")
                    storage, size, md5 = store.store_file(chunks, limit=remaining)
                remaining -= size
                name = safe_name(info.filename, keep_dirs=True)
                stored.append({"name": name, "storage": storage, "size": size, "md5": md5, "mime": guess_mime(name)})
    except ValueError as exc:  # store_file past the limit: the headers lied about the sizes
        _remove(store, stored)
        raise SwordError(413, MAX_UPLOAD_SIZE_EXCEEDED, too_big) from exc
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError) as exc:
        _remove(store, stored)
        raise SwordError(400, ERROR_CONTENT, f"the package could not be unpacked: {exc}") from exc
    except BaseException:
        _remove(store, stored)
        raise
    return stored


def store_binary(store: Store, upload: Spool, limit: int) -> list[dict[str, Any]]:
    """Store a Binary package (one file) in the assetstore; return it as unpack_zip does."""
    name = safe_name(upload.filename)
    storage, size, md5 = store.store_file(file_chunks(upload.path), limit=limit)
    mime = guess_mime(name, upload.headers.get("content-type"))
    return [{"name": name, "storage": storage, "size": size, "md5": md5, "mime": mime}]


def _remove(store: Store, stored: list[dict[str, Any]]) -> None:
    for entry in stored:
        (store.assetstore / entry["storage"]).unlink(missing_ok=True)
