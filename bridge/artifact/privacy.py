"""The privacy gate for anonymised logs: find what anonymisation should have removed.

Reported kinds: ``ipv4``, ``ipv6``, ``email``, ``mac`` and ``home-user`` (the user name in
``/home/<user>/``, ``/Users/<user>/`` or ``C:\\Users\\<user>\\``). Not reported, because they identify
nobody or are the placeholders anonymisation writes:

- IPv4: 0.0.0.0, 255.255.255.255 and other netmask-shaped values (255.255.255.0), loopback
  127.0.0.0/8, and the documentation ranges of RFC 5737 (192.0.2.0/24, 198.51.100.0/24,
  203.0.113.0/24). Private ranges (10/8, 192.168/16, …) *are* reported: they map internal networks.
- IPv6: ``::``, ``::1``, the ``::/96`` block (which also catches ``[::2]`` slices in Python
  tracebacks), 2001:db8::/32 (RFC 3849), and candidates without a digit (``Dead::Beef`` in C++
  names). IPv4-mapped addresses (``::ffff:a.b.c.d``) follow the IPv4 rules.
- e-mail: the example domains of RFC 2606/6761 (``example``, ``example.com/.net/.org`` and their
  subdomains, ``*.invalid``, ``*.test``, ``*.localhost``), all-``x`` masks such as ``xxx@xxx.xx``,
  and image names such as ``icon@2x.png``.
- MAC: all zeros, broadcast ``ff:ff:ff:ff:ff:ff`` and the documentation block 00-00-5E-00-53-xx (RFC 7042).
- home-user: placeholders (``$USER``, ``%USERNAME%``, ``xxx``, ``j***``; ``<user>`` never matches) and generic
  accounts that name no person (``root``, ``runner``, ``ubuntu``, ``jovyan``, ``Public`` …).

Text files are scanned, gzip/bzip2/xz-compressed text is decompressed as a stream, and the text
members of zip and tar archives are scanned as ``archive!member``; binary files are skipped.
Each file is read in blocks of whole lines and every regex runs over the block at once, which is
several times faster than a Python loop over lines.
"""

from __future__ import annotations

import bz2
import codecs
import gzip
import ipaddress
import lzma
import re
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from bridge.artifact.mediatypes import looks_like_text
from bridge.artifact.model import FileInfo, PrivacyException
from bridge.errors import MetadataError, Problem

KINDS = ("ipv4", "ipv6", "email", "mac", "home-user")
LABELS = {
    "ipv4": "IPv4 address",
    "ipv6": "IPv6 address",
    "email": "e-mail address",
    "mac": "MAC address",
    "home-user": "home-directory user name",
}
PER_FILE_LIMIT = 50
BLOCK = 1 << 20
MAX_LINE = 8 << 20  # a "line" longer than this is cut, so memory stays bounded on binary junk
_SNIFF = 8192

_TEXT_TYPES = {"application/json", "application/x-ndjson", "application/yaml", "application/xml"}
_OPENERS: dict[str, Callable[[Path], BinaryIO]] = {  # each opens a binary stream, mode "rb"
    "application/gzip": gzip.open,
    "application/x-bzip2": bz2.open,
    "application/x-xz": lzma.open,
}

# Damaged or encrypted archives cannot be checked, so they fail the gate rather than pass it.
# NotImplementedError: a zip compression method Python lacks; RuntimeError: an encrypted zip member.
_UNREADABLE = (OSError, EOFError, zlib.error, lzma.LZMAError, zipfile.BadZipFile, tarfile.TarError,
               NotImplementedError, RuntimeError)  # fmt: skip
_HEX = rb"[0-9A-Fa-f]"
_USER = rb"([^/\\\s:?\"'<>|,;=()\[\]{}]+)"  # a path component, stopping at quotes and brackets
_WINDOWS_HOME = rb":[\\/]+(?i:users|documents and settings)[\\/]+"
_HEX_BYTES = frozenset(b"0123456789abcdefABCDEF")
_EMAIL_LOCAL = frozenset(
    b".%+-_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" + bytes(range(128, 256))
)

_IGNORED_V4 = tuple(
    ipaddress.ip_network(n) for n in ("127.0.0.0/8", "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")
)
_IGNORED_V6 = tuple(ipaddress.ip_network(n) for n in ("::/96", "2001:db8::/32"))
_EXAMPLE_DOMAINS = ("example", "example.com", "example.net", "example.org")
_RESERVED_TLDS = ("invalid", "test", "localhost", "example")
_FILE_SUFFIXES = {"png", "jpg", "jpeg", "gif", "svg", "webp", "bmp", "ico"}  # icon@2x.png is an image
_GENERIC_USERS = {
    "root", "user", "username", "users", "runner", "ubuntu", "jovyan", "vagrant", "ec2-user", "admin",
    "administrator", "guest", "nobody", "public", "default", "default user", "all users", "shared",
    "anonymous", "anon", "redacted", "removed",
}  # fmt: skip


