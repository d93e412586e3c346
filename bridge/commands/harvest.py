"""`bridge harvest` and `bridge records`: OAI-PMH read-back into the ledger, and its export."""

from __future__ import annotations

import csv
import enum
import io
import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from bridge.commands.output import MaxDuration, emit_json, err_console, out_console, run, write_stdout
from bridge.commands.progress import Bar, progress_bar
from bridge.fsutil import check_output_path, write_atomic


class WindowChoice(enum.StrEnum):
    auto = "auto"
    month = "month"
    week = "week"
    day = "day"
    none = "none"


class RecordFormat(enum.StrEnum):
    jsonl = "jsonl"
    csv = "csv"


def register(app: typer.Typer) -> None:
    app.command("harvest")(harvest)
    app.command("records")(records)


def harvest(
    profile: Annotated[
        str | None, typer.Option("--profile", help="Profile in bridge.toml whose oai_url to harvest.")
    ] = None,
    endpoint: Annotated[
        str | None, typer.Option("--endpoint", help="An OAI-PMH base URL (instead of a profile).")
    ] = None,
    prefixes: Annotated[list[str] | None, typer.Option("--prefix", help="metadataPrefix; repeatable.")] = None,
    sets: Annotated[list[str] | None, typer.Option("--set", help="setSpec; repeatable (default: everything).")] = None,
    from_date: Annotated[
        str | None, typer.Option("--from", help="Harvest from this date (default: incremental).")
    ] = None,
    until_date: Annotated[str | None, typer.Option("--until", help="Harvest until this date (inclusive).")] = None,
    full: Annotated[bool, typer.Option("--full", help="Ignore earlier runs and harvest everything.")] = False,
    window: Annotated[
        WindowChoice,
        typer.Option(
            "--windows",
            help="Date windows, only where there are records (auto: one chain, or windows with --parallel > 1).",
        ),
    ] = WindowChoice.auto,
    parallel: Annotated[
        int, typer.Option("--parallel", min=1, max=8, help="Windows harvested at once (be polite).")
    ] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON on stdout.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    endpoints_file: Annotated[
        Path | None,
        typer.Option(
            "--endpoints", help="Harvest many providers: a file with one URL per line, or TOML [[endpoint]] tables."
        ),
    ] = None,
    distributed: Annotated[
        bool, typer.Option("--distributed", help="Run the windows on 'bridge worker's (BRIDGE_BROKER_URL) and wait.")
    ] = False,
    max_duration: MaxDuration = None,
    max_pages: Annotated[
        int | None,
        typer.Option("--max-pages", min=1, help="Pages per token chain (default: from completeListSize, with slack)."),
    ] = None,
    max_stale_pages: Annotated[
        int, typer.Option("--max-stale-pages", min=1, help="End a chain after this many pages with nothing new.")
    ] = 10,
) -> None:
    """Harvest records over OAI-PMH into the ledger, incrementally and resumably.

    No host ever sees more than --parallel requests at once, however many workers run.
    """
    from bridge.endpoints import read_endpoints
    from bridge.errors import UsageError
    from bridge.harvest import HarvestOptions, harvest, harvest_endpoints
    from bridge.settings import load_settings

    def announce(url: str, embedded: bool) -> None:
        if embedded and not as_json:
            err_console.print(f"no profile configured: harvesting the embedded sandbox at {url}")

    def work() -> None:
        options = HarvestOptions(
            prefixes=prefixes or ["oai_dc"],
            sets=sets or [""],
            from_date=from_date,
            until_date=until_date,
            full=full,
            window_size=window.value,
            parallel=parallel,
            distributed=distributed,
            max_pages=max_pages,
            max_stale_pages=max_stale_pages,
        )
        bar = progress_bar("harvest", "records", as_json=as_json, quiet=quiet)
        progress = _progress(bar) if bar.enabled else None
        with bar:
            if endpoints_file is not None:
                if profile or endpoint:
                    raise UsageError("give --endpoints, or --profile/--endpoint, not both")
                specs = read_endpoints(endpoints_file)
                many = harvest_endpoints(load_settings(), specs, options, progress=progress)
                scopes = [s.as_dict() for e in many.endpoints for s in e.scopes]
                result: Any = many
            else:
                settings = load_settings()
                result = harvest(
                    settings, options, profile=profile, endpoint=endpoint, progress=progress, on_endpoint=announce
                )
                scopes = [s.as_dict() for s in result.scopes]
        if as_json:
            emit_json(result.as_dict())
        else:
            _print_summary(out_console, scopes, with_endpoint=endpoints_file is not None)
        _print_warnings(scopes)
        error = result.error()
        if error is not None:
            raise error

    run(work, max_duration=max_duration)


