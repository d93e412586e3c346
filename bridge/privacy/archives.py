"""Open every layer of a file as a stream: compression, tar and zip, nested, within limits; fail closed.

A layer is recognised by its magic bytes, never by its name, so a renamed archive is still opened.
Compression layers are transparent in member paths (``logs.tar.gz!app.log``); archive members add a
``!member`` segment. Anything that cannot be decoded, nests too deep, expands too much (in total or per
compressed byte: zip bombs) raises :class:`Unreadable` naming the member and the limit.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import shutil
import tarfile
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

import zstandard

HEAD = 512
SPOOL = 32 << 20  # a nested zip is spooled to disk past this size (zip needs to seek)
_PI, _EOS = b"\x31\x41\x59\x26\x53\x59", b"\x17\x72\x45\x38\x50\x90"
# NotImplementedError: a zip compression method Python lacks; RuntimeError: an encrypted zip member.
DECODE_ERRORS = (OSError, EOFError, zlib.error, lzma.LZMAError, zstandard.ZstdError, zipfile.BadZipFile,
                 tarfile.TarError, NotImplementedError, RuntimeError, ValueError)  # fmt: skip


class Unreadable(Exception):
    """A file or member that cannot be checked: damaged, encrypted, nested too deep or over a size limit."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path, self.reason = path, reason


@dataclass(frozen=True)
class Limits:
    """How far the gate opens archives before it refuses them."""

    depth: int = 6  # compression and archive layers inside one another (a .tar.gz is two)
    ratio: int = 1000  # expanded bytes per compressed byte in one layer (deflate cannot exceed ~1032)
    ratio_floor: int = 4 << 20  # the ratio is judged once a layer has expanded this much
    expanded: int = 16 << 30  # bytes expanded from one file of the artefact, all layers together
    members: int = 100_000  # members of one archive

    def describe(self) -> str:
        return (
            f"depth {self.depth}, ratio {self.ratio}:1, {self.expanded >> 20} MiB expanded per file, "
            f"{self.members} members per archive"
        )


DEFAULT_LIMITS = Limits()


@dataclass
class Budget:
    """Bytes expanded so far from one top-level file."""

    limits: Limits
    used: int = 0


@dataclass
class Event:
    """A name to check (``data`` is None), or a leaf stream of data to check."""

    path: str
    name: str | None = None  # the text of a member name, link target, gzip FNAME or zip comment
    data: IO[bytes] | None = None
    fields: dict[str, str] = field(default_factory=dict)  # tar owner names (uname, gname)


# Formats the gate cannot open: their content would pass unseen, so they fail closed (fix: unpack, or export text).
REFUSED = (
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\x04\x22\x4d\x18", "an LZ4 stream"),
    (b"LZIP", "an lzip stream"),
    (b"\x1f\x9d", "a Unix compress (.Z) stream"),
    (b"MSCF", "a Microsoft cabinet"),
    (b"\xd4\xc3\xb2\xa1", "a packet capture (addresses are binary)"),
    (b"\xa1\xb2\xc3\xd4", "a packet capture (addresses are binary)"),
    (b"\x4d\x3c\xb2\xa1", "a packet capture (addresses are binary)"),
    (b"\x0a\x0d\x0d\x0a", "a pcapng packet capture (addresses are binary)"),
    (b"PAR1", "a Parquet file (compressed columns)"),
    (b"Obj\x01", "an Avro container (compressed blocks)"),
)


def refused(head: bytes) -> str | None:
    """Return what a format is when the gate cannot look inside it, else None."""
    return next((what for magic, what in REFUSED if head.startswith(magic)), None)


def sniff(head: bytes) -> str | None:
    """Return the layer kind the magic bytes announce: gzip, bz2, xz, zstd, zip, tar, or None."""
    if head.startswith(b"\x1f\x8b\x08"):
        return "gzip"
    if head[:3] == b"BZh" and head[3:4].isdigit() and head[4:10] in (_PI, _EOS):
        return "bz2"
    if head.startswith(b"\xfd7zXZ\x00"):
        return "xz"
    if head.startswith(b"\x28\xb5\x2f\xfd"):
        return "zstd"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")):
        return "zip"
    if head[257:262] == b"ustar":
        return "tar"
    return None


