"""Render FAIR reports: a plain table, JSON in FAIR EVA's shape, Markdown for an issue or a README, JUnit XML for CI.

JSON (``bridge fair … --format json``) for one subject::

    {"findable": {"rda_f1_01m": {"name", "id", "msg": [{"message", "points"}], "points", "color",
                                  "test_status": "pass|fail|indeterminate|not_applicable",
                                  "score": {"earned", "total": 100, "weight"}, "level", "advice": [],
                                  "evidence": [], "sources": [], "fuji": ["FsF-F1-01MD", …]}, …},
     "accessible": {…}, "interoperable": {…}, "reusable": {…},
     "totals": {"findable", "accessible", "interoperable", "reusable", "FAIR"},   # Σ(points·w)/Σw, percent
     "essential": {"passed", "failed", "indeterminate", "total"},
     "subject", "mode": "artefact|pid", "ok", "error", "info"}

For several subjects (``--all``) the document is ``{"reports": [<one per subject>], "summary": {…}, "run": {…}}``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from lxml import etree

from bridge.fair.model import PRINCIPLES, FairReport, IndicatorResult

FORMATS = ("table", "json", "markdown", "junit")
MARK = {"pass": "PASS", "fail": "FAIL", "indeterminate": "INDET", "not_applicable": "N/A"}


def render(reports: Sequence[FairReport], fmt: str, *, extra: dict[str, Any] | None = None) -> str:
    """Render one report (or several) in one of FORMATS."""
    if fmt == "json":
        if len(reports) == 1 and not extra:
            return json.dumps(reports[0].as_dict(), indent=2, ensure_ascii=False) + "\n"
        doc = {"reports": [r.as_dict() for r in reports], **(extra or {})}
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    if fmt == "junit":
        return render_junit(reports).decode("utf-8")
    if fmt == "markdown":
        return "\n".join(render_markdown(r) for r in reports)
    if len(reports) > 1 or extra:
        return render_summary_table(reports, extra or {})
    return "\n".join(render_table(r) for r in reports)


def render_summary_table(reports: Sequence[FairReport], extra: dict[str, Any]) -> str:
    """Return one line per record (worst first) and the run's summary: what `--all` shows on a terminal."""
    rows = [("PID", "FAIR", "ESSENTIAL", "FAILING")]
    for r in sorted(reports, key=lambda r: (r.error is None, r.ok, r.score or 0.0)):
        e = r.essential()
        failing = ", ".join(x.indicator.id.removeprefix("RDA-") for x in r.results if x.status == "fail")
        score = "error" if r.error else _pct(r.score)
        rows.append((r.subject, score, f"{e['passed']}/{e['total']}", (r.error or failing)[:200]))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = ["  ".join(c.ljust(widths[i]) for i, c in enumerate(row[:3])) + "  " + row[3] for row in rows]
    s, run = extra.get("summary") or {}, extra.get("run") or {}
    if s:
        lines.append(
            f"{s['records']} record(s): {s['ok']} pass every Essential indicator, {s['essential_failed']} do not, "
            f"{s['errors']} could not be assessed; mean FAIR {_pct(s['mean_score'])}"
        )
    if run:
        lines.append(f"{run['requests']} requests in {run['seconds']} s ({run['pids_per_second']} records/s)")
    return "\n".join(line.rstrip() for line in lines) + "\n"


def headline(report: FairReport) -> str:
    """Return '<subject>: FAIR 96.2% — Essential 8/8 passed (1 indeterminate)'."""
    if report.error:
        return f"{report.subject}: not assessed: {report.error}"
    score = "n/a" if report.score is None else f"{report.score:.1f}%"
    e = report.essential()
    extra = f", {e['indeterminate']} indeterminate" if e["indeterminate"] else ""
    return f"{report.subject}: FAIR {score}; Essential {e['passed']}/{e['total']} passed{extra}"


