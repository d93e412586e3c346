"""FAIR reports over the broker: to JSON in the worker, back to FairReport (indicators by id) in the coordinator."""

from __future__ import annotations

from typing import Any

from bridge.fair.model import INDICATORS, FairReport, IndicatorResult


def report_to_wire(report: FairReport) -> dict[str, Any]:
    return {
        "subject": report.subject,
        "mode": report.mode,
        "error": report.error,
        "info": report.info,
        "results": [
            {
                "indicator": r.indicator.id,
                "status": r.status,
                "points": r.points,
                "messages": r.messages,
                "advice": r.advice,
                "evidence": r.evidence,
                "problems": r.problems,
            }
            for r in report.results
        ],
    }


def report_from_wire(data: dict[str, Any]) -> FairReport:
    results = [
        IndicatorResult(
            indicator=INDICATORS[r["indicator"]],
            status=r["status"],
            points=r["points"],
            messages=list(r["messages"]),
            advice=list(r["advice"]),
            evidence=list(r["evidence"]),
            problems=list(r["problems"]),
        )
        for r in data["results"]
    ]
    return FairReport(data["subject"], data["mode"], results, error=data["error"], info=dict(data["info"]))