class Prefixed:
    """A stream that gives back bytes already read (the sniffed head) before the rest."""

    def __init__(self, head: bytes, raw: IO[bytes]) -> None:
        self.head, self.raw = head, raw

    def read(self, n: int = -1) -> bytes:
        if self.head:
            if n is None or n < 0:
                out, self.head = self.head + self.raw.read(), b""
                return out
            out, self.head = self.head[:n], self.head[n:]
            return out if len(out) == n else out + self.raw.read(n - len(out))
        return self.raw.read(n)

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        pass


class Counting:
    """Count the bytes a decompressor takes from its input."""

    def __init__(self, raw: Any) -> None:
        self.raw, self.count = raw, 0

    def read(self, n: int = -1) -> bytes:
        data = self.raw.read(n)
        self.count += len(data)
        return data

    def readinto(self, b: Any) -> int:  # bz2/lzma use readinto through their buffered readers
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        pass


class Guarded:
    """A stream that names its member in every decode error and enforces the expansion limits."""

    def __init__(self, raw: Any, path: str, budget: Budget, consumed: Callable[[], int] | None) -> None:
        self.raw, self.path, self.budget, self.consumed, self.out = raw, path, budget, consumed, 0

    def read(self, n: int = -1) -> bytes:
        try:
            data = self.raw.read(n)
        except Unreadable:
            raise
        except DECODE_ERRORS as exc:
            raise Unreadable(self.path, f"cannot be decoded: {exc or type(exc).__name__}") from None
        if self.consumed is not None:
            self.out += len(data)
            self.budget.used += len(data)
            limits = self.budget.limits
            if self.budget.used > limits.expanded:
                raise Unreadable(self.path, f"expands past the limit of {limits.expanded >> 20} MiB (zip bomb?)")
            if self.out > limits.ratio_floor and self.out > limits.ratio * max(self.consumed(), 1):
                raise Unreadable(self.path, f"expands more than {limits.ratio}:1 (limit; zip bomb?)")
        return data

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        pass


def read_head(raw: IO[bytes], size: int = HEAD) -> bytes:
    """Read up to ``size`` bytes, however the stream splits them."""
    parts, got = [], 0
    while got < size:
        data = raw.read(size - got)
        if not data:
            break
        parts.append(data)
        got += len(data)
    return b"".join(parts)


def decompressor(kind: str, raw: Any) -> Any:
    """Return a reader of the decompressed bytes of one compression layer."""
    if kind == "gzip":
        return gzip.GzipFile(fileobj=raw, mode="rb")
    if kind == "bz2":
        return bz2.BZ2File(raw, "rb")
    if kind == "xz":
        return lzma.LZMAFile(raw, "rb")
    return zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True, closefd=False)


def gzip_names(head: bytes) -> list[str]:
    """Return the original file name and comment stored in a gzip header (RFC 1952), which may be personal."""
    flags, at, out = head[3], 10, []
    if flags & 4 and len(head) >= 12:  # FEXTRA
        at += 2 + int.from_bytes(head[10:12], "little")
    for bit in (8, 16):  # FNAME, FCOMMENT: zero-terminated
        if flags & bit:
            end = head.find(b"\0", at)
            if end < 0:
                end = len(head)
            out.append(head[at:end].decode("latin-1"))
            at = end + 1
    return out