def _print_warnings(scopes: list[dict[str, Any]]) -> None:
    """Say on stderr what was not stored and what the provider got wrong (the JSON has it in each scope)."""
    from rich.markup import escape

    warnings = [w for s in scopes for w in s.get("warnings") or []]
    for message in warnings[:20]:
        err_console.print(f"[yellow]warning:[/yellow] {escape(message)}")
    if len(warnings) > 20:
        err_console.print(f"[yellow]warning:[/yellow] … and {len(warnings) - 20} more (see --json)")


def _progress(bar: Bar) -> Callable[[Any], None]:
    """Sum what every scope (and endpoint) harvested so far into one bar; called from the writer threads."""
    lock = threading.Lock()
    scopes: dict[int, tuple[int, int | None]] = {}

    def show(stats: Any) -> None:
        with lock:
            scopes[id(stats)] = (stats.records, stats.expected_records())
            done = sum(r for r, _ in scopes.values())
            totals = [t for _, t in scopes.values()]
            total = sum(t or 0 for t in totals) if totals and all(t is not None for t in totals) else None
        bar.update(done, total, description=f"harvest {stats.prefix} {stats.set_spec}".rstrip())

    return show


def _print_summary(console: Any, summaries: list[dict[str, Any]], *, with_endpoint: bool = False) -> None:
    from rich.table import Table

    columns = ("prefix", "set", "records", "new", "updated", "deleted", "lossy", "pages", "errors", "seconds")
    table = Table(*(("endpoint", *columns) if with_endpoint else columns))
    for s in summaries:
        table.add_row(
            *([s["endpoint"]] if with_endpoint else []),
            s["prefix"],
            s["set_spec"] or "*",
            str(s["records"]),
            str(s["new"]),
            str(s["updated"]),
            str(s["deleted"]),
            str(s["lossy"]),
            str(s["pages"]),
            str(len(s["errors"])),
            f"{s['seconds']:.1f}",
        )
    console.print(table)


def records(
    endpoint: Annotated[str | None, typer.Option("--endpoint", help="Only records of this OAI-PMH base URL.")] = None,
    prefix: Annotated[str | None, typer.Option("--prefix", help="Only records in this metadataPrefix.")] = None,
    fmt: Annotated[RecordFormat, typer.Option("--format", help="Output format.")] = RecordFormat.jsonl,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to a file instead of stdout.")] = None,
) -> None:
    """List or export harvested records, one per identifier and prefix."""
    from bridge.harvest import harvested_records
    from bridge.settings import load_settings

    def work() -> None:
        if output is not None:
            check_output_path(output, "--output")
        found = harvested_records(load_settings(), endpoint=endpoint, prefix=prefix)
        rows = [r.as_dict() for r in found]
        text = _render(rows, fmt)
        if output is None:
            write_stdout(text, fmt.value)
        else:
            write_atomic(output, text, what="the records", hint="choose another --output path")

    run(work)


def _render(rows: list[dict[str, Any]], fmt: RecordFormat) -> str:
    if fmt is RecordFormat.jsonl:
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["identifier", "datestamp", "deleted", "sets", "prefix", "lossy", "endpoint", "metadata"])
    for r in rows:
        writer.writerow(
            [
                r["identifier"],
                r["datestamp"],
                str(r["deleted"]).lower(),
                " ".join(r["sets"]),
                r["prefix"],
                str(r["lossy"]).lower(),
                r["endpoint"],
                json.dumps(r["metadata"], ensure_ascii=False),
            ]
        )
    return buf.getvalue()
