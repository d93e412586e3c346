"""What every command shares on the terminal: the consoles, JSON output, sizes, and the error boundary."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterable
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.segment import Segment

from bridge.errors import BridgeError, printable


class SafeConsole(Console):
    """A console that escapes terminal control characters in everything it prints."""

    # Text quoting a file or a server (a title, a file name, a repository's error) must not move the cursor,
    # recolour, retitle or clear the terminal, nor reorder a line with bidi overrides. Rich's own control
    # segments (cursor moves of progress bars) pass; ANSI styles are added after this, when rendering styles.
    def _render_buffer(self, buffer: Iterable[Segment]) -> str:
        return super()._render_buffer(
            segment if segment.control else Segment(printable(segment.text, keep="\n\t"), segment.style)
            for segment in buffer
        )


# No emoji codes and no highlighting: messages quote user data (":x:" in a masked IPv6 address must stay text).
err_console = SafeConsole(stderr=True, highlight=False, soft_wrap=True, emoji=False)
out_console = SafeConsole(highlight=False, soft_wrap=True, emoji=False)
# Characters JSON may carry raw that a terminal still obeys (C1 controls, bidi, line separators): written as \\uXXXX.
_JSON_RAW = re.compile("[\x7f-\x9f\u200b\u2028-\u202e\u2060-\u2069\ufeff]")

T = TypeVar("T")

# --max-duration of harvest, verify and publish: every request of the run is bounded by it (bridge.http_bounds).
MaxDuration = Annotated[
    float | None,
    typer.Option(
        "--max-duration",
        min=0.001,
        help="Stop the run after this many seconds (every request, however slow the server); re-run to resume.",
    ),
]


def run(fn: Callable[[], T], *, max_duration: float | None = None) -> T:
    """Run a command's work inside the single error boundary: a BridgeError becomes clear lines and an exit code."""
    from bridge.http_bounds import run_deadline

    try:
        with run_deadline(max_duration):
            return fn()
    except BridgeError as exc:
        for i, line in enumerate(exc.lines()):
            line = printable(line)  # one line each, even when a file name or a server's message holds a newline
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
    text = json.dumps(data, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write(_JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n")


def write_stdout(text: str, fmt: str) -> None:
    """Write a rendered report to stdout with what a terminal obeys escaped, losslessly where the format allows.

    JSON and JSON lines get \\uXXXX escapes and XML (JUnit) character references, which parse to the same
    data; text formats (table, Markdown) are for people and get printable(); CSV is data that no escape keeps
    intact, so it is escaped only on a terminal.
    """
    if fmt in ("json", "jsonl"):
        text = _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    elif fmt in ("junit", "xml"):
        text = _JSON_RAW.sub(lambda m: f"&#x{ord(m.group()):x};", text)
    elif fmt != "csv" or sys.stdout.isatty():
        text = printable(text, keep="\n\t")
    sys.stdout.write(text)


def human_size(size: int) -> str:
    """Return a byte count as people read it: 512 B, 1.5 KB, 3.2 GB."""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"
