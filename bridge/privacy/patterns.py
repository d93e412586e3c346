"""What personal data looks like in a log: every finder, and one pass that keeps the hits that do not overlap.

A finder returns :class:`Hit`\\ s with the canonical value (``10.20.30.40`` for ``ip-10-20-30-40``), the byte
span an anonymiser replaces and the notation (``form``) it must write back. Placeholders identify nobody and are
not hits: loopback, 0.0.0.0 and netmasks, the documentation ranges of RFC 5737 and RFC 3849, the example domains
of RFC 2606/6761, masks such as ``xxx``, generic accounts such as ``root``, hashed pseudonyms such as ``u-32ac28``
and the ``anon-<hex>`` pseudonyms ``bridge anonymise`` writes.

A dotted quad is an IPv4 address unless a version word comes right before it (``version 1.2.3.4``,
``v1.2.3.4``): ``libfoo-1.2.3.4`` is reported, because ``host_10.1.2.3.log`` looks the same; allow such a value
by name in ``privacy_exception.allow``.
"""

from __future__ import annotations

import bisect

from bridge.privacy.accounts import find_home, find_user
from bridge.privacy.hits import Finder, Hit, mask, mask_name
from bridge.privacy.network import (
    find_arpa,
    find_email,
    find_email_encoded,
    find_email_obfuscated,
    find_ipv4,
    find_ipv4_joined,
    find_ipv6,
    find_mac,
)

# IPv6 first: the IPv4 tail of ::ffff:a.b.c.d is then already claimed; e-mails before user names.
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


def find_all(block: bytes) -> list[Hit]:
    """Return the hits in a block, in order; where notations overlap, the earlier finder wins."""
    low = block.lower()
    spans: list[tuple[int, int]] = []
    hits: list[Hit] = []
    for finder in FINDERS:
        for hit in finder(block, low):
            i = bisect.bisect_left(spans, (hit.start, hit.end))
            if (i and spans[i - 1][1] > hit.start) or (i < len(spans) and spans[i][0] < hit.end):
                continue
            spans.insert(i, (hit.start, hit.end))
            hits.append(hit)
    hits.sort(key=lambda h: h.start)
    return hits


__all__ = ["FINDERS", "Hit", "find_all", "mask", "mask_name"]
