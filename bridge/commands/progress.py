"""Progress bars for long operations: rich on a terminal's stderr, nothing on a pipe or with --json/--quiet.

The library reports progress through plain callbacks (done, total); a command turns them into one bar with
the count, the rate and the time left. ``progress_bar(...)`` returns a bar that does nothing when progress
must not be shown, so commands call ``update`` unconditionally.
"""

from __future__ import annotations

import sys
from types import TracebackType
from typing import Any

from rich.console import Console

from bridge.commands.output import err_console


def showing_progress(*, as_json: bool = False, quiet: bool = False, console: Console | None = None) -> bool:
    """Tell whether to draw progress: only on a terminal's stderr, and never with --json or --quiet."""
    console = console or err_console
    return not (as_json or quiet) and console.is_terminal and sys.stderr.isatty()


def _rich_progress(unit: str, console: Console) -> Any:
    """Build the rich Progress (imported here: every command start would pay for rich.progress otherwise)."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        Task,
        TextColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    class RateColumn(ProgressColumn):
        """The task's speed in its own unit: '1,234 records/s'."""

        def render(self, task: Task) -> Text:
            speed = task.finished_speed or task.speed
            return Text(f"{speed:,.0f} {unit}/s" if speed else f"- {unit}/s", style="progress.data.speed")

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(unit),
        RateColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
    )


class Bar:
    """One progress bar (count, rate, time left) on stderr, or nothing when `enabled` is false."""

    def __init__(self, description: str, unit: str, *, enabled: bool, console: Console | None = None) -> None:
        self.enabled = enabled
        self.progress: Any = None
        self.task: Any = None
        if enabled:
            self.progress = _rich_progress(unit, console or err_console)
            self.task = self.progress.add_task(description, total=None)

    def update(self, done: int, total: int | None = None, *, description: str | None = None) -> None:
        """Set how much is done and, when known, of how much."""
        if self.progress is None:
            return
        if not self.progress.live.is_started:
            self.progress.start()
        fields: dict[str, Any] = {"completed": done}
        if total is not None:
            fields["total"] = max(total, done)
        if description is not None:
            fields["description"] = description
        self.progress.update(self.task, **fields)

    def close(self) -> None:
        if self.progress is not None and self.progress.live.is_started:
            self.progress.stop()

    def __enter__(self) -> Bar:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


def progress_bar(description: str, unit: str, *, as_json: bool = False, quiet: bool = False) -> Bar:
    """Return a bar that draws only when progress should be shown (see `showing_progress`)."""
    return Bar(description, unit, enabled=showing_progress(as_json=as_json, quiet=quiet))
