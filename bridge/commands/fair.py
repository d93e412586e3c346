"""`bridge fair`: FAIR assessment of an artefact folder before publishing, or of a PID (or every record) after."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated

import typer

from bridge.commands.output import err_console, run, write_stdout
from bridge.errors import TransportError, UsageError, VerificationError
from bridge.fsutil import check_output_path, write_atomic


class FairFormat(enum.StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"
    junit = "junit"


SUFFIXES = {".json": "json", ".xml": "junit", ".md": "markdown", ".markdown": "markdown"}


def register(app: typer.Typer) -> None:
    app.command("fair")(fair)


def fair(
    target: Annotated[
        str | None,
        typer.Argument(
            help="An artefact folder (before publishing), or a Handle, DOI or landing-page URL.", show_default=False
        ),
    ] = None,
    all_records: Annotated[
        bool, typer.Option("--all", help="Assess every record the ledger knows (published or harvested).")
    ] = False,
    profile: Annotated[str | None, typer.Option("--profile", help="Profile in bridge.toml (PID mode).")] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="With --all: only records from this date (YYYY-MM-DD, UTC).")
    ] = None,
    concurrency: Annotated[int, typer.Option("--concurrency", min=1, max=256, help="Requests at once.")] = 8,
    per_host: Annotated[int, typer.Option("--per-host", min=1, max=256, help="Requests at once per host.")] = 4,
    fmt: Annotated[FairFormat | None, typer.Option("--format", help="Report format (default: table).")] = None,
    distributed: Annotated[
        bool, typer.Option("--distributed", help="With --all: assess in shards on 'bridge worker's and wait.")
    ] = False,
    outputs: Annotated[
        list[Path] | None,
        typer.Option("--output", "-o", help="Write the report to this file (repeatable: .json, .xml JUnit, .md)."),
    ] = None,
) -> None:
    """Assess FAIRness with the RDA indicators (FAIR EVA's weights, F-UJI's metric ids beside each).

    Exit codes: 0 every Essential indicator passes, 3 one fails, 1 the checker itself failed, 2 bad usage.
    """
    from bridge.fair.report import headline, render
    from bridge.settings import load_settings

    def work() -> None:
        for path in outputs or []:
            check_output_path(path, "--output")
        settings = load_settings()
        extra = None
        if all_records:
            if target:
                raise UsageError("give a folder, a PID or --all, not two of them")
            from bridge.fair.batch import assess_all
            from bridge.fair.online import FairOptions
            from bridge.verify import parse_since

            options = FairOptions(
                since=parse_since(since) if since else None, concurrency=concurrency, per_host=per_host
            )
            reports, extra = assess_all(settings, options, profile=profile, distributed=distributed)
            if not reports:
                err_console.print("nothing to assess: publish something, or run 'bridge harvest' first")
        elif distributed:
            raise UsageError("--distributed goes with --all", hint="bridge fair --all --distributed")
        elif not target:
            raise UsageError("nothing to assess", hint="give an artefact folder, a Handle, a DOI, or --all")
        elif Path(target).is_dir():
            from bridge.fair.assess import assess_path

            reports = [assess_path(Path(target), settings)]
        elif Path(target).exists() or not _looks_like_pid(target):
            raise UsageError(
                f"{target}: no such folder, and not a Handle, DOI or URL",
                hint="give an artefact folder, a Handle (10261/42), a DOI (10.x/y) or a landing URL",
            )
        else:
            from bridge.fair.online import FairOptions, assess_pid

            options = FairOptions(concurrency=concurrency, per_host=per_host)
            reports = [assess_pid(settings, target, options, profile=profile)]
        for path in outputs or []:
            chosen = fmt.value if fmt else SUFFIXES.get(path.suffix.lower(), "table")
            write_atomic(path, render(reports, chosen, extra=extra), what="the FAIR report")
            err_console.print(f"{chosen} report written to {path}", markup=False)
        if not outputs:
            shown = (fmt or FairFormat.table).value
            write_stdout(render(reports, shown, extra=extra), shown)
        broken = [r for r in reports if r.error]
        if broken and len(broken) == len(reports):
            raise TransportError(
                broken[0].error or "the assessment failed",
                hint="check the network and the profile's URLs, then run it again",
            )
        failed = [r for r in reports if r.essential_failed]
        if failed:
            ids = sorted({x.indicator.id for r in failed for x in r.essential_failed})
            raise VerificationError(
                f"{len(failed)} of {len(reports)} assessed: an Essential indicator fails ({', '.join(ids)})"
                if len(reports) > 1
                else f"{headline(failed[0])}: Essential indicator(s) fail: {', '.join(ids)}",
                hint="the advice lines say what to fill in or fix",
            )

    run(work)


def _looks_like_pid(text: str) -> bool:
    from bridge.pid import bare_doi, bare_handle

    return text.startswith(("http://", "https://")) or bool(bare_doi(text) or bare_handle(text))
