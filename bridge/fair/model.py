"""The FAIR indicator table's entry type, one indicator's outcome, and a report with FAIR EVA's weighted totals."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from bridge.registry import Registry

if TYPE_CHECKING:
    from bridge.fair.evidence import Evidence

Status = Literal["pass", "fail", "indeterminate", "not_applicable"]
PRINCIPLES = ("findable", "accessible", "interoperable", "reusable")
LEVELS = {20: "Essential", 15: "Important", 10: "Useful"}  # FAIR EVA's x-level weights (fair-api.yaml)
PASS_POINTS = 75  # FAIR EVA's utils.test_status: pass from 75 points


class NotApplicable(Exception):
    """Raised by an indicator that does not apply (files of a withdrawn item): excluded from the total."""


class Missing(Exception):
    """Raised by an indicator when the evidence it needs could not be gathered (network): indeterminate."""

    def __init__(self, source: str, why: str) -> None:
        super().__init__(f"{source}: {why}")
        self.source = source
        self.why = why


@dataclass
class Outcome:
    """What one indicator found: points 0-100, what it saw, and what to do about it."""

    points: int = 0
    messages: list[str] = field(default_factory=list)
    advice: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # the messages of the failed sub-tests


class Tests:
    """Collect an indicator's sub-tests; its points are the share that passed (each test may weigh more)."""

    def __init__(self) -> None:
        self.outcome = Outcome()
        self.earned = 0.0
        self.total = 0.0

    def test(self, ok: bool, passed: str, failed: str, advice: str | None = None, *, weight: float = 1.0) -> bool:
        self.total += weight
        if ok:
            self.earned += weight
            self.outcome.messages.append(passed)
        else:
            self.outcome.messages.append(failed)
            self.outcome.problems.append(failed)
            if advice and advice not in self.outcome.advice:
                self.outcome.advice.append(advice)
        return ok

    def note(self, message: str) -> None:
        """Add a message that scores nothing (what other tools would do, what was skipped)."""
        self.outcome.messages.append(message)

    def lead(self, message: str) -> None:
        """Put a summary first: the line a table shows for a pass."""
        self.outcome.messages.insert(0, message)

    def saw(self, *where: str | None) -> None:
        for w in where:
            if w and w not in self.outcome.evidence:
                self.outcome.evidence.append(w)

    def done(self) -> Outcome:
        self.outcome.points = round(100 * self.earned / self.total) if self.total else 100
        return self.outcome


Check = Callable[["Evidence"], Outcome]


@dataclass(frozen=True)
class Indicator:
    """One registered FAIR indicator: its RDA id, weight, the F-UJI metrics it matches, its evidence and advice."""

    id: str  # RDA-F1-01M, or BRIDGE-… for checks the RDA list has no row for
    name: str
    principle: str
    weight: int
    fuji: tuple[str, ...]
    sources: tuple[str, ...]  # evidence it reads: metadata, files, pid, landing, signposting, datacite, oai
    offline: bool  # answerable from an artefact folder before publishing
    advice: str  # the general advice; outcomes add specific ones
    check: Check

    @property
    def key(self) -> str:
        """Return FAIR EVA's JSON key: rda_f1_01m."""
        key = self.id.lower().replace("-", "_").replace(".", "_")
        return key.removeprefix("rda_").join(("rda_", "")) if self.id.startswith("RDA-") else key

    @property
    def level(self) -> str:
        return LEVELS.get(self.weight, "Useful")


INDICATORS: Registry[Indicator] = Registry("FAIR indicator", key=lambda i: i.id)


def indicator(
    id: str,
    name: str,
    *,
    weight: int,
    fuji: tuple[str, ...] = (),
    sources: tuple[str, ...] = ("metadata",),
    offline: bool = False,
    advice: str = "",
    principle: str | None = None,
) -> Callable[[Check], Check]:
    """Register a check function as an indicator (the principle follows from the id's letter)."""
    letter = id.removeprefix("RDA-").removeprefix("BRIDGE-")[0]
    chosen = principle or {"F": "findable", "A": "accessible", "I": "interoperable", "R": "reusable"}[letter]
    return INDICATORS.register(lambda fn: Indicator(id, name, chosen, weight, fuji, sources, offline, advice, fn))


