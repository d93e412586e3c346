"""Finders for network identifiers: IPv4 and IPv6 addresses in every notation, e-mail addresses, MACs."""

from __future__ import annotations

import ipaddress
import re
import urllib.parse
from collections.abc import Callable, Iterator

from bridge.privacy.hits import IGNORED_V6, Hit, anchored, reportable_email, reportable_mac, reportable_v4

_HEX = rb"[0-9A-Fa-f]"
_HEX_BYTES = frozenset(b"0123456789abcdefABCDEF")
_DIGITS = frozenset(b"0123456789")
_EMAIL_LOCAL = frozenset(
    b".%+-_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" + bytes(range(128, 256))
)
_VERSION_BEFORE = re.compile(rb"(?i)(?:version|release|ver|rev)[\s:=]{1,3}\Z")


def _text(m: re.Match[bytes], group: int = 0) -> str:
    return m.group(group).decode("utf-8", "replace")


# IPv6 first: the IPv4 tail of ::ffff:a.b.c.d is then already claimed.
_ipv6 = anchored(
    re.compile(rb":(?::|(?:%s{1,4}:){5})" % _HEX),  # "::" or six colons; a time like 12:34:56 has two
    _HEX_BYTES | {ord(":")},
    45,
    re.compile(
        rb"(?<![\w:.])(?:(?:%s{1,4}:){7}%s{1,4}|(?:%s{1,4}:){6}\d{1,3}(?:\.\d{1,3}){3}"
        rb"|[0-9A-Fa-f:]*::(?:[0-9A-Fa-f:.]*[0-9A-Fa-f:])?)(?![\w:])" % (_HEX, _HEX, _HEX)
    ),
)


def find_ipv6(block: bytes, low: bytes) -> Iterator[Hit]:
    for m in _ipv6(block):
        text = _text(m)
        if not any(c.isdigit() for c in text):
            continue  # Dead::Beef in a C++ name
        try:
            address = ipaddress.IPv6Address(text)
        except ValueError:
            continue  # a timestamp such as 12:34:56, or another colon-separated token
        v4 = address.ipv4_mapped
        if v4 is None and address in IGNORED_V6[0] and "." in text:
            v4 = ipaddress.IPv4Address(int(address))  # IPv4-compatible ::a.b.c.d
        if v4 is not None:
            if not reportable_v4(str(v4)):
                continue
            if "." in text:  # the dotted tail is the address
                yield Hit(m.start() + text.rfind(":") + 1, m.end(), "ipv4", str(v4), "dotted")
            elif address.ipv4_mapped is not None:  # ::ffff:a14:1e28
                yield Hit(m.start(), m.end(), "ipv4", str(v4), "mapped")
            continue
        if not any(address in net for net in IGNORED_V6):
            yield Hit(m.start(), m.end(), "ipv6", text, "ipv6")


_arpa = re.compile(rb"\.in-addr\.arpa\b")  # on the lowered block
_arpa_quad = re.compile(rb"(?<![\w.])(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\Z")


def find_arpa(block: bytes, low: bytes) -> Iterator[Hit]:
    """Reverse-DNS names: 40.30.20.10.in-addr.arpa is 10.20.30.40."""
    for a in _arpa.finditer(low):
        lo = max(0, a.start() - 16)
        m = _arpa_quad.search(block, lo, a.start())
        if m is None:
            continue
        value = ".".join(_text(m, g) for g in (4, 3, 2, 1))
        if reportable_v4(value):
            yield Hit(m.start(), m.end(), "ipv4", value, "arpa")


_ipv4 = anchored(
    re.compile(rb"\.\d{1,3}\.\d{1,3}\.\d{1,3}(?![A-Za-z0-9]|\.\d)"),
    _DIGITS,
    3,
    # four parts only (1.2.3 is a version); "_" may join it to a name: host_10.1.2.3.log
    re.compile(rb"(?<![A-Za-z0-9.])\d{1,3}(?:\.\d{1,3}){3}(?![A-Za-z0-9]|\.\d)"),
)


