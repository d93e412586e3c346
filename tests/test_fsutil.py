"""write_atomic: the one way the bridge writes a file a person or program reads."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from bridge.errors import BridgeError
from bridge.fsutil import write_atomic

BRIDGE = Path(__file__).resolve().parent.parent / "bridge"


def test_replaces_the_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "out" / "report.xml"
    write_atomic(target, "first")
    write_atomic(target, b"second \xc3\xa9")
    assert target.read_text(encoding="utf-8") == "second é"
    assert [p.name for p in target.parent.iterdir()] == ["report.xml"]


def test_names_what_and_where_when_it_cannot_write(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(BridgeError, match=r"cannot write the report to .*report\.json") as caught:
        write_atomic(blocker / "report.json", "{}", what="the report", hint="choose another --output path")
    assert caught.value.hint == "choose another --output path"
    assert [p.name for p in tmp_path.iterdir()] == ["file"]


def test_keeps_the_mode_of_the_file_it_replaces_and_new_files_follow_the_umask(tmp_path: Path) -> None:
    private = tmp_path / "bridge.toml"
    private.write_text("old")
    private.chmod(0o600)
    write_atomic(private, "new")
    assert stat.S_IMODE(private.stat().st_mode) == 0o600 and private.read_text() == "new"
    old = os.umask(0o027)
    try:
        write_atomic(tmp_path / "fresh.json", "{}")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "fresh.json").stat().st_mode) == 0o640


def test_a_failed_write_leaves_the_old_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "receipt.json"
    target.write_text("old")

    def broken(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(BridgeError, match="No space left on device"):
        write_atomic(target, "new")
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["receipt.json"]


def test_no_other_module_renames_a_temporary_file_into_place() -> None:
    """One write_atomic: no other client module hand-writes the temp-file-and-rename dance."""
    offenders = []
    for path in sorted(BRIDGE.rglob("*.py")):
        if path.name == "fsutil.py" or "sandbox" in path.relative_to(BRIDGE).parts:
            continue
        text = path.read_text(encoding="utf-8")
        for needle in ("os.replace(", "mkstemp(", '.tmp"', ".tmp')", "os.rename("):
            if needle in text:
                offenders.append(f"{path.relative_to(BRIDGE.parent)}: {needle}")
    assert offenders == []