@dataclass
class IndicatorResult:
    """One indicator's result in a report (FAIR EVA's per-indicator object, plus advice, evidence and F-UJI ids)."""

    indicator: Indicator
    status: Status
    points: int | None  # None when indeterminate
    messages: list[str]
    advice: list[str]
    evidence: list[str]
    problems: list[str] = field(default_factory=list)

    @property
    def finding(self) -> str:
        """Return the one line a table shows: the first problem of a failure, else the first message."""
        if self.status == "fail" and self.problems:
            return self.problems[0]
        return self.messages[0] if self.messages else ""

    @property
    def counted(self) -> bool:
        return self.status in ("pass", "fail")

    def as_dict(self) -> dict[str, Any]:
        ind = self.indicator
        return {
            "name": ind.name,
            "id": ind.id,
            "msg": [{"message": m, "points": None} for m in self.messages],
            "points": self.points,
            "color": {"pass": "#2ECC71", "fail": "#E74C3C", "indeterminate": "#F4D03F", "not_applicable": "#BDC3C7"}[
                self.status
            ],
            "test_status": self.status,
            "score": {"earned": self.points if self.counted else None, "total": 100, "weight": ind.weight},
            "level": ind.level,
            "advice": self.advice,
            "evidence": self.evidence,
            "sources": list(ind.sources),
            "fuji": list(ind.fuji),
        }


def weighted(results: list[IndicatorResult]) -> float | None:
    """Return Σ(points·weight)/Σweight over the counted results (FAIR EVA's web.py), or None when none counts."""
    counted = [r for r in results if r.counted and r.points is not None]
    total = sum(r.indicator.weight for r in counted)
    if not total:
        return None
    return round(sum((r.points or 0) * r.indicator.weight for r in counted) / total, 1)


@dataclass
class FairReport:
    """The FAIR assessment of one artefact folder or one PID."""

    subject: str
    mode: Literal["artefact", "pid"]
    results: list[IndicatorResult]
    error: str | None = None  # the checker failed for this subject (no evidence at all)
    info: dict[str, Any] = field(default_factory=dict)

    def by_principle(self, principle: str) -> list[IndicatorResult]:
        return [r for r in self.results if r.indicator.principle == principle]

    @property
    def score(self) -> float | None:
        return weighted(self.results)

    @property
    def essential_failed(self) -> list[IndicatorResult]:
        return [r for r in self.results if r.indicator.weight == 20 and r.status == "fail"]

    @property
    def indeterminate(self) -> list[IndicatorResult]:
        return [r for r in self.results if r.status == "indeterminate"]

    def essential(self) -> dict[str, int]:
        essential = [r for r in self.results if r.indicator.weight == 20]
        return {
            "passed": sum(r.status == "pass" for r in essential),
            "failed": sum(r.status == "fail" for r in essential),
            "indeterminate": sum(r.status == "indeterminate" for r in essential),
            "total": len(essential),
        }

    @property
    def ok(self) -> bool:
        return self.error is None and not self.essential_failed

    def top_advice(self, limit: int = 3) -> list[tuple[str, str]]:
        """Return (indicator id, advice) of the failed indicators, heaviest first."""
        failed = sorted((r for r in self.results if r.status == "fail"), key=lambda r: (-r.indicator.weight, r.points))
        out: list[tuple[str, str]] = []
        for r in failed:
            for a in r.advice or [r.indicator.advice]:
                out.append((r.indicator.id, a))
                break
        return out[:limit]

    def totals(self) -> dict[str, Any]:
        per = {p: weighted(self.by_principle(p)) for p in PRINCIPLES}
        return {**per, "FAIR": self.score}

    def as_dict(self) -> dict[str, Any]:
        """Return FAIR EVA's shape: {principle: {rda_x: {...}}}, with totals, the Essential count and run info."""
        out: dict[str, Any] = {p: {r.indicator.key: r.as_dict() for r in self.by_principle(p)} for p in PRINCIPLES}
        out["totals"] = self.totals()
        out["essential"] = self.essential()
        out["subject"] = self.subject
        out["mode"] = self.mode
        out["ok"] = self.ok
        out["error"] = self.error
        out["info"] = self.info
        return out
