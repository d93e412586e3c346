"""The import contract of docs/architecture.md: which room may import which, checked on every module of bridge/.

Every import counts, wherever it is written (module top, inside a function, under TYPE_CHECKING), because a
lazy import is still a dependency. A room is a top-level module or package of bridge/ (``bridge/harvest.py``,
``bridge/verify/``); the package's own ``__init__`` (``__version__``) is the room ``__init__``.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BRIDGE = ROOT / "bridge"
DOC = ROOT / "docs" / "architecture.md"

# Rooms with no job of their own that anything may import; they import nothing of bridge but each other.
LEAVES = {"__init__", "errors", "times", "fsutil", "pid", "registry", "resources", "xmlsafe", "http_bounds"}
# The client side may import the sandbox only where a command starts it (named here, with why).
SANDBOX_LAUNCHERS = {
    "bridge.embedded": "starts the embedded sandbox when no profile is configured (publish, harvest, verify, demo)",
    "bridge.commands.sandbox": "`bridge sandbox serve|seed`",
}
CLI_ROOMS = {"cli", "commands"}
CLI_LIBRARIES = {"typer", "rich", "click"}
# Third-party libraries that belong to one room each: the server stack to the sandbox, the broker to the workers.
LIBRARY_OWNERS = {
    "starlette": "sandbox",
    "uvicorn": "sandbox",
    "python_multipart": "sandbox",
    "celery": "distributed",
    "kombu": "distributed",
    "redis": "distributed",
    "psycopg": "ledger",
    "sickle": "oai",
}


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, e.g. bridge.verify.run
    target: str  # what it imports, e.g. bridge.ledger or typer
    line: int

    def where(self) -> str:
        return f"{self.module} (line {self.line}) imports {self.target}"


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, root: Path) -> Iterator[Import]:
    """Yield every import of one module, relative ones resolved, `from bridge import x` as bridge.x."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (Import(name, alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if target == root.name:  # `from bridge import pid` names a room; `__version__` is the package's own
                for alias in node.names:
                    child = root / alias.name
                    is_room = child.is_dir() or child.with_suffix(".py").is_file()
                    yield Import(name, f"{target}.{alias.name}" if is_room else target, node.lineno)
            else:
                yield Import(name, target, node.lineno)


def room(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


@functools.cache
def all_imports(root: Path = BRIDGE) -> list[Import]:
    return [imp for path in sorted(root.rglob("*.py")) for imp in imports_of(path, root)]


def internal(imports: list[Import], package: str = "bridge") -> list[Import]:
    return [i for i in imports if i.target == package or i.target.startswith(package + ".")]


def documented_rooms(text: str) -> dict[str, set[str]]:
    """Read the room table of docs/architecture.md: | `room` | what it owns | `may`, `import` |."""
    table: dict[str, set[str]] = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and (m := re.fullmatch(r"`([\w.]+)/?`", cells[0])):
            table[m[1]] = set(re.findall(r"`([\w.]+)/?`", cells[2]))
    return table


def test_the_sandbox_imports_nothing_of_the_client() -> None:
    bad = [
        i.where()
        for i in internal(all_imports())
        if room(i.module) == "sandbox" and room(i.target) not in {"sandbox", *LEAVES}
    ]
    assert not bad, "the sandbox is a separate server: it may import only itself and " + ", ".join(sorted(LEAVES))


def test_the_client_imports_the_sandbox_only_where_it_is_launched() -> None:
    launching = {i.module for i in internal(all_imports(), "bridge.sandbox") if room(i.module) != "sandbox"}
    assert not launching - SANDBOX_LAUNCHERS.keys(), (
        f"{sorted(launching - SANDBOX_LAUNCHERS.keys())} import bridge.sandbox; go through bridge.embedded "
        "(or add the module, with why, to SANDBOX_LAUNCHERS and docs/architecture.md)"
    )
    assert set(SANDBOX_LAUNCHERS) <= launching, f"stale exceptions: {sorted(set(SANDBOX_LAUNCHERS) - launching)}"


def test_only_the_cli_imports_typer_and_rich() -> None:
    bad = [
        i.where()
        for i in all_imports()
        if i.target.split(".")[0] in CLI_LIBRARIES and room(i.module) not in CLI_ROOMS
    ]
    assert not bad, "the library returns data; bridge/cli.py and bridge/commands/ render it"


def test_nothing_but_the_cli_imports_the_commands() -> None:
    bad = [
        i.where()
        for i in internal(all_imports(), "bridge.commands")
        if room(i.module) not in CLI_ROOMS
    ]
    assert not bad, "commands are thin wrappers over a library call: import that library function instead"


def test_each_service_library_has_one_room() -> None:
    bad = [
        f"{i.where()}: {LIBRARY_OWNERS[i.target.split('.')[0]]} owns it"
        for i in all_imports()
        if i.target.split(".")[0] in LIBRARY_OWNERS and room(i.module) != LIBRARY_OWNERS[i.target.split(".")[0]]
    ]
    assert not bad


def test_the_rooms_import_only_what_docs_architecture_md_allows() -> None:
    table = documented_rooms(DOC.read_text(encoding="utf-8"))
    present = {room(module_name(p, BRIDGE)) for p in BRIDGE.rglob("*.py")}
    assert not present - table.keys(), f"add a row for {sorted(present - table.keys())} to docs/architecture.md"
    assert not table.keys() - present, f"docs/architecture.md lists rooms that are gone: {table.keys() - present}"
    bad = []
    for i in internal(all_imports()):
        source, target = room(i.module), room(i.target)
        allowed = {source, *LEAVES} if source not in LEAVES else LEAVES
        if target not in allowed | table[source]:
            bad.append(f"{i.where()}: `{target}` is not in the `{source}` row")
    assert not bad, "update the room's row in docs/architecture.md if the new direction is right:\n" + "\n".join(bad)


def test_the_checker_sees_relative_lazy_and_type_checking_imports(tmp_path: Path) -> None:
    pkg = tmp_path / "bridge"
    (pkg / "sandbox").mkdir(parents=True)
    (pkg / "__init__.py").write_text("__version__ = '0'\n")
    (pkg / "pid.py").write_text("")
    (pkg / "sandbox" / "__init__.py").write_text("from ..pid import x\nfrom . import app\n")
    (pkg / "sandbox" / "app.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from bridge.ledger import Ledger\n"
        "def f():\n    import typer\n    from bridge import __version__, pid\n"
    )
    found = {(i.module, i.target) for i in all_imports(pkg)}
    assert {
        ("bridge.sandbox", "bridge.pid"),
        ("bridge.sandbox", "bridge.sandbox"),
        ("bridge.sandbox.app", "bridge.ledger"),
        ("bridge.sandbox.app", "typer"),
        ("bridge.sandbox.app", "bridge"),
        ("bridge.sandbox.app", "bridge.pid"),
    } <= found
    assert [room(i.target) for i in internal(all_imports(pkg)) if i.module == "bridge.sandbox.app"] == [
        "ledger",
        "__init__",
        "pid",
    ]
    text = "| room | owns | may import |\n|---|---|---|\n| `verify/` | checks | `ledger`, `http` |\n"
    text += "| `pid` | DOIs | — |\n"
    assert documented_rooms(text) == {"verify": {"ledger", "http"}, "pid": set()}
