"""Repository targets behind one interface: find a deposit by its key, deposit a plan, read an item back.

A target speaks to one kind of repository: ``dspace7`` (the DSpace 7+ REST submission flow) or ``sword2``
(SWORD v2, how DSpace 5/6 repositories such as Digital.CSIC take deposits). Every remote write is bracketed
by journal records in the ledger (``started`` before it, ``done`` with what the server answered after it),
so a run killed at any point is finished by the next one: a target reads the remote state first and never
repeats a write whose outcome it does not know.

Test hook: ``BRIDGE_TEST_CRASH_AFTER=<step>[:started|sent|done]`` makes the process kill itself with SIGKILL
when that journal point is reached; ``sent`` is just after the server answered and before
the answer is recorded. It is read from the settings' environment and does nothing unless set.
"""

from __future__ import annotations

import os
import posixpath
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from bridge.errors import ConfigError, TransportError, UsageError
from bridge.ledger import Ledger
from bridge.pid import bare_doi
from bridge.settings import Profile

KEY_PREFIX = "oai-bridge:deposit:"
KINDS = ("dspace7", "sword2")
Progress = Callable[[str, int, int], None]
MetadataMap = dict[str, list[dict[str, Any]]]


class AmbiguousWrite(TransportError):
    """A write got no clear answer (timeout, dropped connection, 5xx): it may or may not have happened."""

    def __init__(self, message: str, *, retry_after: float | None = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint or "run the same command again: it reads the remote state and resumes")
        self.retry_after = retry_after


DEPOSIT_ATTEMPTS = 4


def retry_ambiguous(
    run: Callable[[], Deposited], journal: Journal, step: str, sleep: Callable[[float], None]
) -> Deposited:
    """Run a deposit pass again after an ambiguous write; each pass reads the remote state before writing."""
    error: AmbiguousWrite | None = None
    for attempt in range(DEPOSIT_ATTEMPTS):
        try:
            return run()
        except AmbiguousWrite as exc:
            journal.failed(journal.current or step, exc.message)
            error = exc
            if attempt + 1 < DEPOSIT_ATTEMPTS:
                sleep(min(exc.retry_after if exc.retry_after is not None else 2.0**attempt, 30.0))
    assert error is not None
    raise error


@dataclass(frozen=True)
class PlannedFile:
    """One file to deposit, with the checksums computed while validating."""

    path: str  # relative to the artefact folder, POSIX separators
    source: Path  # where the bytes are on disk
    name: str  # the bitstream name in the repository
    size: int
    md5: str
    sha256: str
    media_type: str


@dataclass
class DepositPlan:
    """Everything a target needs to deposit one artefact."""

    deposit_key: str
    title: str
    collection: str | None  # collection handle, e.g. 10261/2
    metadata: MetadataMap  # DSpace metadata map, deposit key included
    record: dict[str, Any]  # the DataCite record as deposited
    files: list[PlannedFile]
    doi: str | None = None

    @property
    def key_value(self) -> str:
        """Return the identifier value that carries the deposit key in the repository."""
        return KEY_PREFIX + self.deposit_key


@dataclass
class RemoteFile:
    """A bitstream as the repository reports it."""

    name: str
    size: int | None
    md5: str | None
    bitstream_id: str | None = None
    url: str | None = None


@dataclass
class Deposited:
    """An item as read back from the repository."""

    item_id: str
    handle: str | None
    archived: bool
    metadata: MetadataMap = field(default_factory=dict)
    files: list[RemoteFile] = field(default_factory=list)
    landing_url: str | None = None

    def values(self, field_name: str) -> list[str]:
        """Return the values of one metadata field."""
        return [v.get("value") or "" for v in self.metadata.get(field_name, [])]

    def deposit_keys(self) -> list[str]:
        """Return the bridge deposit keys the item carries (in any dc.identifier field)."""
        found = []
        for name, values in self.metadata.items():
            if name == "dc.identifier" or name.startswith("dc.identifier."):
                found.extend(
                    v["value"][len(KEY_PREFIX) :] for v in values if str(v.get("value")).startswith(KEY_PREFIX)
                )
        return found

    def doi(self) -> str | None:
        """Return the item's DOI (bare form) from dc.identifier.doi or a doi.org identifier, if any."""
        for name in ("dc.identifier.doi", "dc.identifier"):
            for value in self.values(name):
                if doi := bare_doi(value):
                    return doi
        return None


