"""The sandbox data folder is private (0700, secret files 0600) on creation and reuse; other users cannot read it."""

from __future__ import annotations

import logging
import os
import pwd
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bridge.cli import app
from bridge.errors import ConfigError
from bridge.sandbox.app import SandboxConfig, create_sandbox
from bridge.sandbox.private import SECRET_FILES, make_private
from bridge.sandbox.server import running_sandbox

ENV = {"BRIDGE_SANDBOX_ADMIN_PASSWORD": "admin-secret-1", "BRIDGE_SANDBOX_SUBMITTER_PASSWORD": "submitter-secret-1"}


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def secret_files(folder: Path) -> list[Path]:
    return [folder / name for name in SECRET_FILES if (folder / name).exists()]


@pytest.fixture
def shared_root() -> Iterator[Path]:
    """A folder every local user may traverse (pytest's own tmp root is 0700, which would hide what we test)."""
    root = Path(tempfile.mkdtemp(prefix="bridge-private-"))
    root.chmod(0o755)
    try:
        yield root
    finally:
        subprocess.run(["rm", "-rf", str(root)], check=False)


def test_a_new_data_folder_is_0700_and_the_database_files_0600(shared_root: Path):
    data = shared_root / "nested" / "data"
    with running_sandbox(SandboxConfig(data_dir=data), env={}) as running:
        running.store.set_meta("probe", "x")  # the WAL exists once something is written
        assert mode(data) == 0o700
        files = secret_files(data)
        names = {p.name for p in files}
        assert {"sandbox.sqlite", "sandbox.sqlite-wal", "sandbox.sqlite-shm", "credentials.json"} <= names
        assert {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}
        assert running.store.permission_warnings == []  # nothing to tighten on a folder we made


def test_a_reused_folder_with_loose_modes_is_tightened_with_a_warning(shared_root: Path, caplog):
    data = shared_root / "data"
    sandbox = create_sandbox(SandboxConfig(data_dir=data), "http://127.0.0.1:1", ENV)
    sandbox.store.close()
    files = secret_files(data)  # the database and credentials.json (SQLite removes the WAL on close)
    data.chmod(0o755)  # as an older version (or cp -r with a loose umask) left it
    for path in files:
        path.chmod(0o644)
    (data / "credentials.json").write_text("{}")
    (data / "credentials.json").chmod(0o664)
    with caplog.at_level(logging.WARNING, logger="bridge.sandbox.private"):
        again = create_sandbox(SandboxConfig(data_dir=data), "http://127.0.0.1:1", ENV)
    try:
        again.store.set_meta("probe", "x")
        assert {"sandbox.sqlite-wal", "sandbox.sqlite-shm"} <= {p.name for p in secret_files(data)}
        assert mode(data) == 0o700
        assert {p.name: mode(p) for p in secret_files(data)} == {p.name: 0o600 for p in secret_files(data)}
        warned = " ".join(again.store.permission_warnings)
        assert "0755" in warned and "0644" in warned and "0664" in warned and "credentials.json" in warned
        assert "readable by other users" in caplog.text
    finally:
        again.store.close()


def test_a_shared_sticky_folder_is_refused_not_locked(shared_root: Path):
    shared = shared_root / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    with pytest.raises(ConfigError, match="shared folder"):
        make_private(shared)
    assert mode(shared) == 0o1777


def test_sandbox_seed_data_folder_is_private(shared_root: Path):
    data = shared_root / "seeded"
    result = CliRunner().invoke(app, ["sandbox", "seed", "--items", "2", "--data", str(data), "--json"])
    assert result.exit_code == 0, result.output
    assert mode(data) == 0o700 and mode(data / "sandbox.sqlite") == 0o600


def _as_nobody() -> tuple[int, int] | None:
    try:
        entry = pwd.getpwnam("nobody")
    except KeyError:
        return None
    return entry.pw_uid, entry.pw_gid


def _read_as(uid: int, gid: int, path: Path) -> subprocess.CompletedProcess[bytes]:
    def drop() -> None:
        os.setgroups([])
        os.setgid(gid)
        os.setuid(uid)

    return subprocess.run(["cat", str(path)], preexec_fn=drop, capture_output=True, check=False, timeout=30)


@pytest.mark.skipif(os.geteuid() != 0, reason="switching to another user needs root (CI runs as root)")
def test_another_local_user_cannot_read_the_secret_or_the_passwords(shared_root: Path):
    nobody = _as_nobody()
    assert nobody is not None, "no 'nobody' user on this machine"
    data = shared_root / "data"
    with running_sandbox(SandboxConfig(data_dir=data), env={}) as running:
        secret = running.sandbox.jwt_secret
    # The control: a world-readable copy beside it is readable by that user, so a refusal below means something.
    control = shared_root / "control.sqlite"
    control.write_bytes((data / "sandbox.sqlite").read_bytes())
    control.chmod(0o644)
    readable = _read_as(*nobody, control)
    assert readable.returncode == 0 and secret.encode() in readable.stdout
    for path in [data / "sandbox.sqlite", data / "credentials.json", data]:
        refused = _read_as(*nobody, path if path.is_file() else path / "sandbox.sqlite")
        assert refused.returncode != 0 and b"Permission denied" in refused.stderr, path
        assert secret.encode() not in refused.stdout
