"""The `bridge` command: the root Typer app, its command modules, and the guard against internal errors."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from bridge import __version__
from bridge.commands import anonymise, demo, fair, harvest, ledger, metadata, publish, sandbox, verify, worker
from bridge.commands.output import err_console, out_console
from bridge.settings import debug_enabled

app = typer.Typer(
    name="bridge",
    help="Publish research outputs to DSpace repositories and prove they stay findable.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Each command module adds its commands to `app`, in the order `bridge --help` lists them.
for module in (demo, fair, harvest, metadata, anonymise, publish, sandbox, verify, ledger, worker):
    module.register(app)


def version_callback(value: bool) -> None:
    if value:
        out_console.print(f"oai-bridge {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=version_callback, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Publish research outputs to DSpace repositories and prove they stay findable."""


def main() -> None:
    try:
        app()
    except SystemExit as exc:  # click's usage errors exit 2 already; keep codes as they are
        raise exc
    except Exception as exc:  # a bug, not a user mistake: say so briefly, keep the traceback out of CI logs
        err_console.print(f"error: internal error: {type(exc).__name__}: {exc}")
        err_console.print("  this is a bug in oai-bridge; rerun with BRIDGE_DEBUG=1 for a traceback")
        if debug_enabled():
            raise
        sys.exit(1)


__all__ = ["app", "main"]