def walk(raw: IO[bytes], path: str, budget: Budget, *, depth: int = 0, seekable: bool = False) -> Iterator[Event]:
    """Yield every name and every leaf stream inside ``raw``; each leaf must be read before the next event."""
    head = read_head(raw)
    kind = sniff(head)
    if kind is None:
        what = refused(head)
        if what:
            raise Unreadable(path, f"is {what}, which cannot be checked; unpack it or export its content as text")
        yield Event(path, data=Prefixed(head, raw))  # type: ignore[arg-type]  # Prefixed is a read-only stream, all the readers use
        return
    limits = budget.limits
    if depth >= limits.depth:
        raise Unreadable(path, f"archives nested deeper than {limits.depth} levels (limit)")
    if kind == "zip":
        yield from _walk_zip(raw, head, path, budget, depth, seekable)
        return
    stream = Guarded(Prefixed(head, raw), path, budget, None)
    if kind == "tar":
        yield from _walk_tar(stream, path, budget, depth)
        return
    if kind == "gzip":
        for name in gzip_names(head):
            yield Event(path, name=name)
    counting = Counting(stream)
    inner = Guarded(decompressor(kind, counting), path, budget, lambda: counting.count)
    yield from walk(inner, path, budget, depth=depth + 1)  # type: ignore[arg-type]  # Guarded is a read-only stream


def _walk_tar(stream: Guarded, path: str, budget: Budget, depth: int) -> Iterator[Event]:
    try:
        with tarfile.open(fileobj=stream, mode="r|") as archive:  # type: ignore[call-overload]  # Guarded is a read-only stream; "r|" only reads
            for n, member in enumerate(archive, 1):
                if n > budget.limits.members:
                    raise Unreadable(path, f"holds more than {budget.limits.members} members (limit)")
                inner = f"{path}!{member.name}"
                yield Event(inner, name=member.name, fields={"uname": member.uname, "gname": member.gname})
                if member.issym() or member.islnk():
                    yield Event(inner, name=member.linkname)
                plain = archive.extractfile(member) if member.isfile() else None
                if plain is not None:
                    guarded = Guarded(plain, inner, budget, None)
                    yield from walk(guarded, inner, budget, depth=depth + 1)  # type: ignore[arg-type]  # Guarded is a read-only stream
    except Unreadable:
        raise
    except DECODE_ERRORS as exc:
        raise Unreadable(path, f"cannot be read as a tar archive: {exc}") from None


def _walk_zip(raw: IO[bytes], head: bytes, path: str, budget: Budget, depth: int, seekable: bool) -> Iterator[Event]:
    with _seekable(raw, head, path, budget, seekable) as file:
        try:
            archive = zipfile.ZipFile(file)
        except DECODE_ERRORS as exc:
            raise Unreadable(path, f"cannot be read as a zip archive: {exc}") from None
        with archive:
            infos = archive.infolist()
            if len(infos) > budget.limits.members:
                raise Unreadable(path, f"holds more than {budget.limits.members} members (limit)")
            if archive.comment:
                yield Event(path, name=archive.comment.decode("utf-8", "replace"))
            for info in infos:
                inner = f"{path}!{info.filename}"
                yield Event(inner, name=info.filename)
                if info.comment:
                    yield Event(inner, name=info.comment.decode("utf-8", "replace"))
                if info.is_dir():
                    continue
                if info.flag_bits & 1:
                    raise Unreadable(inner, "is encrypted and cannot be checked")
                try:
                    member = archive.open(info)
                except DECODE_ERRORS as exc:
                    raise Unreadable(inner, f"cannot be decoded: {exc}") from None
                with member:
                    size = max(info.compress_size, 1)
                    guarded = Guarded(member, inner, budget, lambda size=size: size)  # type: ignore[misc]  # the default binds this member's size
                    yield from walk(guarded, inner, budget, depth=depth + 1)  # type: ignore[arg-type]  # Guarded is a read-only stream


class _seekable:
    """The zip as a seekable file: the file itself at the top, else a spooled copy of the member."""

    def __init__(self, raw: IO[bytes], head: bytes, path: str, budget: Budget, seekable: bool) -> None:
        self.raw, self.head, self.path, self.budget, self.seekable = raw, head, path, budget, seekable
        self.spool: Any = None

    def __enter__(self) -> Any:
        if self.seekable:
            self.raw.seek(0)
            return self.raw
        self.spool = tempfile.SpooledTemporaryFile(max_size=SPOOL)
        shutil.copyfileobj(Prefixed(self.head, self.raw), self.spool, 1 << 20)
        self.spool.seek(0)
        return self.spool

    def __exit__(self, *exc: object) -> None:
        if self.spool is not None:
            self.spool.close()
