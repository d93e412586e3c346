"""Render a verify report: a plain table, JSON (shape in bridge.verify), JUnit XML for CI, Markdown for an issue."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from lxml import etree

from bridge.verify.checklist import CHECKS
from bridge.verify.model import Report, Result

FORMATS = ("table", "json", "junit", "markdown")
SUFFIXES = {".xml": "junit", ".json": "json", ".md": "markdown", ".markdown": "markdown"}
FULL_TABLE = 50  # up to this many results the table lists passed checks too
MESSAGE_LIMIT = 500


def render(report: Report, fmt: str, *, full: bool | None = None) -> str:
    """Render the report in one of FORMATS."""
    if fmt == "json":
        return render_json(report)
    if fmt == "junit":
        return render_junit(report).decode("utf-8")
    if fmt == "markdown":
        return render_markdown(report)
    return render_table(report, full=full)


def format_for(path: Path) -> str:
    """Return the format a report file's suffix asks for (.xml JUnit, .json, .md Markdown; else the table)."""
    return SUFFIXES.get(path.suffix.lower(), "table")


def render_json(report: Report) -> str:
    return json.dumps(report.as_dict(), indent=2, ensure_ascii=False) + "\n"


def headline(report: Report) -> str:
    """Return the one-line summary: '2 failed, 1 pending, 20 passed (23 checks)'."""
    s = report.summary
    parts = [f"{s['failed']} failed", f"{s['pending']} pending", f"{s['passed']} passed"]
    changes = [
        f"{s['newly_broken']} newly broken" if s["newly_broken"] else "",
        f"{s['fixed']} fixed" if s["fixed"] else "",
    ]
    extra = "; " + ", ".join(c for c in changes if c) if any(changes) else ""
    return f"{', '.join(parts)} ({s['total']} checks){extra}"


def shown_rows(report: Report, full: bool | None = None) -> tuple[list[Result], int]:
    """Return the results a table shows and how many passed ones it leaves out."""
    rows = report.sorted()
    if full or (full is None and len(rows) <= FULL_TABLE):
        return rows, 0
    shown = [r for r in rows if r.status != "passed" or r.changed]
    return shown, len(rows) - len(shown)


def render_table(report: Report, *, full: bool | None = None) -> str:
    """Return an aligned plain-text table (what `--format table` writes when not on a terminal)."""
    rows, hidden = shown_rows(report, full)
    if not rows:
        return ("" if not hidden else f"({hidden} passed checks not shown)\n") + headline(report) + "\n"
    table = [("STATUS", "CHECK", "PID", "CHANGED", "DETAIL")]
    table += [(r.status.upper(), r.check, r.pid, r.changed or "", _one_line(r.detail)) for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(4)]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:4])) + "  " + row[4] for row in table]
    if hidden:
        lines.append(f"({hidden} passed checks not shown; --format json lists every result)")
    lines.append(headline(report))
    return "\n".join(line.rstrip() for line in lines) + "\n"


def render_junit(report: Report) -> bytes:
    """Return JUnit XML: one testsuite per check kind, one testcase per (pid, check); pending is skipped."""
    s = report.summary
    stamp = str(report.run.get("started") or "")[:19]
    root = etree.Element(
        "testsuites",
        name="bridge verify",
        tests=str(s["total"]),
        failures=str(s["failed"]),
        errors="0",
        skipped=str(s["pending"]),
        time=_seconds(r.seconds for r in report.results),
    )
    by_check: dict[str, list[Result]] = {}
    for r in report.sorted():
        by_check.setdefault(r.check, []).append(r)
    known = CHECKS.names()
    order = [c for c in known if c in by_check] + sorted(set(by_check) - set(known))
    for i, check in enumerate(order):
        results = sorted(by_check[check], key=lambda r: r.pid)
        suite = etree.SubElement(
            root,
            "testsuite",
            name=check,
            tests=str(len(results)),
            failures=str(sum(r.status == "failed" for r in results)),
            errors="0",
            skipped=str(sum(r.status == "pending" for r in results)),
            time=_seconds(r.seconds for r in results),
            timestamp=stamp,
            id=str(i),
            package="bridge.verify",
        )
        props = etree.SubElement(suite, "properties")
        for key in ("profile", "id", "oai_endpoint", "tool_version"):
            if report.run.get(key) is not None:
                etree.SubElement(props, "property", name=f"run.{key}", value=str(report.run[key]))
        for r in results:
            case = etree.SubElement(
                suite, "testcase", name=r.pid, classname=f"bridge.verify.{check}", time=f"{r.seconds:.3f}"
            )
            if r.status == "failed":
                failure = etree.SubElement(case, "failure", message=_message(r), type=r.changed or check)
                failure.text = r.detail + (f"\nURL: {r.url}" if r.url else "")
            elif r.status == "pending":
                etree.SubElement(case, "skipped", message=f"pending: {_message(r)}")
            else:
                etree.SubElement(case, "system-out").text = r.detail + (f"\nURL: {r.url}" if r.url else "")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def render_markdown(report: Report) -> str:
    """Return Markdown for an issue body: the headline, failures and pending, fixes, passed checks folded."""
    s, run = report.summary, report.run
    status = "✅ all checks pass" if report.ok else f"❌ {s['failed']} failed"
    lines = [f"## bridge verify: {status}", ""]
    lines.append(
        f"Profile `{run.get('profile', '?')}`, run {run.get('id') or '-'} started {run.get('started', '?')}: "
        f"{headline(report)}."
    )
    failed = [r for r in report.sorted() if r.status == "failed"]
    pending = [r for r in report.sorted() if r.status == "pending"]
    fixed = [r for r in report.sorted() if r.changed == "fixed"]
    passed = [r for r in report.sorted() if r.status == "passed"]
    for title, rows in (("Failed", failed), ("Pending", pending)):
        if rows:
            lines += ["", f"### {title} ({len(rows)})", "", "| PID | Check | Detail | Changed |", "|---|---|---|---|"]
            lines += [
                f"| `{_cell(r.pid)}` | {r.check} | {_cell(r.detail)}{_link(r)} | {r.changed or ''} |" for r in rows
            ]
    if fixed:
        lines += ["", f"### Fixed since the last run ({len(fixed)})", ""]
        lines += [f"- `{_cell(r.pid)}` {r.check}" for r in fixed]
    if passed:
        lines += [
            "",
            f"<details><summary>Passed ({len(passed)})</summary>",
            "",
            "| PID | Check | Detail |",
            "|---|---|---|",
        ]
        lines += [f"| `{_cell(r.pid)}` | {r.check} | {_cell(r.detail)} |" for r in passed]
        lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


def _seconds(values: Iterable[float]) -> str:
    return f"{sum(values):.3f}"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _message(r: Result) -> str:
    text = _one_line(r.detail)
    return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 1] + "…"


def _cell(text: str) -> str:
    return _one_line(text).replace("|", "\\|").replace("`", "'")


def _link(r: Result) -> str:
    return f" ([checked]({r.url}))" if r.url else ""
