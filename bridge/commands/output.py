"""What every command shares on the terminal: the consoles, JSON output, sizes, and the error boundary."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from bridge.errors import BridgeError

# No emoji codes and no highlighting: messages quote user data (":x:" in a masked IPv6 address must stay text).
err_console = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)
out_console = Console(highlight=False, soft_wrap=True, emoji=False)

T = TypeVar("T")


def run(fn: Callable[[], T]) -> T:
    """Run a command's work inside the single error boundary: a BridgeError becomes clear lines and an exit code."""
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


def human_size(size: int) -> str:
    """Return a byte count as people read it: 512 B, 1.5 KB, 3.2 GB."""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"
