"""`bridge harvest` and `bridge records`: OAI-PMH read-back into the ledger, and its export."""

from __future__ import annotations

import csv
import enum
import io
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from bridge.commands.output import emit_json, err_console, out_console, run
from bridge.fsutil import write_atomic


class WindowChoice(enum.StrEnum):
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
        WindowChoice, typer.Option("--windows", help="Split the date range into windows.")
    ] = WindowChoice.month,
    parallel: Annotated[
        int, typer.Option("--parallel", min=1, max=8, help="Windows harvested at once (be polite).")
    ] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON on stdout.")] = False,
) -> None:
    """Harvest records over OAI-PMH into the ledger, incrementally and resumably."""
    from bridge.embedded import resolve_repository
    from bridge.errors import UsageError
    from bridge.harvest import Harvester, Scope
    from bridge.ledger import Ledger
    from bridge.oai.client import OAIClient
    from bridge.settings import ensure_home, load_settings

    def work() -> None:
        if profile and endpoint:
            raise UsageError("give --profile or --endpoint, not both")
        settings = load_settings()
        ensure_home(settings)
        summaries: list[dict[str, Any]] = []
        with resolve_repository(settings, None if endpoint else profile) as target:
            url = endpoint or target.profile.oai_url
            if not url:
                raise UsageError(f"profile {target.profile.name!r} has no oai_url", hint="add oai_url to bridge.toml")
            if target.embedded and not endpoint and not as_json:
                err_console.print(f"no profile configured: harvesting the embedded sandbox at {url}")
            progress = _progress(err_console) if sys.stderr.isatty() and not as_json else None
            with OAIClient(url) as client, Ledger(settings.ledger_path) as ledger:
                harvester = Harvester(client, ledger, progress=progress)
                for prefix in prefixes or ["oai_dc"]:
                    for set_spec in sets or [""]:
                        stats = harvester.run(
                            Scope(url, prefix, set_spec),
                            from_date=from_date,
                            until_date=until_date,
                            full=full,
                            window_size=window.value,
                            parallel=parallel,  # type: ignore[arg-type]
                        )
                        summaries.append(stats.as_dict())
        failed = [s for s in summaries if not s["complete"]]
        if as_json:
            emit_json({"endpoint": url, "scopes": summaries, "complete": not failed})
        else:
            _print_summary(out_console, summaries)
        if failed:
            errors = "; ".join(e for s in failed for e in s["errors"][:3])
            from bridge.errors import BridgeError

            raise BridgeError(
                f"harvest incomplete: {errors}", hint="run the same command again: it resumes from the last page"
            )

    run(work)


def _progress(console: Any) -> Callable[[Any], None]:
    def show(stats: Any) -> None:
        total = f"/{stats.complete_list_size}" if stats.complete_list_size else ""
        rate = stats.records / max(stats.seconds, 1e-9) if stats.seconds else 0
        console.print(
            f"\r{stats.prefix} {stats.set_spec or '*'}: {stats.pages} pages, {stats.records}{total} records"
            + (f", {rate:.0f}/s" if rate else ""),
            end="",
        )

    return show


def _print_summary(console: Any, summaries: list[dict[str, Any]]) -> None:
    from rich.table import Table

    table = Table("prefix", "set", "records", "new", "updated", "deleted", "lossy", "pages", "errors", "seconds")
    for s in summaries:
        table.add_row(
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
    from bridge.ledger import Ledger
    from bridge.settings import load_settings

    def work() -> None:
        settings = load_settings()
        sql = "SELECT endpoint, prefix, identifier, datestamp, sets, deleted, lossy, metadata FROM record"
        where, params = [], []
        if endpoint:
            where.append("endpoint = ?")
            params.append(endpoint)
        if prefix:
            where.append("prefix = ?")
            params.append(prefix)
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY endpoint, prefix, identifier"
        if not settings.ledger_path.exists():
            rows: list[dict[str, Any]] = []
        else:
            with Ledger(settings.ledger_path) as ledger:
                rows = [_record_row(r) for r in ledger.query(sql, tuple(params))]
        text = _render(rows, fmt)
        if output is None:
            sys.stdout.write(text)
        else:
            write_atomic(output, text, what="the records", hint="choose another --output path")

    run(work)


def _record_row(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "identifier": row["identifier"],
        "datestamp": row["datestamp"],
        "deleted": bool(row["deleted"]),
        "sets": json.loads(row["sets"]),
        "prefix": row["prefix"],
        "lossy": bool(row["lossy"]),
        "endpoint": row["endpoint"],
        "metadata": json.loads(row["metadata"]) if row["metadata"] else None,
    }


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
