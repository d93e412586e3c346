"""What personal data looks like in a log: one finder per notation, each returning the span it would replace.

Every finder starts from a cheap literal anchor (``.``, ``@``, ``%40``, ``/home/`` …) so the regex engine
skips ahead at C speed, then checks the whole match around the anchor. A finder returns :class:`Hit`\\ s with
the canonical value (``10.20.30.40`` for ``ip-10-20-30-40``), the byte span an anonymiser replaces and the
notation (``form``) it must write back. Placeholders identify nobody and are not hits: loopback, 0.0.0.0 and
netmasks, RFC 5737 and RFC 3849 documentation ranges, the example domains of RFC 2606/6761, masks such as
``xxx``, generic accounts such as ``root`` and the ``anon-<hex>`` pseudonyms ``bridge anonymise`` writes.
"""

from __future__ import annotations

import bisect
import ipaddress
import re
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from bridge.privacy.words import GENERIC_USERS, HASHED, PSEUDONYM

_HEX = rb"[0-9A-Fa-f]"
_HEX_BYTES = frozenset(b"0123456789abcdefABCDEF")
_DIGITS = frozenset(b"0123456789")
_EMAIL_LOCAL = frozenset(
    b".%+-_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" + bytes(range(128, 256))
)
_USER = rb"([^/\\\s:?\"'<>|,;=()\[\]{}]+)"  # a path component, stopping at quotes and brackets
_NAME = rb"([A-Za-z_][A-Za-z0-9_.$-]{0,63})"  # a POSIX-ish account name
_IGNORED_V4 = tuple(
    ipaddress.ip_network(n) for n in ("127.0.0.0/8", "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")
)
_IGNORED_V6 = tuple(ipaddress.ip_network(n) for n in ("::/96", "2001:db8::/32"))
_EXAMPLE_DOMAINS = ("example", "example.com", "example.net", "example.org")
_RESERVED_TLDS = ("invalid", "test", "localhost", "example")
_FILE_SUFFIXES = {"png", "jpg", "jpeg", "gif", "svg", "webp", "bmp", "ico"}  # icon@2x.png is an image
_VERSION_BEFORE = re.compile(rb"(?i)(?:version|release|ver|rev)[\s:=]{1,3}\Z")


@dataclass(frozen=True, slots=True)
class Hit:
    """One piece of personal data in a block: where, what (canonical value) and how it was written."""

    start: int
    end: int
    kind: str  # ipv4 | ipv6 | email | mac | home-user | user
    value: str
    form: str  # the notation, e.g. "dotted", "dash", "arpa", "url", "cisco", "bare"
    masked: str = ""  # set when the default mask of the value would hide too much (home directories)


Finder = Callable[[bytes], Iterator[Hit]]


def find_all(block: bytes) -> list[Hit]:
    """Return the hits in a block, in order; where notations overlap, the earlier finder wins."""
    spans: list[tuple[int, int]] = []
    hits: list[Hit] = []
    for finder in FINDERS:
        for hit in finder(block):
            i = bisect.bisect_left(spans, (hit.start, hit.end))
            if (i and spans[i - 1][1] > hit.start) or (i < len(spans) and spans[i][0] < hit.end):
                continue
            spans.insert(i, (hit.start, hit.end))
            hits.append(hit)
    hits.sort(key=lambda h: h.start)
    return hits


