"""The journal of one deposit: ledger records around every remote write, and the retry of ambiguous writes.

Every remote write is bracketed by journal records in the ledger (``started`` before it, ``done`` with what the
server answered after it), so a run killed at any point is finished by the next one: a target reads the remote
state first and never repeats a write whose outcome it does not know.

Test hook: ``BRIDGE_TEST_CRASH_AFTER=<step>[:started|sent|done]`` makes the process kill itself with SIGKILL
when that journal point is reached; ``sent`` is just after the server answered and before
the answer is recorded. It is read from the settings' environment and does nothing unless set.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from typing import Any

from bridge.errors import AmbiguousWrite
from bridge.ledger import Ledger
from bridge.targets.interface import Deposited


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