def find_ipv4(block: bytes, low: bytes) -> Iterator[Hit]:
    for m in _ipv4(block):
        value = _text(m)
        if reportable_v4(value) and not _VERSION_BEFORE.search(block, max(0, m.start() - 12), m.start()):
            yield Hit(m.start(), m.end(), "ipv4", value, "dotted")


# Host names that embed an address: ip-10-20-30-40(.ec2.internal), 10-20-30-40.compute.internal, 10_20_30_40.
_ipv4_joined = anchored(
    re.compile(rb"[-_]\d{1,3}[-_]\d{1,3}[-_]\d{1,3}(?![-_]?\d)"),
    _DIGITS,
    3,
    re.compile(rb"(?<!\d)(?<!\d[-_.])(\d{1,3})([-_])(\d{1,3})\2(\d{1,3})\2(\d{1,3})(?![-_.]?\d)"),
)


def find_ipv4_joined(block: bytes, low: bytes) -> Iterator[Hit]:
    for m in _ipv4_joined(block):
        value = ".".join(_text(m, g) for g in (1, 3, 4, 5))
        if reportable_v4(value):
            yield Hit(m.start(), m.end(), "ipv4", value, "dash" if m.group(2) == b"-" else "underscore")


_DOMAIN = rb"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}(?![\w-]|\.[A-Za-z0-9])"
_email = anchored(
    re.compile(rb"@(?=[A-Za-z0-9])"),
    _EMAIL_LOCAL,
    256,
    re.compile(rb"(?<![\w.%+\x80-\xff-])[\w.%+\x80-\xff-]+@" + _DOMAIN),
)


def find_email(block: bytes, low: bytes) -> Iterator[Hit]:
    for m in _email(block):
        value = _text(m)
        if reportable_email(value):
            yield Hit(m.start(), m.end(), "email", value, "plain")


_ENCODED_AT = rb"(?:%(?:25)?40|&#0*64;|&#[xX]0*40;|&commat;)"  # URL-encoded (also twice) and HTML entities
_email_url = anchored(
    re.compile(rb"(?:%(?:25)?40|&#0*64;|&#[xX]0*40;|&commat;)(?=[A-Za-z0-9])"),
    _EMAIL_LOCAL,
    256,
    re.compile(rb"(?<![\w.%+-])[\w.%+-]+?" + _ENCODED_AT + _DOMAIN),
)
_html_at = re.compile(rb"&#0*64;|&#[xX]0*40;|&commat;")


def find_email_encoded(block: bytes, low: bytes) -> Iterator[Hit]:
    """Encoded addresses: jdoe%40csic.es, jdoe%2540csic.es, jdoe&#64;csic.es, jdoe&commat;csic.es."""
    if b"%40" not in block and b"%2540" not in block and b"&#" not in block and b"&commat;" not in block:
        return  # substring tests are far cheaper than a pass of the anchor
    for m in _email_url(block):
        value = urllib.parse.unquote(urllib.parse.unquote(_html_at.sub(b"@", m.group()).decode("utf-8", "replace")))
        if value.count("@") == 1 and reportable_email(value):
            yield Hit(m.start(), m.end(), "email", value, "url")


# On the lowered block, from the literal: [at] (AT) {@} < at >; the opening bracket is checked by hand.
_AT_BRACKETS = (re.compile(rb"at\s*[\]\)\}>]"), re.compile(rb"@\s*[\]\)\}>]"))
_AT_SPACED = re.compile(rb"@[ \t]+")  # jdoe @ csic.es
_AT_WORD = re.compile(rb"at\s+")  # " at " on the lowered block, only with " dot " in the domain too
_DOT = rb"(?:\s*[\[\(\{<]\s*(?i:dot|\.)\s*[\]\)\}>]\s*|\s+(?i:dot)\s+|\.)"
_LABEL = rb"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_obf_domain = re.compile(rb"\s*(%s(?:%s%s)+)(?![\w-])" % (_LABEL, _DOT, _LABEL))
_obf_split = re.compile(rb"\s*[\[\(\{<]\s*(?i:dot|\.)\s*[\]\)\}>]\s*|\s+(?i:dot)\s+|\.")
_dot_word = re.compile(rb" dot ")
_obf_local = re.compile(rb"(?<![\w.+-])[A-Za-z0-9][\w.+-]*\Z")


