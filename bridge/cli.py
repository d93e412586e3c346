"""The `bridge` command: thin Typer commands over the library, and the one error boundary."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from bridge import __version__
from bridge.errors import EXIT_USAGE, BridgeError

app = typer.Typer(
    name="bridge",
    help="Publish research outputs to DSpace repositories and prove they stay findable.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# No emoji codes and no highlighting: messages quote user data (":x:" in a masked IPv6 address must stay text).
err_console = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)
out_console = Console(highlight=False, soft_wrap=True, emoji=False)

T = TypeVar("T")


def run(fn: Callable[[], T]) -> T:
    """The single error boundary: a BridgeError becomes clear lines on stderr and an exit code."""
    try:
        return fn()
    except BridgeError as exc:
        for i, line in enumerate(exc.lines()):
            if i == 0:
                err_console.print(f"[red]error:[/red] {escape(line)}")
            else:
                err_console.print(f"  {line}", markup=False)
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        err_console.print("interrupted")
        raise typer.Exit(130) from None


def emit_json(data: Any) -> None:
    """Write one JSON document to stdout (nothing else goes to stdout with --json)."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


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
        import os

        if os.environ.get("BRIDGE_DEBUG"):
            raise
        sys.exit(1)


def path_argument(help_text: str) -> Any:
    return typer.Argument(..., help=help_text, exists=False, show_default=False)


def require_dir(path: Path) -> Path:
    from bridge.errors import UsageError

    if not path.exists():
        raise UsageError(f"{path}: no such folder", hint="give the path of an artefact folder")
    if not path.is_dir():
        raise UsageError(f"{path}: not a folder", hint="an artefact is a folder of files plus metadata")
    return path


# Each command module adds its commands to `app`; imported last so they can import from here.
from bridge.commands import register  # noqa: E402

register(app)

__all__ = ["EXIT_USAGE", "app", "emit_json", "err_console", "main", "out_console", "require_dir", "run"]
