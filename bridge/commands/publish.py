"""`bridge publish`: deposit an artefact in a repository (the embedded sandbox when no profile is configured)."""

from __future__ import annotations

import enum
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from bridge.commands.output import MaxDuration, emit_json, err_console, human_size, out_console, run
from bridge.commands.progress import showing_progress
from bridge.fsutil import check_output_path
from bridge.targets import TARGETS

# The --target choices: the names in the target table.
TargetChoice = enum.StrEnum("TargetChoice", {name: name for name in TARGETS.names()})  # type: ignore[misc]  # members come from the TARGETS table at run time


def register(app: typer.Typer) -> None:
    app.command("publish")(publish)


def publish(
    path: Annotated[Path, typer.Argument(help="The artefact folder (data files plus metadata files).")],
    profile: Annotated[
        str | None, typer.Option("--profile", help="Profile in bridge.toml (default: the embedded sandbox).")
    ] = None,
    collection: Annotated[
        str | None, typer.Option("--collection", help="Handle of the collection (default: the profile's).")
    ] = None,
    doi: Annotated[bool, typer.Option("--doi/--no-doi", help="Reserve and publish a DataCite DOI.")] = False,
    new_version_of: Annotated[
        str | None, typer.Option("--new-version-of", help="Handle or DOI of the version this one replaces.")
    ] = None,
    target: Annotated[
        TargetChoice | None, typer.Option("--target", help="Deposit protocol (default: the profile's kind).")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be deposited; touch nothing.")] = False,
    receipt: Annotated[Path | None, typer.Option("--receipt", help="Also write the receipt to this file.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print only the receipt, as JSON, on stdout.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation (CI).")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No upload progress bars.")] = False,
    min_fair: Annotated[
        float | None,
        typer.Option("--min-fair", min=0, max=100, help="Refuse to publish below this offline FAIR score (percent)."),
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option("--kind", help="The crosswalk (see 'bridge mappings') when no publish.yaml says it."),
    ] = None,
    max_duration: MaxDuration = None,
) -> None:
    """Deposit an artefact with its checksums, get a Handle (and a DOI with --doi) and write a receipt."""
    from bridge.publish import publish as publish_artifact
    from bridge.settings import load_settings
    from bridge.validate import validate_artifact

    def work() -> None:
        if receipt is not None:
            check_output_path(receipt, "--receipt", create_folders=True)  # before the FAIR check and the deposit
        settings = load_settings()
        # once: the FAIR gate and the deposit share its checksums
        validated = validate_artifact(path, settings, kind=kind)
        _fair_gate(path, settings, min_fair, quiet=as_json, validated=validated)
        interactive = showing_progress(as_json=as_json, quiet=quiet)
        if not dry_run and not as_json and settings.profile(profile) is None:
            err_console.print("no profile configured: publishing to the embedded sandbox (a local test repository)")
        confirm = None if yes or dry_run or not sys.stdin.isatty() else _confirm
        bars = _Bars(err_console) if interactive and not dry_run else None
        try:
            result = publish_artifact(
                path,
                settings,
                profile=profile,
                collection=collection,
                doi=doi,
                new_version_of=new_version_of,
                dry_run=dry_run,
                target=target.value if target else None,
                progress=bars.update if bars else None,
                confirm=confirm,
                receipt_path=receipt,
                validated=validated,
            )
        finally:
            if bars:
                bars.stop()
        if as_json:
            emit_json(result)
        elif dry_run:
            _print_plan(out_console, result)
        else:
            _print_receipt(out_console, result, receipt)

    run(work, max_duration=max_duration)


def _fair_gate(path: Path, settings: Any, min_fair: float | None, *, quiet: bool, validated: Any) -> None:
    """Assess the folder offline first (bridge fair PATH): print the score and top advice; refuse below --min-fair.

    With --json stderr stays quiet (CI logs), unless the score refuses the deposit.
    """
    from bridge.errors import VerificationError
    from bridge.fair import assess_path
    from bridge.fair.report import headline

    report = assess_path(path, settings, validated=validated)
    score = report.score or 0.0
    refused = min_fair is not None and score < min_fair
    if not quiet or refused:
        err_console.print(f"FAIR before publishing: {headline(report)}", markup=False, highlight=False)
        for indicator, advice in report.top_advice():
            err_console.print(f"  advice ({indicator}): {advice}", markup=False, highlight=False)
    if refused:
        raise VerificationError(
            f"not published: the FAIR score {score:.1f}% is below --min-fair {min_fair:g}",
            hint=f"follow the advice above ('bridge fair {path}' shows every indicator), then publish again",
        )


def _confirm(plan: dict[str, Any]) -> bool:
    """Ask on the terminal before writing to a real repository."""
    where = plan["repository"].get("rest_url") or plan["repository"].get("sword_url")
    doi = f" and mint DOI {plan['doi']}" if plan.get("doi") else ""
    question = (
        f"Deposit “{plan['title']}” ({len(plan['files'])} file(s)) into collection {plan['collection']} "
        f"at {where} (profile {plan['profile']}){doi}?"
    )
    return typer.confirm(question, default=False, err=True)


class _Bars:
    """One rich progress bar per uploaded file, on stderr."""

    def __init__(self, console: Any) -> None:
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
        )
        self.tasks: dict[str, Any] = {}
        self.started = False

    def update(self, name: str, done: int, total: int) -> None:
        if not self.started:
            self.progress.start()
            self.started = True
        if name not in self.tasks:
            self.tasks[name] = self.progress.add_task(name, total=total)
        self.progress.update(self.tasks[name], completed=done, total=total)

    def stop(self) -> None:
        if self.started:
            self.progress.stop()


def _print_receipt(console: Any, result: dict[str, Any], receipt_path: Path | None) -> None:
    word = "published" if result["status"] == "published" else "already published"
    console.print(f"[green]{word}[/green] {result['handle']}: “{result['title']}”", highlight=False)
    rows: list[tuple[str, str]] = [
        ("repository", f"{result['profile']} ({result['target']})"),
        ("handle", result["handle_url"]),
        ("landing page", result["landing_url"]),
        ("DOI", f"{result['doi']}  {result['doi_url']}" if result.get("doi") else "none (use --doi)"),
        ("deposit key", result["deposit_key"]),
    ]
    if result.get("new_version_of"):
        rows.append(("new version of", result["new_version_of"]))
    if receipt_path is not None:
        rows.append(("receipt", str(receipt_path)))
    for label, value in rows:
        console.print(f"  {label:<13} {value}", markup=False, highlight=False)
    console.print(f"  files         {len(result['files'])}, MD5 checked against the repository", highlight=False)
    for f in result["files"]:
        console.print(f"    {f['name']}  {human_size(f['size'])}  md5 {f['md5']}", markup=False, highlight=False)
    for warning in result.get("warnings", []):
        console.print(f"  [yellow]warning[/yellow] {warning}", highlight=False)


def _print_plan(console: Any, plan: dict[str, Any]) -> None:
    from rich.table import Table

    repo = plan["repository"].get("rest_url") or plan["repository"].get("sword_url") or "the embedded sandbox"
    console.print("[bold]dry run[/bold]: nothing was deposited", highlight=False)
    console.print(
        f"  would deposit “{plan['title']}” with {plan['target']} into collection "
        f"{plan.get('collection') or '(the first one)'} at {repo} (profile {plan['profile']})",
        markup=False,
        highlight=False,
    )
    if plan.get("doi"):
        console.print(f"  DOI {plan['doi']}: reserved as a draft first, published after the deposit", highlight=False)
    console.print(f"  deposit key {plan['deposit_key']}", highlight=False)
    table = Table("field", "value", title="metadata")
    for field, values in plan["metadata"].items():
        for value in values:
            table.add_row(field, _short(str(value["value"])))
    console.print(table)
    files = Table("file", "size", "md5", title="files")
    for f in plan["files"]:
        files.add_row(f["name"], human_size(f["size"]), f["md5"])
    console.print(files)


def _short(text: str, limit: int = 100) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
