"""`bridge publish` reads and hashes every file once: the FAIR gate and the deposit share one validation."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bridge.artifact import files
from bridge.cli import app


@pytest.fixture
def described(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Count describe() calls (one read and hash of one file) by relative path."""
    calls: Counter[str] = Counter()
    real = files.describe

    def counting(path: Path, rel: str, **kwargs: Any) -> Any:
        calls[rel] += 1
        return real(path, rel, **kwargs)

    monkeypatch.setattr(files, "describe", counting)
    return calls


def test_publish_hashes_each_file_once_and_the_sandbox_agrees(sandbox, sandbox_settings, fixtures_dir, described):
    result = CliRunner().invoke(app, ["publish", str(fixtures_dir / "plant-classifier"), "--json", "--yes"])
    assert result.exit_code == 0, result.stderr
    receipt = json.loads(result.stdout)
    names = {f["name"] for f in receipt["files"]}
    assert names and set(described) == names
    assert all(n == 1 for n in described.values()), described  # the FAIR gate did not read them again
    # The MD5 computed at validation is the one the sandbox computed while it streamed the upload to disk.
    stored = {b["name"]: b["md5"] for b in sandbox.store.item_bitstreams(receipt["item_id"])}
    assert stored == {f["name"]: f["md5"] for f in receipt["files"]}
