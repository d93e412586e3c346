"""Names that say which room, on the client side: one class per name, one check_* per name, `kind` is the use case."""

from __future__ import annotations

import ast
from pathlib import Path

from bridge.settings import Profile
from bridge.targets import TARGETS

BRIDGE = Path(__file__).resolve().parent.parent / "bridge"


def _top_level(kind: tuple[type, ...]) -> dict[str, list[str]]:
    seen: dict[str, list[str]] = {}
    for path in sorted(BRIDGE.rglob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, kind) and not node.name.startswith("_"):
                seen.setdefault(node.name, []).append(str(path.relative_to(BRIDGE)))
    return seen


def test_class_names_are_unique_in_the_package() -> None:
    classes = _top_level((ast.ClassDef,))
    assert {name: where for name, where in classes.items() if len(where) > 1} == {}
    assert "Target" not in classes  # DepositTarget (targets), ResolvedRepository (embedded), OutputFormat (map)


def test_check_functions_have_one_meaning() -> None:
    functions = _top_level((ast.FunctionDef, ast.AsyncFunctionDef))
    checks = {name: where for name, where in functions.items() if name.startswith("check_")}
    assert {name: where for name, where in checks.items() if len(where) > 1} == {}
    assert [p.relative_to(BRIDGE).as_posix() for p in BRIDGE.rglob("checks.py")] == ["artifact/checks.py"]


def test_kind_is_the_use_case_and_target_the_deposit_protocol() -> None:
    assert "kind" not in Profile.model_fields and "target" in Profile.model_fields
    assert Profile(kind="sword2").target == "sword2"  # bridge.toml keeps its `kind` key
    for spec in TARGETS:
        target_class = type(spec.open)  # a class or a function: neither carries a `kind`
        assert not hasattr(target_class, "kind")
    for path in (BRIDGE / "targets").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assigned = [
            t.id for n in ast.walk(tree) if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)
        ]
        assert "kind" not in assigned, path.name
