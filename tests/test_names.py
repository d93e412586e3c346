"""Names that say which room: the sandbox's protocols grouped one way, and no name used for two things."""

from __future__ import annotations

import ast
from pathlib import Path

from bridge.commands.metadata import OutputFormat
from bridge.sandbox.app import PROTOCOL_MODULES

BRIDGE = Path(__file__).resolve().parent.parent / "bridge"
SANDBOX = BRIDGE / "sandbox"


def test_every_sandbox_protocol_is_a_folder_and_no_module_carries_a_protocol_prefix() -> None:
    assert sorted(p for p in PROTOCOL_MODULES if not (SANDBOX / p / "__init__.py").is_file()) == []
    prefixes = (*PROTOCOL_MODULES, "crosswalk", "render")
    flat = [p.name for p in SANDBOX.glob("*.py") if p.stem.startswith(prefixes)]
    assert flat == []


def test_crosswalk_is_one_room() -> None:
    """bridge/crosswalk/ is the client's; the sandbox's renderings live in sandbox/render/."""
    assert [str(p.relative_to(BRIDGE)) for p in BRIDGE.rglob("*crosswalk*") if p != BRIDGE / "crosswalk"] == []
    assert (SANDBOX / "render" / "__init__.py").is_file()


def test_map_renders_an_output_format() -> None:
    assert [f.value for f in OutputFormat] == ["datacite-xml", "datacite-json", "oai_dc", "oai_datacite", "dspace"]
    tree = ast.parse((BRIDGE / "commands" / "metadata.py").read_text(encoding="utf-8"))
    assert "Target" not in {n.name for n in ast.walk(tree) if isinstance(n, ast.ClassDef)}


def test_sandbox_class_names_are_unique() -> None:
    seen: dict[str, list[str]] = {}
    for path in sorted(SANDBOX.rglob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                seen.setdefault(node.name, []).append(str(path.relative_to(BRIDGE)))
    assert {name: where for name, where in seen.items() if len(where) > 1} == {}
