"""Text that cannot hurt: what each metadata string may hold, and how long each field and list may be.

Per field, the rule (documented in the README's "Security and limits"):

- control characters (C0 but tab, newline and carriage return; DEL; C1) are refused everywhere: XML 1.0
  cannot carry C0, DataCite refuses the record, and ESC starts the ANSI sequences that rewrite a terminal;
- bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) are refused everywhere:
  they make a title display differently from what it says ("Trojan Source"); the marks RTL text needs
  (U+200E, U+200F, U+061C) stay allowed;
- zero-width space, word joiner and a stray BOM (U+200B, U+2060, U+FEFF) are stripped with a warning:
  DataCite allows them, they come with text pasted from the web, and they only break search and matching;
  zero-width (non-)joiners stay, since Persian, Indic scripts and emoji need them;
- a value with no visible character left (only spaces and invisible characters) is refused;
- each text and list has a length limit (``limits``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

from bridge.artifact import limits

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
_STRIPPED = re.compile("[\u200b\u2060\ufeff]")
_CONTROL_NAMES = {
    "\x00": "NUL",
    "\x07": "BEL",
    "\x08": "BACKSPACE",
    "\x1b": "ESC, which starts ANSI terminal escape sequences",
    "\x7f": "DELETE",
    "\x9b": "CSI, which starts ANSI terminal escape sequences",
}


def _describe(char: str) -> str:
    name = _CONTROL_NAMES.get(char) or unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" ({name})" if name else "")


def _visible(text: str) -> bool:
    """Tell whether text has a character that shows: not a space, a separator, a format or control character."""
    return any(unicodedata.category(c)[0] not in "ZC" for c in text)


def check_text(value: str, path: str) -> tuple[str, set[str]]:
    """Return (value to keep, invisible characters removed); raise ValueError saying what is wrong with the text."""
    if (found := _CONTROL.search(value)) is not None:
        raise ValueError(
            f"holds the control character {_describe(found.group())} at character {found.start() + 1}; remove it"
        )
    if (found := _SURROGATE.search(value)) is not None:
        raise ValueError(
            f"holds the unpaired surrogate U+{ord(found.group()):04X} (a broken \\u escape?); "
            "write the character itself"
        )
    if (found := _BIDI.search(value)) is not None:
        raise ValueError(
            f"holds the bidirectional control {_describe(found.group())} at character {found.start() + 1}, "
            "which makes text display differently from what it says; remove it"
        )
    if value.strip() and not _visible(value):
        raise ValueError("has no visible character (only spaces or invisible characters); write the text out")
    removed = set(_STRIPPED.findall(value))
    if removed:
        value = _STRIPPED.sub("", value)
    limit = limits.max_chars(path)
    if len(value) > limit:
        raise ValueError(f"is {len(value):,} characters long; the limit is {limit:,} (see 'Security and limits')")
    return value, removed


def check_strings(data: dict[str, Any], fail: Callable[[str, str], None], warn: Callable[[str], None]) -> None:
    """Check every string and list of a merged metadata dict in place; report with fail(path, message).

    Invisible characters removed give one warning per top-level field, however many values had them.
    """
    removed: dict[str, tuple[set[str], list[int]]] = {}  # field -> (characters, [values changed])
    stack: list[tuple[Any, str]] = [(data, "")]
    while stack:
        node, prefix = stack.pop()
        items: list[tuple[Any, Any]]
        if isinstance(node, dict):
            items = list(node.items())
        elif isinstance(node, list):
            limit = limits.max_items(prefix)
            if len(node) > limit:
                fail(prefix, f"{prefix} has {len(node):,} entries; the limit is {limit:,} (see 'Security and limits')")
                continue
            items = list(enumerate(node))
        else:
            continue
        for key, value in items:
            path = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(value, str):
                try:
                    clean, chars = check_text(value, path)
                except ValueError as exc:
                    fail(path, f"{path} {exc}")
                    continue
                if chars:
                    node[key] = clean
                    seen, count = removed.setdefault(path.split(".")[0], (set(), [0]))
                    seen |= chars
                    count[0] += 1
            elif isinstance(value, (dict, list)):
                stack.append((value, path))
    for top, (chars, count) in sorted(removed.items()):
        what = ", ".join(_describe(c) for c in sorted(chars))
        values = f" from {count[0]:,} values" if count[0] > 1 else ""
        warn(f"{top}: removed the invisible {what}{values}")
