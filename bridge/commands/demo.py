"""`bridge demo`: the one-command tour — sandbox, publish both examples, harvest, verify, and where to look."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from bridge.commands.output import emit_json, err_console, out_console, run


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def demo(
    as_json: Annotated[bool, typer.Option("--json", help="Print what happened as JSON on stdout.")] = False,
    fixtures: Annotated[
        Path | None,
        typer.Option("--fixtures", help="Folder with the example artefacts (default: those installed with the bridge)"),
    ] = None,
) -> None:
    """Publish the example artefacts to the local sandbox, harvest them back and verify them (under a minute)."""
    from bridge.demo import run_demo
    from bridge.errors import VerificationError
    from bridge.settings import load_settings

    def work() -> None:
        say = None if as_json else (lambda line: err_console.print(line, markup=False, highlight=False))
        result = run_demo(load_settings(), fixtures=fixtures, say=say)
        if as_json:
            emit_json(result)
        else:
            _print(out_console, result)
        summary = result["verify"]["summary"]
        if summary["failed"]:
            raise VerificationError(
                f"the demo's verification found {summary['failed']} broken check(s)",
                hint="this should not happen on a fresh sandbox; 'bridge verify --format json' shows the details",
            )

    run(work)


def _print(console: Any, result: dict[str, Any]) -> None:
    from rich.table import Table
    from rich.text import Text

    console.print()
    console.print(Text("What was published", style="bold"))
    for p in result["published"]:
        console.print(Text(f"  {p['artefact']} ({p['status']}): {p['title']}"))
        console.print(Text(f"    landing page  {p['landing_url']}"))
        console.print(Text(f"    Handle        {p['handle']}  ({p['handle_url']})"))
        if p["doi"]:
            console.print(Text(f"    DOI           {p['doi']}  (sandbox DataCite, test prefix)"))
        console.print(Text(f"    receipt       {p['receipt']}"))
    verify = result["verify"]
    table = Table("status", "check", "pid", "detail")
    for r in verify["results"]:
        style = {"passed": "green", "failed": "bold red", "pending": "yellow"}[r["status"]]
        table.add_row(Text(r["status"], style=style), r["check"], Text(r["pid"]), Text(r["detail"]))
    console.print()
    console.print(Text("What verify checked", style="bold"))
    console.print(table)
    s = verify["summary"]
    console.print(Text(f"{s['failed']} failed, {s['pending']} pending, {s['passed']} passed ({s['total']} checks)"))
    console.print()
    console.print(Text("How FAIR (bridge fair; RDA indicators, FAIR EVA weights)", style="bold"))
    for f in result.get("fair", []):
        e = f["essential_after"]
        console.print(
            Text(
                f"  {f['artefact']}: {f['before']:.1f}% before publishing, {f['after']:.1f}% after "
                f"(Essential {e['passed']}/{e['total']}); 'bridge fair {f['pid']}' shows why"
            )
        )
    urls = result["sandbox"]["urls"]
    console.print()
    console.print(Text("Where to look", style="bold"))
    lines = [
        f"  sandbox data     {result['sandbox']['data_dir']}",
        f"  ledger           {result['ledger']}",
        f"  OAI-PMH          {urls.get('oai', '')}?verb=ListRecords&metadataPrefix=oai_dc",
        f"  DSpace REST      {urls.get('rest', '')}",
        "  the sandbox stopped with the demo; 'bridge sandbox serve' serves the same URLs again",
        "  then: 'bridge records' (harvested records), 'bridge verify' (checks again), docs/usage.md (CI and cron)",
        f"  done in {result['seconds']} s",
    ]
    for line in lines:
        console.print(Text(line))