def render_table(report: FairReport) -> str:
    """Return an aligned plain-text table: one row per indicator, then the totals and the top advice."""
    rows = [("STATUS", "INDICATOR", "LEVEL", "POINTS", "F-UJI", "FINDING")]
    for r in report.results:
        finding = r.finding
        points = "-" if r.points is None else str(r.points)
        rows.append((MARK[r.status], r.indicator.id, r.indicator.level, points, ",".join(r.indicator.fuji), finding))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = ["  ".join(c.ljust(widths[i]) for i, c in enumerate(row[:5])) + "  " + row[5] for row in rows]
    totals = report.totals()
    lines.append(
        "totals: "
        + ", ".join(f"{p} {_pct(totals[p])}" for p in PRINCIPLES)
        + f"; FAIR {_pct(totals['FAIR'])} (FAIR EVA weights 20/15/10)"
    )
    for ind, advice in report.top_advice():
        lines.append(f"advice ({ind}): {advice}")
    lines.append(headline(report))
    return "\n".join(line.rstrip() for line in lines) + "\n"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}%"


def render_markdown(report: FairReport) -> str:
    """Return a Markdown table of the report (what the README shows)."""
    out = [f"**{headline(report)}**", "", "| status | indicator | level | points | F-UJI | finding |"]
    out.append("|---|---|---|---|---|---|")
    for r in report.results:
        points = "–" if r.points is None else str(r.points)
        finding = r.finding + (f" — {r.advice[0]}" if r.status == "fail" and r.advice else "")
        out.append(
            f"| {MARK[r.status]} | {r.indicator.id} | {r.indicator.level} | {points} | "
            f"{', '.join(r.indicator.fuji)} | {_cell(finding)} |"
        )
    totals = report.totals()
    out.append("")
    per = ", ".join(f"{p} {_pct(totals[p])}" for p in PRINCIPLES)
    out.append(f"Totals: {per}; **FAIR {_pct(totals['FAIR'])}**")
    return "\n".join(out) + "\n"


def render_before_after(name: str, before: FairReport, after: FairReport) -> str:
    """Return a Markdown table of one artefact: each indicator before publishing (folder) and after (its PID)."""
    first = {r.indicator.id: r for r in before.results}
    out = [f"`{name}` — before publishing: `bridge fair fixtures/{name}`; after: `bridge fair <its PID>`", ""]
    out += ["| indicator | level | F-UJI | before | after |", "|---|---|---|---|---|"]

    def cell(r: IndicatorResult | None) -> str:
        if r is None:
            return "–"
        return MARK[r.status] + ("" if r.points is None else f" {r.points}")

    for r in after.results:
        ind = r.indicator
        out.append(f"| {ind.id} | {ind.level} | {', '.join(ind.fuji)} | {cell(first.get(ind.id))} | {cell(r)} |")
    eb, ea = before.essential(), after.essential()
    out.append(
        f"| **FAIR** | Essential passed | | **{_pct(before.score)}** ({eb['passed']}/{eb['total']}) "
        f"| **{_pct(after.score)}** ({ea['passed']}/{ea['total']}) |"
    )
    return "\n".join(out) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_junit(reports: Sequence[FairReport]) -> bytes:
    """Return JUnit XML: one testsuite per subject, one testcase per indicator; indeterminate and N/A are skipped."""
    root = etree.Element("testsuites", name="bridge fair")
    for report in reports:
        counts = {s: sum(r.status == s for r in report.results) for s in MARK}
        suite = etree.SubElement(
            root,
            "testsuite",
            name=report.subject,
            tests=str(len(report.results)),
            failures=str(counts["fail"]),
            errors="1" if report.error else "0",
            skipped=str(counts["indeterminate"] + counts["not_applicable"]),
        )
        if report.error:
            case = etree.SubElement(suite, "testcase", classname=report.subject, name="assessment")
            etree.SubElement(case, "error", message=report.error[:500])
        for r in report.results:
            case = etree.SubElement(
                suite, "testcase", classname=f"{report.subject}.{r.indicator.principle}", name=r.indicator.id
            )
            text = "\n".join(r.messages + [f"advice: {a}" for a in r.advice])
            if r.status == "fail":
                failure = etree.SubElement(case, "failure", message=(r.advice or r.messages or [""])[0][:500])
                failure.text = text
            elif r.status in ("indeterminate", "not_applicable"):
                etree.SubElement(case, "skipped", message=(r.messages or [r.status])[0][:500])
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
