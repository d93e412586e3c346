"""Reading metadata files that cannot hurt: refused links and sizes, honest encodings, bounded YAML and JSON.

Each function says what is wrong in words a user can act on (which file, which line, what to do);
none lets a hostile file run the process out of memory, stack or time. The bounds are in ``limits``.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import Any

import yaml
from yaml.events import AliasEvent

from bridge.artifact import limits


class Refused(ValueError):
    """A metadata file, or a part of it, that is not read; the message says why and what to do."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


# --- the file itself --------------------------------------------------------------------------


def check_file(path: Path) -> None:
    """Refuse a metadata file that is a link out of its folder or larger than a metadata file may be."""
    if path.is_symlink():
        folder = path.parent.resolve()
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):  # RuntimeError: a loop of links
            raise Refused("is a broken symbolic link or a loop of links; put the file itself in the folder") from None
        if not target.is_relative_to(folder):
            raise Refused(
                "is a symbolic link to a file outside the artefact folder, which is never read; "
                "copy the file into the folder"
            )
    size = path.stat().st_size
    if size > limits.METADATA_FILE_BYTES:
        raise Refused(
            f"is {size / 2**20:.1f} MB, over the {limits.METADATA_FILE_BYTES // 2**20} MB limit for a metadata file; "
            "long texts belong in a data file (see 'Security and limits' in the README)"
        )


_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


def decode(raw: bytes) -> str:
    """Return UTF-8 text (a UTF-8 BOM is dropped); refuse other encodings naming the one found and where."""
    for bom, name in _BOMS:  # UTF-32 first: its little-endian BOM begins with UTF-16's
        if raw.startswith(bom):
            raise Refused(f"is {name} text, not UTF-8; save it as UTF-8 (no BOM)", line=1)
    head = raw[:4096]
    if head and head.count(0) * 4 >= len(head):  # every other (or every fourth) byte NUL: UTF-16/32 without a BOM
        raise Refused("is UTF-16 or UTF-32 text (or binary), not UTF-8; save it as UTF-8", line=1)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise Refused(
            f"is not UTF-8 text: byte 0x{raw[exc.start]:02x} at line {line}, column {column} "
            "(Latin-1 or Windows-1252?); save the file as UTF-8",
            line=line,
        ) from None


# YAML 1.1 allows tab, LF, CR, NEL and the printable characters; PyYAML reports the rest as a ReaderError.
_NOT_YAML = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def check_yaml_text(text: str, offset: int = 0, syntax: str = "YAML") -> None:
    """Refuse text YAML cannot hold (NUL, ESC, other control characters), naming line and column."""
    found = _NOT_YAML.search(text)
    if found is None:
        return
    start = found.start()
    line = text.count("\n", 0, start) + 1 + offset
    column = start - (text.rfind("\n", 0, start) + 1) + 1
    char = found.group()
    if char == "\x00":
        what, why = "a NUL byte", f", which {syntax} does not allow (a binary file, or not saved as UTF-8?)"
    else:
        what, why = f"the control character U+{ord(char):04X}", ", which a metadata file may not hold"
    raise Refused(f"holds {what} at line {line}, column {column}{why}; remove it", line=line)


# --- YAML -------------------------------------------------------------------------------------


class BoundedLoader(yaml.SafeLoader):
    """SafeLoader that refuses documents nested too deep or using too many aliases, while composing."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        if self.check_event(AliasEvent):
            self._aliases += 1
            if self._aliases > limits.YAML_ALIASES:
                mark = self.peek_event().start_mark
                raise Refused(
                    f"uses more than {limits.YAML_ALIASES} YAML aliases (*name); write the values out",
                    line=mark.line + 1 if mark else None,
                )
        self._depth += 1
        try:
            if self._depth > limits.NESTING_DEPTH:
                mark = self.peek_event().start_mark
                raise Refused(
                    f"nests lists and mappings more than {limits.NESTING_DEPTH} levels deep; "
                    "no metadata format needs that many",
                    line=mark.line + 1 if mark else None,
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def check_graph(root: yaml.Node, offset: int = 0) -> None:
    """Refuse a composed document whose aliases expand too far or into themselves, or that repeats a key.

    Aliases share nodes, so sizes are counted once per node (memoised): a "billion laughs" costs a few
    hundred steps to detect, not a billion.
    """
    sizes: dict[int, tuple[int, int]] = {}  # id(node) -> (expanded values, expanded depth)
    open_nodes: set[int] = set()

    def line(node: yaml.Node) -> int:
        return node.start_mark.line + 1 + offset

    def measure(node: yaml.Node) -> tuple[int, int]:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in open_nodes:
            raise Refused("has a YAML alias that refers to a value containing itself; write the value out", line(node))
        open_nodes.add(key)
        count, depth = 1, 1
        children: list[yaml.Node] = []
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.value != "<<":
                    if key_node.value in seen:
                        raise Refused(
                            f"repeats the key '{key_node.value}' at line {line(key_node)} "
                            f"(first at line {seen[key_node.value]}); keep one of them",
                            line(key_node),
                        )
                    seen[key_node.value] = line(key_node)
                children += (key_node, value_node)
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        for child in children:
            child_count, child_depth = measure(child)
            count += child_count
            depth = max(depth, child_depth + 1)
            if count > limits.YAML_NODES:
                raise Refused(
                    f"expands to more than {limits.YAML_NODES:,} values (YAML aliases used as a bomb?); "
                    "write the values out, without aliases",
                    line(node),
                )
        if depth > limits.NESTING_DEPTH:
            raise Refused(
                f"nests lists and mappings more than {limits.NESTING_DEPTH} levels deep (through aliases)", line(node)
            )
        open_nodes.discard(key)
        sizes[key] = (count, depth)
        return count, depth

    measure(root)


# --- JSON -------------------------------------------------------------------------------------


def json_too_deep() -> Refused:
    """The error for JSON nested deeper than the parser's stack (json raises RecursionError)."""
    return Refused(
        f"nests arrays and objects more than {limits.NESTING_DEPTH} levels deep; no metadata format needs that many"
    )


def check_json_depth(data: Any) -> None:
    """Refuse parsed JSON nested deeper than the limit (iteratively: no recursion on hostile input)."""
    stack: list[tuple[Any, int]] = [(data, 1)] if isinstance(data, (dict, list)) else []
    while stack:
        value, depth = stack.pop()
        if depth > limits.NESTING_DEPTH:
            raise json_too_deep()
        children = value.values() if isinstance(value, dict) else value
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