@dataclass(frozen=True)
class Finding:
    """One piece of personal data found in a file, with a masked form that is safe to print."""

    kind: str
    file: str
    line: int
    value: str
    masked: str = ""

    def __post_init__(self) -> None:
        if not self.masked:
            object.__setattr__(self, "masked", mask(self.kind, self.value))

    def __repr__(self) -> str:  # never print the value itself, not even in a traceback
        return f"Finding(kind={self.kind!r}, file={self.file!r}, line={self.line}, masked={self.masked!r})"

    def as_problem(self) -> Problem:
        """Return the Problem a user sees: masked value, kind, and what to do."""
        return Problem(
            f"{LABELS.get(self.kind, self.kind)} {self.masked} found (kind {self.kind}); "
            "remove it or record a privacy_exception in publish.yaml",
            file=self.file,
            field="privacy",
            line=self.line,
        )


def mask(kind: str, value: str) -> str:
    """Return ``value`` with most characters hidden, keeping enough to recognise it."""
    if kind == "ipv4":
        return ".".join(value.split(".")[:2]) + ".x.x"
    if kind == "ipv6":
        return value.split(":", 1)[0] + ":x:x:x:x:x:x:x"
    if kind == "mac":
        sep = value[2]
        return sep.join(value.split(sep)[:3] + ["xx"] * 3)
    if kind == "email":
        local, _, domain = value.rpartition("@")
        return f"{_mask_name(local)}@{domain}"
    return _mask_name(value)


def _mask_name(name: str) -> str:
    return name[0] + "***" if len(name) >= 3 else "***"


def scan_privacy(root: Path, files: list[FileInfo], *, limit_per_file: int | None = None) -> list[Finding]:
    """Return the personal data found in the text files (at most ``limit_per_file`` per file if given)."""
    found: list[Finding] = []
    for info in files:
        for n, finding in enumerate(iter_findings(root, info)):
            if limit_per_file is not None and n >= limit_per_file:
                break
            found.append(finding)
    return found


def allows(exception: PrivacyException | None, finding: Finding) -> bool:
    """Return True when the exception covers the finding: all, by kind, or by value (any case)."""
    if exception is None:
        return False
    if not exception.allow:
        return True
    allowed = {a.casefold() for a in exception.allow}
    return finding.kind in allowed or finding.value.casefold() in allowed


def apply_exception(findings: Iterable[Finding], exception: PrivacyException | None) -> list[Finding]:
    """Return the findings the exception does not allow."""
    return [f for f in findings if not allows(exception, f)]


def check_privacy(
    root: Path, files: list[FileInfo], exception: PrivacyException | None, *, limit: int = PER_FILE_LIMIT
) -> list[Finding]:
    """Return the allowed findings (at most ``limit`` per file); raise MetadataError if any remain."""
    allowed: list[Finding] = []
    problems: list[Problem] = []
    for info in files:
        kept = more = taken = 0
        try:
            for finding in iter_findings(root, info):
                if allows(exception, finding):
                    if taken < limit:
                        allowed.append(finding)
                        taken += 1
                elif kept < limit:
                    problems.append(finding.as_problem())
                    kept += 1
                else:
                    more += 1
        except MetadataError as exc:  # a damaged file fails the gate; the other files are still checked
            problems.extend(exc.problems)
        if more:
            problems.append(Problem(f"… and {more} more findings in this file", file=info.path, field="privacy"))
    if problems:
        raise MetadataError(
            problems,
            hint="anonymise these values (placeholders such as 192.0.2.1 or user@example.org are fine) "
            "and replace files that cannot be read, or add privacy_exception: {reason: …, allow: [kinds or values]} "
            "to publish.yaml",
        )
    return allowed


def iter_findings(root: Path, info: FileInfo) -> Iterator[Finding]:
    """Yield the findings in one file, streaming it; binary files yield nothing."""
    path = root / info.path
    try:
        if info.media_type.startswith("text/") or info.media_type in _TEXT_TYPES:
            with path.open("rb") as raw:
                yield from _scan_stream(raw, info.path, sniff=False)
        elif info.media_type in _OPENERS:
            opener = _OPENERS[info.media_type]
            with opener(path) as plain:
                is_tar = plain.read(512)[257:262] == b"ustar"  # a compressed tar: .tar.gz, .tgz, .tar.xz …
            with opener(path) as plain:
                yield from _scan_tar(plain, info.path) if is_tar else _scan_stream(plain, info.path, sniff=True)
        elif info.media_type == "application/x-tar":
            with path.open("rb") as raw:
                yield from _scan_tar(raw, info.path)
        elif info.media_type == "application/zip" and info.format in ("zip", None):
            with zipfile.ZipFile(path) as archive:
                for member in archive.infolist():
                    if not member.is_dir():
                        with archive.open(member) as plain:
                            yield from _scan_stream(plain, f"{info.path}!{member.filename}", sniff=True)
    except _UNREADABLE as exc:
        raise MetadataError(
            Problem(f"cannot be read to check for personal data: {exc}", file=info.path, field="privacy"),
            hint="replace the damaged file, or leave it out with files: in publish.yaml",
        ) from None


