"""Settings own every environment variable: no other client module reads the environment itself."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bridge.errors import ConfigError
from bridge.settings import SANDBOX_PORT, debug_enabled, load_settings

BRIDGE = Path(__file__).resolve().parent.parent / "bridge"
# The client's settings, and the sandbox's accounts (a server apart from the client keeps its own, in one place).
OWNERS = {BRIDGE / "settings.py", BRIDGE / "sandbox" / "app.py"}


def env_reads(path: Path) -> list[str]:
    """Return `file:line what` for every place that reads the process environment or lets typer read it."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        name = None
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "environb", "getenv", "putenv"):
            name = node.attr
        elif isinstance(node, ast.Name) and node.id in ("environ", "getenv"):
            name = node.id
        elif isinstance(node, ast.keyword) and node.arg in ("envvar", "auto_envvar_prefix"):
            name = f"{node.arg}="
        if name:
            found.append(f"{path.relative_to(BRIDGE.parent)}:{getattr(node, 'lineno', '?')} {name}")
    return found


def test_only_settings_read_the_environment():
    reads = [hit for path in sorted(BRIDGE.rglob("*.py")) if path not in OWNERS for hit in env_reads(path)]
    assert reads == []


def test_the_check_sees_a_read():
    bad = BRIDGE / "settings.py"  # a file known to read os.environ: the walker must find it
    assert any("environ" in hit for hit in env_reads(bad))


def test_sandbox_variables_parse_lazily_with_a_clear_error(tmp_path):
    settings = load_settings(env={"BRIDGE_HOME": str(tmp_path), "BRIDGE_SANDBOX_PORT": "http"}, cwd=tmp_path)
    with pytest.raises(ConfigError, match="BRIDGE_SANDBOX_PORT='http'"):
        _ = settings.sandbox_port
    assert load_settings(env={"BRIDGE_HOME": str(tmp_path)}, cwd=tmp_path).sandbox_port == SANDBOX_PORT
    env = {
        "BRIDGE_HOME": str(tmp_path),
        "BRIDGE_SANDBOX_PORT": "0",
        "BRIDGE_SANDBOX_PAGE_SIZE": "7",
        "BRIDGE_SANDBOX_DOI_PREFIX": "10.1234",
        "BRIDGE_SANDBOX_DATA": str(tmp_path / "served"),
        "BRIDGE_SANDBOX_FAULTS": "503=0.1",
        "BRIDGE_TEST_CRASH_AFTER": "upload:sent",
    }
    s = load_settings(env=env, cwd=tmp_path)
    assert (s.sandbox_port, s.sandbox_page_size, s.sandbox_doi_prefix) == (0, 7, "10.1234")
    assert (s.sandbox_data_dir, s.sandbox_dir) == (tmp_path / "served", tmp_path / "sandbox")
    assert (s.sandbox_faults, s.crash_after) == ("503=0.1", "upload:sent")
    with pytest.raises(ConfigError, match="BRIDGE_SANDBOX_PAGE_SIZE"):
        _ = load_settings(env={**env, "BRIDGE_SANDBOX_PAGE_SIZE": "0"}, cwd=tmp_path).sandbox_page_size


def test_debug_flag():
    assert debug_enabled({"BRIDGE_DEBUG": "1"}) and not debug_enabled({})