def _anchored(
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


# IPv6 first: the IPv4 tail of ::ffff:a.b.c.d is then already claimed.
_ipv6 = _anchored(
    re.compile(rb":(?::|(?:%s{1,4}:){5})" % _HEX),  # "::" or six colons; a time like 12:34:56 has two
    _HEX_BYTES | {ord(":")},
    45,
    re.compile(
        rb"(?<![\w:.])(?:(?:%s{1,4}:){7}%s{1,4}|(?:%s{1,4}:){6}\d{1,3}(?:\.\d{1,3}){3}"
        rb"|[0-9A-Fa-f:]*::(?:[0-9A-Fa-f:.]*[0-9A-Fa-f:])?)(?![\w:])" % (_HEX, _HEX, _HEX)
    ),
)


def find_ipv6(block: bytes) -> Iterator[Hit]:
    for m in _ipv6(block):
        text = _text(m)
        if not any(c.isdigit() for c in text):
            continue  # Dead::Beef in a C++ name
        try:
            address = ipaddress.IPv6Address(text)
        except ValueError:
            continue  # a timestamp such as 12:34:56, or another colon-separated token
        v4 = address.ipv4_mapped
        if v4 is None and address in _IGNORED_V6[0] and "." in text:
            v4 = ipaddress.IPv4Address(int(address))  # IPv4-compatible ::a.b.c.d
        if v4 is not None:
            if "." in text and reportable_v4(str(v4)):  # the dotted tail is the address
                tail = m.start() + text.rfind(":") + 1
                yield Hit(tail, m.end(), "ipv4", str(v4), "dotted")
            continue
        if not any(address in net for net in _IGNORED_V6):
            yield Hit(m.start(), m.end(), "ipv6", text, "ipv6")


_arpa = re.compile(rb"(?i)\.in-addr\.arpa\b")
_arpa_quad = re.compile(rb"(?<![\w.])(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\Z")


def find_arpa(block: bytes) -> Iterator[Hit]:
    """Reverse-DNS names: 40.30.20.10.in-addr.arpa is 10.20.30.40."""
    for a in _arpa.finditer(block):
        lo = max(0, a.start() - 16)
        m = _arpa_quad.search(block, lo, a.start())
        if m is None:
            continue
        value = ".".join(_text(m, g) for g in (4, 3, 2, 1))
        if reportable_v4(value):
            yield Hit(m.start(), m.end(), "ipv4", value, "arpa")


_ipv4 = _anchored(
    re.compile(rb"\.\d{1,3}\.\d{1,3}\.\d{1,3}(?!\w|\.\d)"),
    _DIGITS,
    3,
    re.compile(rb"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?!\w|\.\d)"),  # four parts only: 1.2.3 is a version
)


def find_ipv4(block: bytes) -> Iterator[Hit]:
    for m in _ipv4(block):
        value = _text(m)
        if reportable_v4(value) and not _VERSION_BEFORE.search(block, max(0, m.start() - 12), m.start()):
            yield Hit(m.start(), m.end(), "ipv4", value, "dotted")


# Host names that embed an address: ip-10-20-30-40(.ec2.internal), 10-20-30-40.compute.internal, 10_20_30_40.
_ipv4_joined = _anchored(
    re.compile(rb"[-_]\d{1,3}[-_]\d{1,3}[-_]\d{1,3}(?![-_]?\d)"),
    _DIGITS,
    3,
    re.compile(rb"(?<!\d)(?<!\d[-_.])(\d{1,3})([-_])(\d{1,3})\2(\d{1,3})\2(\d{1,3})(?![-_.]?\d)"),
)


def find_ipv4_joined(block: bytes) -> Iterator[Hit]:
    for m in _ipv4_joined(block):
        value = ".".join(_text(m, g) for g in (1, 3, 4, 5))
        if reportable_v4(value):
            yield Hit(m.start(), m.end(), "ipv4", value, "dash" if m.group(2) == b"-" else "underscore")


_DOMAIN = rb"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}(?![\w-]|\.[A-Za-z0-9])"
_email = _anchored(
    re.compile(rb"@(?=[A-Za-z0-9])"),
    _EMAIL_LOCAL,
    256,
    re.compile(rb"(?<![\w.%+\x80-\xff-])[\w.%+\x80-\xff-]+@" + _DOMAIN),
)


def find_email(block: bytes) -> Iterator[Hit]:
    for m in _email(block):
        value = _text(m)
        if reportable_email(value):
            yield Hit(m.start(), m.end(), "email", value, "plain")


_email_url = _anchored(
    re.compile(rb"%(?:25)?40(?=[A-Za-z0-9])"),
    _EMAIL_LOCAL,
    256,
    re.compile(rb"(?<![\w.%+-])[\w.%+-]+?%(?:25)?40" + _DOMAIN),
)


def find_email_encoded(block: bytes) -> Iterator[Hit]:
    """URL-encoded addresses: jdoe%40csic.es (and the double-encoded jdoe%2540csic.es)."""
    for m in _email_url(block):
        value = urllib.parse.unquote(urllib.parse.unquote(_text(m)))
        if value.count("@") == 1 and reportable_email(value):
            yield Hit(m.start(), m.end(), "email", value, "url")


_OPEN, _CLOSE = rb"[\[\(\{<]", rb"[\]\)\}>]"
_AT = re.compile(rb"\s*%s\s*(?i:at|@)\s*%s\s*|\s+AT\s+" % (_OPEN, _CLOSE))
_DOT = rb"(?:\s*%s\s*(?i:dot|\.)\s*%s\s*|\s+DOT\s+|\.)" % (_OPEN, _CLOSE)
_LABEL = rb"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_obf_domain = re.compile(rb"(%s(?:%s%s)+)(?![\w-])" % (_LABEL, _DOT, _LABEL))
_obf_local = re.compile(rb"(?<![\w.+-])[A-Za-z0-9][\w.+-]*\Z")
_dot_word = re.compile(rb"(?i)\s*[\[\(\{<]?\s*dot\s*[\]\)\}>]?\s*")


def find_email_obfuscated(block: bytes) -> Iterator[Hit]:
    """Written-out addresses: jdoe [at] csic [dot] es, jdoe(at)csic.es, jdoe AT csic DOT es, jdoe[@]csic[.]es."""
    for a in _AT.finditer(block):
        local = _obf_local.search(block, max(0, a.start() - 128), a.start())
        domain = _obf_domain.match(block, a.end())
        if local is None or domain is None:
            continue
        raw_domain = domain.group(1)
        if a.group().strip() == b"AT" and b"DOT" not in raw_domain:
            continue  # a bare " AT " is a word unless the domain is written out too
        labels = re.split(rb"\s*[\[\(\{<]\s*(?:[dD][oO][tT]|\.)\s*[\]\)\}>]\s*|\s+DOT\s+|\.", raw_domain)
        value = f"{_text(local)}@{b'.'.join(labels).decode('ascii', 'replace')}"
        if not labels[-1].isalpha() or not reportable_email(value):
            continue
        yield Hit(local.start(), domain.end(1), "email", value, "obfuscated")


def _mac(sep: bytes) -> Callable[[bytes], Iterator[re.Match[bytes]]]:
    return _anchored(
        re.compile(re.escape(sep) + sep.join([_HEX + b"{2}"] * 4) + sep + _HEX + b"{2}"),
        _HEX_BYTES,
        2,
        re.compile(rb"(?<![\w:-])%s{2}(?:%s%s{2}){5}(?![\w:-])" % (_HEX, re.escape(sep), _HEX)),
    )


_mac_colon, _mac_dash = _mac(b":"), _mac(b"-")
_mac_cisco = _anchored(
    re.compile(rb"\.%s{4}\.%s{4}(?![\w.:-])" % (_HEX, _HEX)),
    _HEX_BYTES,
    4,
    re.compile(rb"(?<![\w.:-])%s{4}\.%s{4}\.%s{4}(?![\w.:-])" % (_HEX, _HEX, _HEX)),
)
_mac_field = re.compile(
    rb"(?i)(?<![A-Za-z])(?:mac|hwaddr|lladdr|chaddr|ether)(?:[_-]?addr(?:ess)?)?[\"']?\s*[=:]?\s*[\"']?"
    rb"(%s{12})(?![\w:.-])" % _HEX
)


def find_mac(block: bytes) -> Iterator[Hit]:
    """MACs with colons or dashes, in Cisco notation (3c52.82aa.bbcc), and bare 12-hex values in MAC fields."""
    for matches, form in ((_mac_colon, "colon"), (_mac_dash, "dash"), (_mac_cisco, "cisco")):
        for m in matches(block):
            value = _text(m)
            if reportable_mac(value):
                yield Hit(m.start(), m.end(), "mac", value, form)
    for m in _mac_field.finditer(block):
        value = _text(m, 1)
        if reportable_mac(value):
            yield Hit(m.start(1), m.end(1), "mac", value, "bare")


_home = re.compile(rb"/(?:home\d*|homes|Users)/" + _USER)
_token_start = re.compile(rb"[^\s\"'<>=(),;\[\]{}|`]*\Z")
_windows_home = re.compile(rb"(?<!\w)[A-Za-z]:[\\/]+(?i:users|documents and settings)[\\/]+" + _USER)
_tilde = re.compile(rb"(?:(?<=[\s\"'=(:/])|(?<![\s\S]))~([a-z_][a-z0-9_-]{1,31})(?=[/\s\"',;)\]>]|\Z)")


def find_home(block: bytes) -> Iterator[Hit]:
    """User names in home directories: /home/jdoe, /export/home/jdoe, /var/home/jdoe, C:\\Users\\jdoe, ~jdoe."""
    for m in _home.finditer(block):
        token = _token_start.search(block, max(0, m.start() - 256), m.start())
        prefix = token.group() if token else b""
        if b"://" in prefix and not prefix.startswith(b"file://"):
            continue  # a URL path such as https://example.org/home/about
        if prefix and prefix[-1:] != b":" and prefix[:1] not in (b"/", b".", b"~") and not prefix.startswith(b"file:"):
            continue  # a relative path or a host name: github.com/Users/x
        yield from _home_hit(m, (prefix + block[m.start() : m.start(1)]).decode("utf-8", "replace"))
    for m in _windows_home.finditer(block):
        yield from _home_hit(m, block[m.start() : m.start(1)].decode("utf-8", "replace"))
    for m in _tilde.finditer(block):
        yield from _home_hit(m, "~")


def _home_hit(m: re.Match[bytes], root: str) -> Iterator[Hit]:
    user = _text(m, 1)
    if reportable_user(user):
        end = "" if root == "~" else root[-1]
        yield Hit(m.start(1), m.end(1), "home-user", user, "home", f"{root}{mask_name(user)}{end}")


# User names in the fields of sshd, sudo, su, PAM, login, systemd-logind, audit and Slurm lines.
_KEYS = rb"(?i:user(?:_?name|_?id)?|uid|ruser|logname|login|acct|sudo_user)"
_user_key = re.compile(
    rb"(?<![\w-])%s\s*=\s*[\"']?%s|[\"']%s[\"']\s*:\s*[\"']%s|(?<![\w-])(?i:user(?:_?name)?):\s+%s"
    % (_KEYS, _NAME, _KEYS, _NAME, _NAME)
)
_user_phrase = re.compile(
    rb"(?:\bfor (?:invalid |illegal )?user |\b[Ii]nvalid user |\bof user |\bLOGIN ON \S+ BY |"
    rb"\b(?:Accepted|Failed) [\w/-]+ for (?!invalid user |illegal user )|"
    rb"\bsudo(?:\[\d+\])?:\s+|\bsu(?:\[\d+\])?: \(to [^)\s]+\) )" + _NAME + rb"(?=[\s(:.,;'\"]|\Z)"
)
_su_target = re.compile(rb"\bsu(?:\[\d+\])?: \(to " + _NAME + rb"\)")
_by_uid = re.compile(rb"\bby " + _NAME + rb"\(uid=\d+\)")


def find_user(block: bytes) -> Iterator[Hit]:
    for pattern in (_user_key, _user_phrase, _su_target, _by_uid):
        for m in pattern.finditer(block):
            group = next(g for g in range(1, (m.re.groups or 1) + 1) if m.group(g) is not None)
            user = _text(m, group).rstrip(".-")
            if reportable_user(user) and not user.isdigit():
                yield Hit(m.start(group), m.start(group) + len(user), "user", user, "user")


FINDERS: tuple[Finder, ...] = (
    find_ipv6,
    find_arpa,
    find_ipv4,
    find_ipv4_joined,
    find_email,
    find_email_encoded,
    find_email_obfuscated,
    find_mac,
    find_home,
    find_user,
)


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


def reportable_mac(text: str) -> bool:
    digits = mac_digits(text)
    return digits not in ("000000000000", "ffffffffffff") and not digits.startswith("00005e0053")


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
