"""Write the anonymised copy of one stream: every layer re-packed the same way, every text rewritten, names too.

The layers are recognised and limited exactly as the gate does (:mod:`bridge.privacy.archives`); what the
gate would refuse to check, the anonymiser refuses to rewrite. Binary data is copied unchanged when it holds
no personal data, and refused when it does (its bytes cannot be rewritten without breaking the format).
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import shutil
import tarfile
import tempfile
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from typing import IO, Any

import zstandard

from bridge.privacy.archives import (
    DECODE_ERRORS,
    SPOOL,
    Budget,
    Counting,
    Guarded,
    Prefixed,
    Unreadable,
    decompressor,
    gzip_names,
    read_head,
    refused,
    sniff,
)
from bridge.privacy.hits import reportable_user
from bridge.privacy.patterns import find_all
from bridge.privacy.pseudonyms import Pseudonymiser
from bridge.privacy.textio import SNIFF, Writer, blocks, classify, printable_around


class BinaryFinding(Exception):
    """Personal data inside binary data, which cannot be rewritten without breaking the file."""

    def __init__(self, path: str, kinds: list[str]) -> None:
        super().__init__(f"{path}: binary data holding {', '.join(kinds)}")
        self.path, self.kinds = path, kinds


@dataclass
class RewriteRun:
    """What one anonymisation run shares: the pseudonyms, the limits and the counts by kind."""

    pseudonyms: Pseudonymiser
    budget: Budget
    counts: Counter[str] = field(default_factory=Counter)
    names: int = 0  # names rewritten (files, folders, archive members)

    def name(self, text: str) -> str:
        """Return a name with every hit replaced by its token (names never get address-shaped values)."""
        data = text.encode("utf-8", "surrogateescape")
        hits = find_all(data)
        if not hits:
            return text
        out, at = [], 0
        for h in hits:
            out += [data[at : h.start], self.pseudonyms.name_token(h).encode()]
            at = h.end
            self.counts[h.kind] += 1
        self.names += 1
        return b"".join([*out, data[at:]]).decode("utf-8", "surrogateescape")

    def owner(self, name: str) -> str:
        """Return the pseudonym of a tar member's owner or group name, when it names a person."""
        if not name or not reportable_user(name):
            return name
        self.counts["user"] += 1
        return self.pseudonyms.token("user", name)


def rewrite(
    raw: IO[bytes], out: IO[bytes], path: str, ctx: RewriteRun, *, depth: int = 0, seekable: bool = False
) -> None:
    """Write the anonymised form of ``raw`` (named ``path`` in errors) to ``out``."""
    head = read_head(raw)
    kind = sniff(head)
    if kind is None and refused(head):
        raise Unreadable(path, f"is {refused(head)}, which cannot be rewritten; unpack it or export it as text")
    if kind is None:
        rewrite_leaf(Prefixed(head, raw), out, path, ctx)  # type: ignore[arg-type]  # Prefixed is a read-only stream
        return
    limits = ctx.budget.limits
    if depth >= limits.depth:
        raise Unreadable(path, f"archives nested deeper than {limits.depth} levels (limit)")
    if kind == "zip":
        _rewrite_zip(raw, head, out, path, ctx, depth, seekable)
        return
    stream = Guarded(Prefixed(head, raw), path, ctx.budget, None)
    if kind == "tar":
        _rewrite_tar(stream, out, path, ctx, depth)
        return
    if kind == "gzip":
        for name in gzip_names(head):
            ctx.name(name)  # counted: the header's name and comment are dropped from the copy
    counting = Counting(stream)
    inner = Guarded(decompressor(kind, counting), path, ctx.budget, lambda: counting.count)
    writer = _compressor(kind, out)
    rewrite(inner, writer, path, ctx, depth=depth + 1)  # type: ignore[arg-type]  # Guarded is a read-only stream
    writer.close()


def rewrite_leaf(raw: IO[bytes], out: IO[bytes], path: str, ctx: RewriteRun) -> None:
    """Rewrite one text stream block by block in its own encoding; copy binary data that holds nothing."""
    first = raw.read(SNIFF)
    codec, text = classify(first)
    writer = Writer(out, codec)
    for block in blocks(raw, codec, first):
        hits = find_all(block)
        if not text:
            found = sorted({h.kind for h in hits if printable_around(block, h.start, h.end)})
            if found:
                raise BinaryFinding(path, found)
            writer.write(block)
            continue
        parts, at = [], 0
        for h in hits:
            parts += [block[at : h.start], ctx.pseudonyms.replace(h, block[h.start : h.end])]
            at = h.end
            ctx.counts[h.kind] += 1
        parts.append(block[at:])
        writer.write(b"".join(parts))
    writer.close()


