"""`bridge ledger export|import`: move the ledger between SQLite and PostgreSQL without loss."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

LEDGER_HELP = "Ledger to use: postgresql://… or a SQLite path (default: BRIDGE_LEDGER_URL, else BRIDGE_HOME)."


def register(app: typer.Typer) -> None:
    ledger = typer.Typer(
        name="ledger", help="Export the ledger to a file, or import one (SQLite <-> PostgreSQL).", no_args_is_help=True
    )
    ledger.command("export")(export)
    ledger.command("import")(import_)
    app.add_typer(ledger)


def export(
    output: Annotated[Path, typer.Argument(help="File to write (.jsonl, or .jsonl.gz to compress).")],
    ledger_url: Annotated[str | None, typer.Option("--ledger", help=LEDGER_HELP)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Write every deposit, harvested record and verify result of the ledger to a file."""
    from bridge.commands.output import emit_json, out_console, run
    from bridge.fsutil import check_output_path
    from bridge.ledger import Ledger
    from bridge.ledger.transfer import export_ledger
    from bridge.settings import load_settings

    def work() -> None:
        check_output_path(output, "OUTPUT")  # before reading a ledger that may be large
        with Ledger(ledger_url or load_settings().ledger_url) as ledger:
            summary = export_ledger(ledger, output)
        if as_json:
            emit_json(summary.as_dict())
        else:
            out_console.print(f"exported {sum(summary.rows.values())} rows from {summary.ledger} to {output}")

    run(work)


def import_(
    source: Annotated[Path, typer.Argument(help="A file written by 'bridge ledger export'.")],
    ledger_url: Annotated[str | None, typer.Option("--ledger", help=LEDGER_HELP)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Load an exported ledger into an empty ledger (ids, raw XML and results kept)."""
    from bridge.commands.output import emit_json, out_console, run
    from bridge.errors import UsageError
    from bridge.ledger import Ledger
    from bridge.ledger.transfer import import_ledger
    from bridge.settings import load_settings

    def work() -> None:
        if not source.is_file():
            raise UsageError(f"{source}: no such file", hint="give a file written by 'bridge ledger export'")
        with Ledger(ledger_url or load_settings().ledger_url) as ledger:
            summary = import_ledger(ledger, source)
        if as_json:
            emit_json(summary.as_dict())
        else:
            out_console.print(f"imported {sum(summary.rows.values())} rows from {source} into {summary.ledger}")

    run(work)