def _scan_tar(raw: BinaryIO, name: str) -> Iterator[Finding]:
    with tarfile.open(fileobj=raw, mode="r|*") as archive:  # stream mode: members in order, no seeking
        for member in archive:
            plain = archive.extractfile(member) if member.isfile() else None
            if plain is not None:
                yield from _scan_stream(plain, f"{name}!{member.name}", sniff=True)


def _scan_stream(raw: BinaryIO, name: str, *, sniff: bool) -> Iterator[Finding]:
    """Yield the findings in a stream of text, read in blocks that end at a line break."""
    sample = raw.read(_SNIFF)
    if sniff and not looks_like_text(sample):
        return
    read = _utf16_reader(raw, sample) if sample.startswith((b"\xff\xfe", b"\xfe\xff")) else _reader(raw, sample)
    line, carry = 1, b""
    while True:
        data = read()
        buffer = carry + data
        cut = buffer.rfind(b"\n") + 1 if data else len(buffer)
        if data and cut == 0 and len(buffer) < MAX_LINE:
            carry = buffer  # no line break yet: read on
            continue
        cut = cut or len(buffer)
        block, carry = buffer[:cut], buffer[cut:]
        if block:
            yield from _scan_block(block, name, line)
            line += block.count(b"\n")
        if not data:
            return


def _reader(raw: BinaryIO, sample: bytes) -> Callable[[], bytes]:
    pending = [sample] if sample else []
    return lambda: pending.pop() if pending else raw.read(BLOCK)


def _utf16_reader(raw: BinaryIO, sample: bytes) -> Callable[[], bytes]:
    """Return a reader that turns UTF-16 text (Windows logs) into UTF-8 for the byte regexes."""
    decoder = codecs.getincrementaldecoder("utf-16")("replace")
    pending = [sample]

    def read() -> bytes:
        while True:
            data = pending.pop() if pending else raw.read(BLOCK)
            text = decoder.decode(data, final=not data)
            if text or not data:
                return text.encode("utf-8", "replace")

    return read


Judged = tuple[str, str, str]  # (kind, value, masked); an empty masked is computed by Finding


@dataclass(frozen=True)
class _Rule:
    """How to find one kind: a fast anchor, then the whole match around it."""

    kind: str
    anchor: re.Pattern[bytes]  # begins with a literal, so the regex engine skips ahead at C speed
    back: frozenset[int]  # bytes the whole match may have before the anchor …
    reach: int  # … and at most how many
    whole: re.Pattern[bytes]  # the match itself, with its boundaries as lookarounds


def _judge(kind: str, m: re.Match[bytes]) -> Judged | None:
    """Return what a match is, or None when it is a placeholder or identifies nobody."""
    if kind == "home-user":
        user = m.group(1).decode("utf-8", "replace")
        prefix = m.string[m.start() : m.start(1)].decode("utf-8", "replace")
        return (kind, user, prefix + _mask_name(user) + prefix[-1]) if _reportable_user(user) else None
    text = m.group().decode("utf-8", "replace")
    if kind == "ipv6":
        found, text = _ipv6(text)
        return (found, text, "") if found else None
    reportable = {"ipv4": _reportable_v4, "email": _reportable_email, "mac": _reportable_mac}[kind]
    return (kind, text, "") if reportable(text) else None


def _mac_rule(sep: bytes) -> _Rule:
    return _Rule(
        "mac",
        re.compile(re.escape(sep) + sep.join([_HEX + b"{2}"] * 4) + sep + _HEX + b"{2}"),
        _HEX_BYTES,
        2,
        re.compile(rb"(?<![\w:-])%s{2}(?:%s%s{2}){5}(?![\w:-])" % (_HEX, re.escape(sep), _HEX)),
    )


