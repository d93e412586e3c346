"""Keep the sandbox's data folder private: it holds the JWT signing secret, password hashes and passwords.

The folder is made 0700 and its secret files 0600 when it is created and every time it is opened again, since
a folder made by an older version (or copied with `cp -r`) may be readable by every local user, who could then
forge an admin token. A looser mode is tightened with a warning; a shared folder (sticky bit, such as /tmp)
is refused rather than locked, because other people's files live there.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

from bridge.errors import ConfigError

log = logging.getLogger(__name__)

FOLDER_MODE = 0o700
FILE_MODE = 0o600
DATABASE = "sandbox.sqlite"
# The database and SQLite's companions (they hold the same pages), and the generated passwords.
SECRET_FILES = (DATABASE, f"{DATABASE}-wal", f"{DATABASE}-shm", f"{DATABASE}-journal", "credentials.json")


def make_private(data_dir: Path) -> list[str]:
    """Create `data_dir` 0700 (or tighten it) and make its secret files 0600; return one warning per change.

    The database file is created here, 0600, before SQLite opens it: SQLite gives its -wal and -shm files the
    database's mode, so they are private from their first byte.
    """
    warnings: list[str] = []
    try:
        data_dir.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
        info = data_dir.stat()
        if info.st_mode & stat.S_ISVTX:
            raise ConfigError(
                f"the sandbox data folder {data_dir} is a shared folder (sticky bit): the database would sit "
                "among other users' files",
                hint=f"use a folder of its own, e.g. {data_dir / 'bridge-sandbox'}",
            )
        warnings += _tighten(data_dir, FOLDER_MODE, "data folder")
        database = data_dir / DATABASE
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT, FILE_MODE))
        for name in SECRET_FILES:
            path = data_dir / name
            if path.is_file() and not path.is_symlink():
                warnings += _tighten(path, FILE_MODE, "file")
    except OSError as exc:
        raise ConfigError(
            f"cannot make the sandbox data folder {data_dir} private: {exc.strerror or exc}",
            hint="use a folder you own (--data DIR or BRIDGE_SANDBOX_DATA)",
        ) from exc
    for warning in warnings:
        log.warning("%s", warning)
    return warnings


def _tighten(path: Path, mode: int, what: str) -> list[str]:
    current = stat.S_IMODE(path.stat().st_mode)
    if current & ~mode & 0o777 == 0:
        return []
    os.chmod(path, current & mode)
    return [f"the sandbox {what} {path} was mode {current:04o}, readable by other users: now {current & mode:04o}"]
