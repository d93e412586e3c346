"""No dead code: every function and class in bridge/ is used somewhere besides its own definition."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Called by a framework through an interface, never by name in our code.
FRAMEWORK_HOOKS = {
    "convert",  # starlette Convertor
    "to_string",  # starlette Convertor
    "filter",  # logging.Filter
    "_create_request",  # datacite.DataCiteRESTClient: every request of the package is made by it (bridge/doi.py)
}


def definitions(path: Path) -> list[tuple[str, int]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            # Decorated functions are registered by the decorator (routes, validators, commands, table entries).
            if node.name.startswith("__") or (node.decorator_list and not isinstance(node, ast.ClassDef)):
                continue
            if node.name not in FRAMEWORK_HOOKS:
                found.append((node.name, node.lineno))
    return found


def unused(modules: list[Path], sources: list[Path]) -> list[str]:
    """Return `path:line name` for each definition in `modules` whose name appears only once in `sources`."""
    words: dict[str, int] = {}
    for path in sources:
        for word in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", path.read_text(encoding="utf-8")):
            words[word] = words.get(word, 0) + 1
    return [
        f"{path.name}:{line} {name}"
        for path in modules
        for name, line in definitions(path)
        if words[name] < 2
    ]


def test_every_definition_is_used() -> None:
    modules = sorted((ROOT / "bridge").rglob("*.py"))
    assert unused(modules, [*modules, *sorted((ROOT / "tests").rglob("*.py"))]) == []


def test_the_check_finds_an_unused_function(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def used():\n    pass\n\n\ndef never_called_anywhere_xyz():\n    used()\n")
    assert unused([module], [module]) == ["m.py:5 never_called_anywhere_xyz"]