class Journal:
    """The ledger's step records of one deposit, as a target reads and writes them."""

    def __init__(self, ledger: Ledger, deposit_key: str, profile: str, *, crash_after: str | None = None) -> None:
        self.ledger = ledger
        self.deposit_key = deposit_key
        self.profile = profile
        self.crash_after = crash_after
        self.current: str | None = None  # the step now running, for error messages

    def _record(self, step: str, status: str, detail: dict[str, Any]) -> None:
        self.ledger.step(self.deposit_key, self.profile, step, status, detail)
        self._checkpoint(step, status)

    def _checkpoint(self, step: str, phase: str) -> None:
        wanted = self.crash_after
        if wanted and (wanted == f"{step}:{phase}" or (phase == "done" and wanted == step)):
            # Test hook (see the module docstring): die by SIGKILL, so nothing is cleaned up or flushed.
            if hasattr(signal, "SIGKILL"):
                os.kill(os.getpid(), signal.SIGKILL)
            os._exit(137)

    def started(self, step: str, **detail: Any) -> None:
        """Record that a step is about to write to a remote service."""
        self.current = step
        self._record(step, "started", detail)

    def sent(self, step: str) -> None:
        """Mark the moment the server has answered and the answer is not yet recorded (for the crash hook)."""
        self._checkpoint(step, "sent")

    def done(self, step: str, **detail: Any) -> None:
        """Record that a step finished, with what the server answered."""
        self._record(step, "done", detail)

    def failed(self, step: str, message: str) -> None:
        self.ledger.step(self.deposit_key, self.profile, step, "failed", {"message": message})

    def forget(self, step: str) -> None:
        """Record that what a step had answered no longer holds (the remote object is gone)."""
        self.ledger.step(self.deposit_key, self.profile, step, "reset", {})

    def last(self, step: str) -> dict[str, Any] | None:
        """Return the latest record of a step ({step, status, detail, at}), or None."""
        rows = [r for r in self.ledger.steps(self.deposit_key, self.profile) if r["step"] == step]
        return rows[-1] if rows else None

    def pending_since(self, step: str) -> str | None:
        """Return when the step last started if no 'done' followed (its outcome is unknown), else None."""
        rows = [r for r in self.ledger.steps(self.deposit_key, self.profile) if r["step"] == step]
        for row in reversed(rows):
            if row["status"] in ("done", "reset"):
                return None
            if row["status"] == "started":
                return row["at"]
        return None

    def value(self, step: str, key: str) -> Any:
        """Return a detail of the step's latest record when that record is 'done', else None."""
        row = self.last(step)
        if row is None or row["status"] != "done":
            return None
        return row["detail"].get(key)


class Target(Protocol):
    """What publish needs of a repository."""

    kind: str

    def find_existing(self, deposit_key: str) -> Deposited | None:
        """Return the archived item carrying the deposit key, or None (None also when the target cannot search)."""
        ...

    def find_same_title(self, title: str) -> list[Deposited]:
        """Return archived items deposited by the bridge under exactly this title."""
        ...

    def resolve(self, pid: str) -> Deposited | None:
        """Return the item a handle, DOI or item id names, or None when unknown or not searchable."""
        ...

    def deposit(self, plan: DepositPlan, journal: Journal, progress: Progress | None = None) -> Deposited:
        """Deposit (or finish depositing) the plan; return the archived item with its files."""
        ...

    def read_back(self, item_id: str) -> Deposited | None:
        """Return the item with its files and checksums, or None when it does not exist."""
        ...

    def close(self) -> None: ...


def bitstream_names(paths: list[str], *, keep_dirs: bool) -> dict[str, str]:
    """Return the repository name of each file: the path (SWORD zips keep folders) or the file name.

    DSpace's REST upload keeps only the file name, so when two files share one, both take their whole
    path with '/' replaced by '_' to stay apart.
    """
    if keep_dirs:
        return {p: p for p in paths}
    base = {p: posixpath.basename(p) for p in paths}
    counts: dict[str, int] = {}
    for name in base.values():
        counts[name] = counts.get(name, 0) + 1
    return {p: (name if counts[name] == 1 else p.replace("/", "_")) for p, name in base.items()}


def make_target(
    profile: Profile,
    kind: str | None = None,
    *,
    spool_dir: Path | None = None,
    transport: Any = None,
    timeout: float = 60.0,
) -> Target:
    """Return the target for a profile (its kind, unless `kind` overrides it)."""
    chosen = kind or profile.kind
    if chosen not in KINDS:
        raise UsageError(f"unknown target kind {chosen!r}; known: {', '.join(KINDS)}")
    if chosen == "dspace7":
        if not profile.rest_url:
            raise ConfigError(
                f"profile {profile.name!r} has no rest_url, which the dspace7 target needs",
                hint="add rest_url = 'https://…/server/api' to the profile in bridge.toml",
            )
        from bridge.targets.dspace7 import DSpace7Target

        return DSpace7Target(profile, transport=transport, timeout=timeout)
    if not profile.sword_url:
        raise ConfigError(
            f"profile {profile.name!r} has no sword_url, which the sword2 target needs",
            hint="add sword_url = 'https://…/swordv2' to the profile in bridge.toml",
        )
    from bridge.targets.sword2 import Sword2Target

    return Sword2Target(profile, spool_dir=spool_dir, transport=transport, timeout=timeout)


__all__ = [
    "KEY_PREFIX",
    "KINDS",
    "AmbiguousWrite",
    "DepositPlan",
    "Deposited",
    "Journal",
    "PlannedFile",
    "RemoteFile",
    "Target",
    "bitstream_names",
    "make_target",
]
