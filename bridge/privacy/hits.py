"""A hit (one piece of personal data in a block) and the rules that tell personal data from placeholders."""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from bridge.privacy.words import GENERIC_USERS, HASHED, PSEUDONYM

_IGNORED_V4 = tuple(
    ipaddress.ip_network(n) for n in ("127.0.0.0/8", "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")
)
IGNORED_V6 = tuple(ipaddress.ip_network(n) for n in ("::/96", "2001:db8::/32"))
_EXAMPLE_DOMAINS = ("example", "example.com", "example.net", "example.org")
_RESERVED_TLDS = ("invalid", "test", "localhost", "example")
_FILE_SUFFIXES = {"png", "jpg", "jpeg", "gif", "svg", "webp", "bmp", "ico"}  # icon@2x.png is an image


@dataclass(frozen=True, slots=True)
class Hit:
    """One piece of personal data in a block: where, what (canonical value) and how it was written."""

    start: int
    end: int
    kind: str  # ipv4 | ipv6 | email | mac | home-user | user
    value: str
    form: str  # the notation, e.g. "dotted", "dash", "arpa", "url", "cisco", "bare"
    masked: str = ""  # set when the default mask of the value would hide too much (home directories)


Finder = Callable[[bytes, bytes], Iterator[Hit]]  # (block, block.lower()) -> hits


def anchored(
    anchor: re.Pattern[bytes], back: frozenset[int], reach: int, whole: re.Pattern[bytes]
) -> Callable[[bytes], Iterator[re.Match[bytes]]]:
    """Return a matcher: find the anchor, step back over ``back`` bytes (at most ``reach``), match ``whole``."""

    def matches(block: bytes) -> Iterator[re.Match[bytes]]:
        resume = 0
        for a in anchor.finditer(block):
            start = a.start()
            if start < resume:
                continue
            floor = max(resume, start - reach)
            while start > floor and block[start - 1] in back:
                start -= 1
            m = whole.match(block, start)
            if m is not None and m.end() > a.start():
                resume = m.end()
                yield m

    return matches


def _text(m: re.Match[bytes], group: int = 0) -> str:
    return m.group(group).decode("utf-8", "replace")


@functools.lru_cache(maxsize=1 << 16)  # logs repeat the same values
def reportable_v4(text: str) -> bool:
    octets = [int(o) for o in text.split(".")]
    if any(o > 255 for o in octets):
        return False
    number = int.from_bytes(bytes(octets), "big")
    inverted = ~number & 0xFFFFFFFF
    if inverted & (inverted + 1) == 0:
        return False  # netmask-shaped, including 0.0.0.0 and 255.255.255.255
    address = ipaddress.IPv4Address(number)
    return not any(address in net for net in _IGNORED_V4)


@functools.lru_cache(maxsize=1 << 16)  # logs repeat the same values
def reportable_email(text: str) -> bool:
    local, _, domain = text.rpartition("@")
    domain = domain.lower()
    labels = domain.split(".")
    if domain in _EXAMPLE_DOMAINS or domain.endswith(tuple("." + d for d in _EXAMPLE_DOMAINS)):
        return False
    if labels[-1] in _RESERVED_TLDS or labels[-1] in _FILE_SUFFIXES:
        return False
    return not (is_mask(local) or all(is_mask(label) for label in labels) or PSEUDONYM.fullmatch(local))


def mac_digits(text: str) -> str:
    return "".join(c for c in text.lower() if c in "0123456789abcdef")


@functools.lru_cache(maxsize=1 << 16)  # logs repeat the same values
def reportable_mac(text: str) -> bool:
    digits = mac_digits(text)
    return digits not in ("000000000000", "ffffffffffff") and not digits.startswith("00005e0053")


@functools.lru_cache(maxsize=1 << 16)  # logs repeat the same values
def reportable_user(user: str) -> bool:
    return bool(user) and not (
        user.lower() in GENERIC_USERS
        or user[0] in "$%~"
        or "*" in user
        or is_mask(user)
        or PSEUDONYM.fullmatch(user) is not None
        or HASHED.fullmatch(user) is not None
    )


def is_mask(text: str) -> bool:
    """Return True for masks made only of x, * or # (xxx, XXXX, ***)."""
    return bool(text) and set(text.lower()) <= {"x", "*", "#"}


def mask_name(name: str) -> str:
    return name[0] + "***" if len(name) >= 3 else "***"


def mask(kind: str, value: str) -> str:
    """Return ``value`` with most characters hidden, keeping enough to recognise it."""
    if kind == "ipv4":
        return ".".join(value.split(".")[:2]) + ".x.x"
    if kind == "ipv6":
        return value.split(":", 1)[0] + ":x:x:x:x:x:x:x"
    if kind == "mac":
        if len(value) == 12:
            return value[:6] + "xxxxxx"
        if value[4:5] == ".":
            return value[:7] + "xx.xxxx"
        sep = value[2]
        return sep.join(value.split(sep)[:3] + ["xx"] * 3)
    if kind == "email":
        local, _, domain = value.rpartition("@")
        return f"{mask_name(local)}@{domain}"
    return mask_name(value)