def find_email_obfuscated(block: bytes, low: bytes) -> Iterator[Hit]:
    """Written-out addresses: jdoe [at] csic [dot] es, jdoe(at)csic.es, jdoe AT csic DOT es, jdoe[@]csic[.]es."""
    for pattern in (*_AT_BRACKETS, _AT_SPACED, _AT_WORD):
        text = low
        for a in pattern.finditer(text):
            start = a.start()
            if pattern is _AT_SPACED:
                if start == 0 or block[start - 1] not in b" \t":
                    continue
                while start > 0 and block[start - 1] in b" \t" and a.start() - start < 4:
                    start -= 1
            elif pattern is _AT_WORD:
                if start == 0 or block[start - 1] not in b" \t" or _dot_word.search(low, a.end(), a.end() + 80) is None:
                    continue  # a bare " at " is a word unless " dot " follows: jdoe at csic dot es
            else:
                while start > 0 and block[start - 1] in b" \t" and a.start() - start < 4:
                    start -= 1
                if start == 0 or block[start - 1] not in b"[({<":
                    continue
                start -= 1
            while start > 0 and block[start - 1] in b" \t" and a.start() - start < 8:
                start -= 1
            local = _obf_local.search(block, max(0, start - 128), start)
            domain = _obf_domain.match(block, a.end())
            if local is None or domain is None:
                continue
            raw_domain = domain.group(1)
            if pattern is _AT_WORD and b" dot " not in raw_domain.lower():
                continue
            labels = _obf_split.split(raw_domain)
            value = f"{_text(local)}@{b'.'.join(labels).decode('ascii', 'replace')}"
            if labels[-1].isalpha() and reportable_email(value):
                yield Hit(local.start(), domain.end(1), "email", value, "obfuscated")


def _mac(sep: bytes) -> Callable[[bytes], Iterator[re.Match[bytes]]]:
    return anchored(
        re.compile(re.escape(sep) + sep.join([_HEX + b"{2}"] * 4) + sep + _HEX + b"{2}"),
        _HEX_BYTES,
        2,
        re.compile(rb"(?<![\w:-])%s{2}(?:%s%s{2}){5}(?![\w:-])" % (_HEX, re.escape(sep), _HEX)),
    )


_mac_colon, _mac_dash = _mac(b":"), _mac(b"-")
_mac_cisco = anchored(
    re.compile(rb"\.%s{4}\.%s{4}(?![\w.:-])" % (_HEX, _HEX)),
    _HEX_BYTES,
    4,
    re.compile(rb"(?<![\w.:-])%s{4}\.%s{4}\.%s{4}(?![\w.:-])" % (_HEX, _HEX, _HEX)),
)
_mac_fields = tuple(  # on the lowered block, each from its literal: mac=3c5282aabbcc, "hwaddr": "…"
    (key, re.compile(rb"%s(?:[_-]?addr(?:ess)?)?[\"']?\s*[=:]?\s*[\"']?([0-9a-f]{12})(?![\w:.-])" % key))
    for key in (b"mac", b"hwaddr", b"lladdr", b"chaddr", b"ether")
)


def find_mac(block: bytes, low: bytes) -> Iterator[Hit]:
    """MACs with colons or dashes, in Cisco notation (3c52.82aa.bbcc), and bare 12-hex values in MAC fields."""
    for matches, form in ((_mac_colon, "colon"), (_mac_dash, "dash"), (_mac_cisco, "cisco")):
        for m in matches(block):
            value = _text(m)
            if reportable_mac(value):
                yield Hit(m.start(), m.end(), "mac", value, form)
    for key, field in _mac_fields:
        if key not in low:
            continue
        for m in field.finditer(low):
            if m.start() and low[m.start() - 1 : m.start()].isalpha():
                continue  # "mac" inside a word: stomach=…
            value = block[m.start(1) : m.end(1)].decode("ascii")
            if reportable_mac(value):
                yield Hit(m.start(1), m.end(1), "mac", value, "bare")
