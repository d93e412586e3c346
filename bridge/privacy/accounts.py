"""Finders for people's accounts: home directories (/home/jdoe, C:\\Users\\jdoe, ~jdoe) and user-name fields.

Each pattern starts with a literal so the regex engine skips ahead at C speed; the case-insensitive ones run
over the lowered copy of the block (same offsets), and the value is read from the block itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bridge.privacy.hits import Hit, mask_name, reportable_user

_USER = rb"([^/\\\s:?\"'<>|,;=()\[\]{}]+)"  # a path component, stopping at quotes and brackets
# An account name, on the lowered block; pseudonyms (anon-…, u-32ac28) and root are ruled out in the regex, which
# saves a Python call per line in logs full of them.
_NAME = rb"(?![a-z]{1,8}[-_][0-9a-f]{6,64}(?![\w.$-])|root(?![\w.$-]))([a-z_][a-z0-9_.$-]{0,63})"
_homes = (re.compile(rb"/home(?:\d*|s)/" + _USER), re.compile(rb"/Users/" + _USER))
_token_start = re.compile(rb"[^\s\"'<>=(),;\[\]{}|`]*\Z")
_windows = re.compile(rb":[\\/]+(?:users|documents and settings)[\\/]+" + _USER)  # on the lowered block
# On the lowered block: JSON-escaped \/home\/jdoe and URL-encoded %2Fhome%2Fjdoe.
_encoded_homes = (
    (b"\\/", re.compile(rb"\\/(?:home\d*|homes|users)\\/([^\\/\s\"'<>|,;=()\[\]{}%&?]+)")),
    (b"%2f", re.compile(rb"%2f(?:home\d*|homes|users)%2f([^\\/\s\"'<>|,;=()\[\]{}%&?]+)")),
)
_tilde = re.compile(rb"~([a-z_][a-z0-9_-]{1,31})(?=[/\s\"',;)\]>]|\Z)")
_BEFORE_TILDE = frozenset(b" \t\r\n\"'=(:/")


def find_home(block: bytes, low: bytes) -> Iterator[Hit]:
    """User names in home directories: /home/jdoe, /export/home/jdoe, /var/home/jdoe, C:\\Users\\jdoe, ~jdoe."""
    for pattern in _homes:
        for m in pattern.finditer(block):
            token = _token_start.search(block, max(0, m.start() - 256), m.start())
            prefix = token.group() if token else b""
            if b"://" in prefix and not prefix.startswith(b"file://"):
                continue  # a URL path such as https://example.org/home/about
            if prefix and prefix[-1:] != b":" and prefix[:1] not in (b"/", b".", b"~") and b"file:" not in prefix:
                continue  # a relative path or a host name: github.com/Users/x
            yield from _hit(block, m, (prefix + block[m.start() : m.start(1)]).decode("utf-8", "replace"))
    for m in _windows.finditer(low):
        drive = m.start() - 1
        if drive >= 0 and low[drive : drive + 1].isalpha() and (drive == 0 or not low[drive - 1 : drive].isalnum()):
            yield from _hit(block, m, block[drive : m.start(1)].decode("utf-8", "replace"))
    for literal, pattern in _encoded_homes:
        if literal in low:
            for m in pattern.finditer(low):
                yield from _hit(block, m, block[m.start() : m.start(1)].decode("utf-8", "replace"))
    for m in _tilde.finditer(block):
        if m.start() == 0 or block[m.start() - 1] in _BEFORE_TILDE:
            yield from _hit(block, m, "~")


def _hit(block: bytes, m: re.Match[bytes], root: str) -> Iterator[Hit]:
    user = block[m.start(1) : m.end(1)].decode("utf-8", "replace")
    if reportable_user(user):
        end = "" if root == "~" else root[-1]
        yield Hit(m.start(1), m.end(1), "home-user", user, "home", f"{root}{mask_name(user)}{end}")


# User names in the fields of sshd, sudo, su, PAM, login, systemd-logind, LDAP, audit and Slurm lines, each
# pattern (on the lowered block) with the name as group 1. A boundary before the literal is checked by hand.
_AFTER = rb"(?=[\s(:.,;'\"&)]|\Z)"
# After "for user X" and its kin, what a log line really has (so "waiting for user input." is not a name):
# (uid=…), the end of the line, " by ", " from ", " port ", " on ", "[", ": ", or an address.
_END = rb"(?=\(uid=|\.?[ \t]*(?:\r?\n|\Z)| (?:by|from|port|on) |\[|: | \d{1,3}\.\d| [0-9a-f]{0,4}:[0-9a-f]{0,4}:)"
_EQ, _JSON = rb"\s*=\s*[\"']?", rb"[\"']\s*:\s*[\"']"
# (a literal every match contains, so a block without it is skipped; the pattern, with the name as group 1)
_FIELDS: tuple[tuple[bytes, bytes], ...] = (
    (b"user", rb"user(?:_?name|_?id)?[\"']?" + _EQ + _NAME),  # user=, UserId=jdoe(1000), ruser=, sudo_user=
    (b"user", rb"user(?:_?name|_?id)?" + _JSON + _NAME),  # JSON "user": "jdoe"
    (b"user", rb"user(?:_?name)?:\s+" + _NAME + _AFTER),  # user: jdoe
    *((key, key + _EQ + _NAME) for key in (b"uid", b"logname", b"login", b"acct")),
    *((key, key + _JSON + _NAME) for key in (b"uid", b"login")),
    # sshd, PAM, logind: session opened for user jdoe(uid=…), Invalid user jdoe from, New session 3 of user jdoe.,
    # Disconnected from user jdoe, Connection closed by authenticating user jdoe
    *((w + b" user ", w + b" user " + _NAME + _END) for w in (b"for", b"invalid", b"illegal", b"of", b"from", b"by")),
    (b"authenticating user ", rb"authenticating user " + _NAME + _END),
    (b"login on ", rb"login on \S+ by " + _NAME + _AFTER),
    (b" from ", rb"for (?!invalid user |illegal user )" + _NAME + rb" from "),  # Accepted publickey for jdoe from
    (b"sudo", rb"sudo(?:\[\d+\])?:\s+" + _NAME + rb"(?= : )"),  # sudo:   jdoe : TTY=pts/0 ; …
    (b"(to ", rb"su(?:\[\d+\])?: \(to " + _NAME + rb"\)"),  # su: (to root) jdoe on pts/1
    (b"(to ", rb"su(?:\[\d+\])?: \(to [^)\s]+\) " + _NAME + _AFTER),
    (b"(uid=", rb"by " + _NAME + rb"\(uid=\d+\)"),
    (b"groupid=", rb"groupid=" + _NAME + rb"\("),  # Slurm: GroupId=jdoe(1000), a personal group
    (b") cmd ", rb"\(" + _NAME + rb"\) cmd "),  # cron: CRON[812]: (jdoe) CMD (…)
    (b": name=", rb"new (?:user|group): name=" + _NAME),  # useradd, groupadd
    (b"password changed for ", rb"password changed for " + _NAME + _AFTER),  # passwd
    (b"user '", rb"(?:delete|remove|add) user '" + _NAME + rb"'"),  # userdel, usermod
    (b" - ", rb" - " + _NAME + rb" \[\d{1,2}/[a-z]{3}/\d{4}:"),  # Apache/nginx common log format: remote user
)
_user_fields = tuple((literal, re.compile(pattern)) for literal, pattern in _FIELDS)
_KEY_JOINERS = frozenset(b"r_e\"'")  # ruser=, sudo_user=, euser=, "user": may touch the key


def find_user(block: bytes, low: bytes) -> Iterator[Hit]:
    for i, (literal, pattern) in enumerate(_user_fields):
        if literal not in low:
            continue  # a substring test is far cheaper than a pass of the regex
        for m in pattern.finditer(low):
            before = low[m.start() - 1] if m.start() else 32
            if chr(before).isalnum() and not (i < 3 and before in _KEY_JOINERS) and pattern.pattern[:1] != b" ":
                continue  # the literal is inside a word: lastlogin=, stomach…
            user = block[m.start(1) : m.end(1)].decode("utf-8", "replace").rstrip(".-")
            if reportable_user(user) and not user.isdigit():
                yield Hit(m.start(1), m.start(1) + len(user), "user", user, "user")
