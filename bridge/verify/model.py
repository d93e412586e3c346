"""What verify checks (subjects) and what it finds (results, the report)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from bridge.verify.checklist import report_order

Status = Literal["passed", "failed", "pending"]
Change = Literal["newly-broken", "fixed"]
Origin = Literal["deposit", "harvested", "pid"]


@dataclass
class VerifySubject:
    """One thing to verify: a deposit (with its receipt), a harvested record, or a PID given on the command line."""

    origin: Origin  # where it comes from: a deposit's receipt, a harvested record, or the command line
    handle: str | None = None
    doi: str | None = None
    landing_url: str | None = None  # the landing page the PIDs must lead to, when known
    receipt: dict[str, Any] | None = None
    identifier: str | None = None  # the OAI identifier of a harvested record

    @property
    def pid(self) -> str:
        return self.handle or self.doi or self.identifier or "?"


@dataclass
class Result:
    """One check of one PID."""

    pid: str
    check: str
    status: Status
    detail: str
    url: str | None = None
    changed: Change | None = None
    seconds: float = 0.0
    subject: Origin = "deposit"

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"pid": self.pid, "check": self.check, "status": self.status, "detail": self.detail}
        if self.url:
            out["url"] = self.url
        out["changed"] = self.changed
        out["subject"] = self.subject
        out["seconds"] = round(self.seconds, 4)
        return out


@dataclass
class Report:
    """Every result of one run, with what the run was."""

    results: list[Result]
    run: dict[str, Any] = field(default_factory=dict)

    @property
    def summary(self) -> dict[str, int]:
        counts = {"passed": 0, "failed": 0, "pending": 0}
        for r in self.results:
            counts[r.status] += 1
        counts["total"] = len(self.results)
        counts["newly_broken"] = sum(1 for r in self.results if r.changed == "newly-broken")
        counts["fixed"] = sum(1 for r in self.results if r.changed == "fixed")
        return counts

    @property
    def failed(self) -> list[Result]:
        return [r for r in self.results if r.status == "failed"]

    @property
    def ok(self) -> bool:
        """True when nothing failed (pending is allowed)."""
        return not self.failed

    def sorted(self) -> list[Result]:
        """Return results by status (failed first), check kind, PID."""
        rank = {"failed": 0, "pending": 1, "passed": 2}
        order = report_order()
        return sorted(self.results, key=lambda r: (rank[r.status], order.get(r.check, 99), r.pid))

    def as_dict(self) -> dict[str, Any]:
        """Return the documented JSON shape (see bridge.verify)."""
        return {
            "summary": self.summary,
            "results": [r.as_dict() for r in self.sorted()],
            "run": self.run,
        }
