"""What every metadata reader shares: the Source record and line-aware YAML/JSON loading."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bridge.artifact import bounded
from bridge.errors import Problem


@dataclass
class Source:
    """One metadata file translated into Metadata field names."""

    file: str  # name relative to the artefact folder
    data: dict[str, Any] = field(default_factory=dict)  # only the fields this file provides
    lines: dict[str, int] = field(default_factory=dict)  # dotted Metadata path -> 1-based line in the file
    problems: list[Problem] = field(default_factory=list)
    unreadable: bool = False  # the file could not be read or parsed: what it lacks says nothing
    warnings: list[Problem] = field(default_factory=list)  # read, but the user should look (bridge validate shows them)

    def warn(self, message: str, field: str | None = None, line: int | None = None) -> None:
        """Record something in this file that was read with a decision the user should see."""
        if line is None and field is not None:
            line = self.line_of(field)
        self.warnings.append(Problem(message, file=self.file, field=field, line=line))

    def problem(self, message: str, field: str | None = None, line: int | None = None) -> None:
        """Record something in this file that could not be translated."""
        if line is None and field is not None:
            line = self.line_of(field)
        self.problems.append(Problem(message, file=self.file, field=field, line=line))

    def line_of(self, path: str) -> int | None:
        """Return the line of a dotted Metadata path, or of its closest recorded parent."""
        return nearest_line(self.lines, path)


def nearest_line(table: dict[str, int], path: str) -> int | None:
    """Return the line of a dotted path in ``table``, or of its closest recorded parent."""
    parts = path.split(".")
    while parts:
        line = table.get(".".join(parts))
        if line is not None:
            return line
        parts.pop()
    return None


class Lines:
    """Line numbers of a parsed document, keyed by dotted path in the file's own vocabulary."""

    def __init__(self, table: dict[str, int] | None = None) -> None:
        self.table = table or {}

    def get(self, path: str) -> int | None:
        """Return the line of a dotted path, or of its closest recorded parent."""
        return nearest_line(self.table, path)

    def copy_to(self, source: Source, target: str, path: str) -> None:
        """Record in ``source`` that Metadata path ``target`` came from ``path`` in the file."""
        line = self.get(path)
        if line is not None:
            source.lines[target] = line


def _node_lines(node: yaml.Node, prefix: str, offset: int, out: dict[str, int]) -> None:
    """Fill ``out`` with the 1-based line of every key and item below a composed YAML node."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            path = f"{prefix}.{key_node.value}" if prefix else str(key_node.value)
            out.setdefault(path, key_node.start_mark.line + 1 + offset)
            _node_lines(value_node, path, offset, out)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            path = f"{prefix}.{index}" if prefix else str(index)
            out.setdefault(path, item.start_mark.line + 1 + offset)
            _node_lines(item, path, offset, out)


def _yaml_problem(exc: yaml.YAMLError, file: str, offset: int) -> Problem:
    """Turn a PyYAML error into a Problem with its line and column."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    what = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    if context:
        what = f"{what} ({context})"
    if mark is None:
        return Problem(f"invalid YAML: {what}", file=file)
    line = mark.line + 1 + offset
    return Problem(
        f"invalid YAML at line {line}, column {mark.column + 1}: {what}; check the indentation and quoting there",
        file=file,
        line=line,
    )


class _Loader(bounded.BoundedLoader):
    """SafeLoader whose timestamps that are not real dates (2026-13-45) stay text for the date checks to report."""

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


def parse_yaml(text: str, file: str, offset: int = 0) -> tuple[Any, Lines, list[Problem]]:
    """Parse YAML with safe_load semantics, bounded (see ``bounded``); return (data, line table, problems)."""
    loader: _Loader | None = None
    try:
        bounded.check_yaml_text(text, offset)
        loader = _Loader(text)
        node = loader.get_single_node()
        if node is not None:
            bounded.check_graph(node, offset)
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        return None, Lines(), [_yaml_problem(exc, file, offset)]
    except bounded.Refused as exc:
        return None, Lines(), [Problem(str(exc), file=file, line=exc.line)]
    finally:
        if loader is not None:
            loader.dispose()
    table: dict[str, int] = {}
    if node is not None:
        _node_lines(node, "", offset, table)
    return data, Lines(table), []


def parse_json(text: str, file: str) -> tuple[Any, Lines, list[Problem]]:
    """Parse JSON; return (data, best-effort line table, problems)."""
    try:
        bounded.check_yaml_text(text, syntax="JSON")
        data = json.loads(text)
        bounded.check_json_depth(data)
    except json.JSONDecodeError as exc:
        message = f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        return None, Lines(), [Problem(message, file=file, line=exc.lineno)]
    except RecursionError:
        return None, Lines(), [Problem(str(bounded.json_too_deep()), file=file)]
    except bounded.Refused as exc:
        return None, Lines(), [Problem(str(exc), file=file)]
    # JSON is (nearly) YAML flow syntax, so the YAML composer gives us line marks for free;
    # when it disagrees on some exotic input we simply have no line numbers.
    table: dict[str, int] = {}
    try:
        # Valid JSON has tabs only as whitespace (never raw inside strings); YAML forbids them as indentation.
        node = yaml.compose(text.replace("\t", " "), Loader=bounded.BoundedLoader)
    except (yaml.YAMLError, bounded.Refused):
        node = None
    if node is not None:
        try:
            bounded.check_graph(node)  # a repeated key: JSON parsers keep the last one silently
        except bounded.Refused as exc:
            return None, Lines(), [Problem(str(exc), file=file, line=exc.line)]
        _node_lines(node, "", 0, table)
    return data, Lines(table), []


def read_text(path: Path, source: Source) -> str | None:
    """Return the file's text, or record why it cannot be read (link out of the folder, size, encoding)."""
    try:
        bounded.check_file(path)
        return bounded.decode(path.read_bytes())
    except bounded.Refused as exc:
        source.problem(str(exc), line=exc.line)
    except OSError as exc:
        source.problem(f"cannot be read: {exc.strerror or exc}")
    source.unreadable = True
    return None


def load_document(path: Path, source: Source, kind: str, offset: int = 0) -> tuple[dict[str, Any], Lines]:
    """Read and parse a YAML or JSON file whose top level must be a mapping; problems go to ``source``."""
    text = read_text(path, source)
    if text is None:
        return {}, Lines()
    if kind == "json":
        data, lines, problems = parse_json(text, source.file)
    else:
        data, lines, problems = parse_yaml(text, source.file, offset)
    source.problems.extend(problems)
    if problems:
        source.unreadable = True
        return {}, Lines()
    if data is None:
        return {}, lines
    if not isinstance(data, dict):
        source.problem(f"must hold a mapping of keys to values at the top level, not a {type(data).__name__}", line=1)
        return {}, Lines()
    return data, lines


def as_list(value: Any) -> list[Any]:
    """Return a list for a value that a format allows as a single item or a list."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def text_or_none(value: Any) -> str | None:
    """Return a stripped string (numbers and dates stringified), or None for empty values."""
    if value is None:
        return None
    if isinstance(value, (dict, list)):
        return None
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return text.strip() or None
