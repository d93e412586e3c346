"""Files the bridge writes for people and programs (receipts, reports, renderings, bridge.toml): never half written."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from bridge.errors import BridgeError, UsageError


def write_atomic(path: Path, data: str | bytes, *, what: str = "the file", hint: str | None = None) -> None:
    """Write `data` to `path` through a temporary file in the same folder and a rename.

    A reader sees the old content or the new one, never a part. A file that is replaced keeps its mode; a new one
    gets the usual mode (0666 less the umask). An OSError becomes a BridgeError naming `what` and `path`.
    """
    path = Path(path)
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            mode: int | None = path.stat().st_mode & 0o7777
        except FileNotFoundError:
            mode = None
        fd, tmp = _create_temporary(path)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except OSError as exc:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise BridgeError(f"cannot write {what} to {path}: {exc.strerror or exc}", hint=hint) from exc


@contextmanager
def atomic_writer(path: Path, *, what: str = "the file", hint: str | None = None) -> Iterator[BinaryIO]:
    """Stream into `path` (too big for memory, such as a ledger export): it appears whole when the block ends."""
    path = Path(path)
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = _create_temporary(path)
        with os.fdopen(fd, "wb") as fh:
            yield fh
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise BridgeError(f"cannot write {what} to {path}: {exc.strerror or exc}", hint=hint) from exc
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def _create_temporary(path: Path) -> tuple[int, str]:
    """Create a new hidden file beside `path`; unlike mkstemp (0600), the umask decides its mode, as for open()."""
    while True:
        name = str(path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp"))
        try:
            return os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), name
        except FileExistsError:
            continue


def check_output_path(path: Path, option: str, *, create_folders: bool = False) -> None:
    """Refuse, before any work, an output file that cannot be written: a folder, or in a missing/unwritable folder.

    With ``create_folders`` a missing folder is fine when it can be made (the nearest existing one is writable).
    """
    path = Path(path)
    if path.is_dir():
        raise UsageError(f"{option} {path} is a folder; give the path of a file", hint=f"for example {path / 'out'}")
    folder = path.parent
    if create_folders:
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        hint = f"create the folder first, or choose another {option}"
        raise UsageError(f"{option} {path}: {folder} {what}", hint=hint)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"{option} {path}: no permission to write in {folder}", hint=f"choose another {option}")
