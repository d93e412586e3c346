"""Run the indicator table over gathered evidence; assess an artefact folder offline."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from bridge.fair import accessible, findable, interoperable, reusable  # noqa: F401 - they fill INDICATORS
from bridge.fair.evidence import Evidence, from_validated
from bridge.fair.model import (
    INDICATORS,
    PASS_POINTS,
    PRINCIPLES,
    FairReport,
    IndicatorResult,
    Missing,
    NotApplicable,
    Status,
)
from bridge.settings import Settings

if TYPE_CHECKING:
    from bridge.validate import Validated


def assess(ev: Evidence) -> FairReport:
    """Run every indicator that applies to the evidence's mode; return the report."""
    results: list[IndicatorResult] = []
    for ind in INDICATORS:
        if ev.mode == "artefact" and not ind.offline:
            continue
        try:
            out = ind.check(ev)
        except Missing as exc:
            results.append(IndicatorResult(ind, "indeterminate", None, [f"not assessed: {exc}"], [], []))
            continue
        except NotApplicable as exc:
            results.append(IndicatorResult(ind, "not_applicable", None, [str(exc)], [], []))
            continue
        status: Status = "pass" if out.points >= PASS_POINTS else "fail"
        advice = out.advice or ([ind.advice] if status == "fail" else [])
        results.append(IndicatorResult(ind, status, out.points, out.messages, advice, out.evidence, out.problems))
    results.sort(key=lambda r: PRINCIPLES.index(r.indicator.principle))  # F, A, I, R; registration order within
    info = {
        "indicators": len(results),
        "not_assessed": [i.id for i in INDICATORS if ev.mode == "artefact" and not i.offline],
    }
    if ev.failed:
        info["unreachable"] = dict(ev.failed)
    return FairReport(ev.subject, ev.mode, results, info=info)


def assess_path(
    root: Path, settings: Settings, *, validated: Validated | None = None, kind: str | None = None
) -> FairReport:
    """Assess an artefact folder before publishing: the checks its metadata and files alone can answer.

    `validated` is a validation of `root` already made (publish passes its own, so no file is read twice).
    """
    from bridge.validate import validate_artifact

    validated = validated or validate_artifact(root, settings, kind=kind)
    report = assess(from_validated(validated))
    report.info["kind"] = validated.mapping.name
    return report