# IPv6 comes first: the IPv4 tail of ::ffff:a.b.c.d is then already claimed.
_RULES = (
    _Rule(
        "ipv6",
        re.compile(rb":(?::|(?:%s{1,4}:){5})" % _HEX),  # "::" or six colons; a time like 12:34:56 has two
        _HEX_BYTES | {ord(":")},
        45,
        re.compile(
            rb"(?<![\w:.])(?:(?:%s{1,4}:){7}%s{1,4}|(?:%s{1,4}:){6}\d{1,3}(?:\.\d{1,3}){3}"
            rb"|[0-9A-Fa-f:]*::(?:[0-9A-Fa-f:.]*[0-9A-Fa-f:])?)(?![\w:])" % (_HEX, _HEX, _HEX)
        ),
    ),
    _Rule(
        "ipv4",
        re.compile(rb"\.\d{1,3}\.\d{1,3}\.\d{1,3}(?!\w|\.\d)"),
        frozenset(b"0123456789"),
        3,
        re.compile(rb"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?!\w|\.\d)"),  # four parts only: 1.2.3 is a version
    ),
    _Rule(
        "email",
        re.compile(rb"@(?=[A-Za-z0-9])"),
        _EMAIL_LOCAL,
        256,
        re.compile(
            rb"(?<![\w.%+\x80-\xff-])[\w.%+\x80-\xff-]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
            rb"[A-Za-z]{2,63}(?![\w-]|\.[A-Za-z0-9])"
        ),
    ),
    _mac_rule(b":"),
    _mac_rule(b"-"),
    _Rule(
        "home-user",
        re.compile(rb"/(?:home|Users)/"),
        frozenset(),
        0,
        re.compile(rb"(?<![\w.-])/(?:home|Users)/" + _USER),  # not in URLs such as example.org/home/about
    ),
    _Rule(
        "home-user",
        re.compile(_WINDOWS_HOME),
        frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"),
        1,
        re.compile(rb"(?<!\w)[A-Za-z]" + _WINDOWS_HOME + _USER),
    ),
)


def _scan_block(block: bytes, name: str, first_line: int) -> Iterator[Finding]:
    """Yield the findings in a block of whole lines, in order, with their line numbers."""
    hits: list[tuple[int, str, str, str]] = []
    claimed: set[int] = set()  # end offsets of matches already judged
    for rule in _RULES:
        resume = 0
        for anchor in rule.anchor.finditer(block):
            start = anchor.start()
            if start < resume:
                continue
            floor = max(resume, start - rule.reach)
            while start > floor and block[start - 1] in rule.back:
                start -= 1
            m = rule.whole.match(block, start)
            if m is None or m.end() in claimed:
                continue
            resume = m.end()
            claimed.add(resume)
            judged = _judge(rule.kind, m)
            if judged:
                hits.append((m.start(), *judged))
    hits.sort(key=lambda h: h[0])
    line, at = first_line, 0
    for offset, kind, value, masked in hits:
        line += block.count(b"\n", at, offset)
        at = offset
        yield Finding(kind, name, line, value, masked)


def _reportable_v4(text: str) -> bool:
    octets = [int(o) for o in text.split(".")]
    if any(o > 255 for o in octets):
        return False
    number = int.from_bytes(bytes(octets), "big")
    inverted = ~number & 0xFFFFFFFF
    if inverted & (inverted + 1) == 0:
        return False  # netmask-shaped, including 0.0.0.0 and 255.255.255.255
    address = ipaddress.IPv4Address(number)
    return not any(address in net for net in _IGNORED_V4)


def _ipv6(text: str) -> tuple[str | None, str]:
    """Return ("ipv6", text), ("ipv4", embedded) for a mapped address, or (None, text) if not reportable."""
    if not any(c.isdigit() for c in text):
        return None, text
    try:
        address = ipaddress.IPv6Address(text)
    except ValueError:
        return None, text  # a timestamp such as 12:34:56, or another colon-separated token
    if address.ipv4_mapped is not None:
        v4 = str(address.ipv4_mapped)
        return ("ipv4" if _reportable_v4(v4) else None), v4
    if any(address in net for net in _IGNORED_V6):
        return None, text
    return "ipv6", text


def _reportable_email(text: str) -> bool:
    local, _, domain = text.rpartition("@")
    domain = domain.lower()
    labels = domain.split(".")
    if domain in _EXAMPLE_DOMAINS or domain.endswith(tuple("." + d for d in _EXAMPLE_DOMAINS)):
        return False
    if labels[-1] in _RESERVED_TLDS or labels[-1] in _FILE_SUFFIXES:
        return False
    return not (_is_mask(local) or all(_is_mask(label) for label in labels))


def _reportable_mac(text: str) -> bool:
    digits = text.replace(text[2], "").lower()
    return digits not in ("000000000000", "ffffffffffff") and not digits.startswith("00005e0053")


def _reportable_user(user: str) -> bool:
    return not (user.lower() in _GENERIC_USERS or user[0] in "$%~" or "*" in user or _is_mask(user))


def _is_mask(text: str) -> bool:
    """Return True for masks made only of x, * or # (xxx, XXXX, ***)."""
    return bool(text) and set(text.lower()) <= {"x", "*", "#"}
