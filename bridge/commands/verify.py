"""`bridge verify`: check every published PID and harvested record; a report and exit code 3 when something broke."""

from __future__ import annotations

import enum
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from bridge.commands.output import MaxDuration, err_console, out_console, run, write_stdout
from bridge.commands.progress import progress_bar
from bridge.fsutil import check_output_path, write_atomic


class ReportFormat(enum.StrEnum):
    table = "table"
    json = "json"
    junit = "junit"
    markdown = "markdown"


def register(app: typer.Typer) -> None:
    app.command("verify")(verify)


def verify(
    profile: Annotated[str | None, typer.Option("--profile", help="Profile in bridge.toml to verify.")] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Only deposits and records from this date (YYYY-MM-DD, UTC).")
    ] = None,
    pids: Annotated[
        list[str] | None,
        typer.Option("--pid", help="Verify only this Handle or DOI (repeatable; any form: bare, URL, doi:)."),
    ] = None,
    concurrency: Annotated[int, typer.Option("--concurrency", min=1, max=256, help="Requests at once.")] = 8,
    per_host: Annotated[int, typer.Option("--per-host", min=1, max=256, help="Requests at once per host.")] = 4,
    grace: Annotated[
        str, typer.Option("--grace", help="A deposit missing from OAI-PMH this soon after publishing is pending.")
    ] = "24h",
    deposits_only: Annotated[
        bool, typer.Option("--deposits-only", help="Skip harvested records the bridge did not deposit.")
    ] = False,
    fmt: Annotated[
        ReportFormat | None,
        typer.Option("--format", help="Report format (default: table; for --output, from the file suffix)."),
    ] = None,
    outputs: Annotated[
        list[Path] | None,
        typer.Option(
            "--output",
            "-o",
            help="Write the report to this file, atomically (repeatable: .xml is JUnit, .json JSON, .md Markdown).",
        ),
    ] = None,
    show_all: Annotated[bool, typer.Option("--all", help="List passed checks too in the table.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    fair: Annotated[
        bool,
        typer.Option("--fair", help="Also assess FAIRness: an Essential failure or a lower score fails."),
    ] = False,
    distributed: Annotated[
        bool,
        typer.Option(
            "--distributed", help="Check the PIDs in shards on 'bridge worker's (BRIDGE_BROKER_URL) and wait."
        ),
    ] = False,
    max_duration: MaxDuration = None,
) -> None:
    """Verify that PIDs resolve, landing pages answer, and harvested metadata and checksums match the deposit.

    Exit codes: 0 all checks pass (pending allowed), 3 something is broken, 1 the checker itself failed.
    """
    from bridge.errors import VerificationError
    from bridge.settings import load_settings
    from bridge.verify import Options, parse_duration, parse_since
    from bridge.verify import verify as verify_pids
    from bridge.verify.report import format_for, headline, render

    def work() -> None:
        for path in outputs or []:
            check_output_path(path, "--output")  # before any request: a report must not be lost at the end
        options = Options(
            since=parse_since(since) if since else None,
            pids=list(pids or []),
            concurrency=concurrency,
            per_host=per_host,
            grace=parse_duration(grace),
            harvested=not deposits_only,
            distributed=distributed,
        )
        settings = load_settings()
        if fair and distributed:
            from bridge.errors import UsageError

            raise UsageError(
                "--fair runs in this process only: give --fair or --distributed, not both",
                hint="run 'bridge fair --all' separately, or verify --distributed without --fair",
            )
        bar = progress_bar("verify", "shards" if distributed else "PIDs", as_json=fmt is ReportFormat.json, quiet=quiet)
        with bar:
            progress = bar.update if bar.enabled else None
            if fair:
                from bridge.fair.nightly import fair_check
                from bridge.verify.checklist import CHECKS

                with CHECKS.registered(fair_check(settings)):
                    report = verify_pids(settings, options, profile=profile, progress=progress)
            else:
                report = verify_pids(settings, options, profile=profile, progress=progress)
        for path in outputs or []:
            chosen = fmt.value if fmt else format_for(path)
            text = render(report, chosen, full=show_all or None)
            write_atomic(path, text, what="the report", hint="choose another --output path")
            err_console.print(f"{chosen} report written to {path}: {headline(report)}", markup=False)
        shown = fmt or ReportFormat.table
        if not outputs and shown is ReportFormat.table and sys.stdout.isatty():
            _print_table(out_console, report, show_all)
        elif not outputs:
            write_stdout(render(report, shown.value, full=show_all or None), shown.value)
        if not report.results:
            err_console.print("nothing to verify: publish something, or run 'bridge harvest' first")
        if not report.ok:
            failed = report.failed
            checks = sorted({r.check for r in failed})
            raise VerificationError(
                f"{len(failed)} check(s) failed ({', '.join(checks)}); "
                f"{report.summary['newly_broken']} newly broken since the last run",
                hint="see the report above; 'bridge verify --format json' gives every detail",
            )

    run(work, max_duration=max_duration)


def _print_table(console: Any, report: Any, show_all: bool) -> None:
    from rich.table import Table
    from rich.text import Text

    from bridge.verify.report import headline, shown_rows

    rows, hidden = shown_rows(report, show_all or None)
    style = {"passed": "green", "failed": "bold red", "pending": "yellow"}
    table = Table("status", "check", "pid", "changed", "detail", show_lines=False)
    for r in rows:
        # Text(): details quote repository data, which must never be read as rich markup
        table.add_row(Text(r.status, style=style[r.status]), r.check, Text(r.pid), r.changed or "", Text(r.detail))
    if rows:
        console.print(table)
    if hidden:
        console.print(f"({hidden} passed checks not shown; --all or --format json lists them)")
    console.print(headline(report))