def _compressor(kind: str, out: IO[bytes]) -> Any:
    if kind == "gzip":  # no FNAME and no mtime: the original name may be personal
        return gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0)
    if kind == "bz2":
        return bz2.BZ2File(out, "wb")
    if kind == "xz":
        return lzma.LZMAFile(out, "wb")
    return zstandard.ZstdCompressor().stream_writer(out, closefd=False)


def _rewrite_tar(stream: Guarded, out: IO[bytes], path: str, ctx: RewriteRun, depth: int) -> None:
    limits = ctx.budget.limits
    try:
        with tarfile.open(fileobj=stream, mode="r|") as source, tarfile.open(  # type: ignore[call-overload]  # Guarded is a read-only stream; "r|" only reads
            fileobj=out, mode="w|", format=tarfile.PAX_FORMAT
        ) as target:
            for n, member in enumerate(source, 1):
                if n > limits.members:
                    raise Unreadable(path, f"holds more than {limits.members} members (limit)")
                inner = f"{path}!{member.name}"
                info = tarfile.TarInfo(ctx.name(member.name))
                info.type, info.mode, info.mtime = member.type, member.mode, member.mtime
                info.uid, info.gid = member.uid, member.gid
                info.uname, info.gname = ctx.owner(member.uname), ctx.owner(member.gname)
                info.linkname = ctx.name(member.linkname) if member.linkname else ""
                plain = source.extractfile(member) if member.isfile() else None
                if plain is None:
                    target.addfile(info)
                    continue
                with tempfile.SpooledTemporaryFile(max_size=SPOOL) as spool:
                    guarded = Guarded(plain, inner, ctx.budget, None)
                    rewrite(guarded, spool, inner, ctx, depth=depth + 1)  # type: ignore[arg-type]  # Guarded is a read-only stream
                    info.size = spool.tell()
                    spool.seek(0)
                    target.addfile(info, spool)
    except (Unreadable, BinaryFinding):
        raise
    except DECODE_ERRORS as exc:
        raise Unreadable(path, f"cannot be read as a tar archive: {exc}") from None


def _rewrite_zip(
    raw: IO[bytes], head: bytes, out: IO[bytes], path: str, ctx: RewriteRun, depth: int, seekable: bool
) -> None:
    limits = ctx.budget.limits
    with tempfile.SpooledTemporaryFile(max_size=SPOOL) as spool:
        if seekable:
            raw.seek(0)
            source_file: Any = raw
        else:
            shutil.copyfileobj(Prefixed(head, raw), spool, 1 << 20)
            spool.seek(0)
            source_file = spool
        try:
            source = zipfile.ZipFile(source_file)
        except DECODE_ERRORS as exc:
            raise Unreadable(path, f"cannot be read as a zip archive: {exc}") from None
        with source, zipfile.ZipFile(out, "w") as target:
            infos = source.infolist()
            if len(infos) > limits.members:
                raise Unreadable(path, f"holds more than {limits.members} members (limit)")
            target.comment = ctx.name(source.comment.decode("utf-8", "replace")).encode()
            for info in infos:
                inner = f"{path}!{info.filename}"
                if info.flag_bits & 1:
                    raise Unreadable(inner, "is encrypted and cannot be checked")
                new = zipfile.ZipInfo(ctx.name(info.filename), date_time=info.date_time)
                new.external_attr, new.create_system = info.external_attr, info.create_system
                new.comment = ctx.name(info.comment.decode("utf-8", "replace")).encode()
                known = info.compress_type in _ZIP_METHODS
                new.compress_type = info.compress_type if known else zipfile.ZIP_DEFLATED
                if info.is_dir():
                    target.writestr(new, b"")
                    continue
                try:
                    member = source.open(info)
                except DECODE_ERRORS as exc:
                    raise Unreadable(inner, f"cannot be decoded: {exc}") from None
                with member, target.open(new, "w", force_zip64=True) as sink:
                    size = max(info.compress_size, 1)
                    guarded = Guarded(member, inner, ctx.budget, lambda size=size: size)  # type: ignore[misc]  # the default binds this member's size
                    rewrite(guarded, sink, inner, ctx, depth=depth + 1)  # type: ignore[arg-type]  # Guarded is a read-only stream


_ZIP_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA)
