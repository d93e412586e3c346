"""A page writer: one thread that stores a token chain's pages in order while the next page is fetched.

The harvester hands each fetched page to the writer and asks for the next one at once, so the records of
page N are built, compressed and committed while the request for page N+1 waits on the network. Pages are
committed strictly in the order they were handed over, each with its own token in one transaction, so
the checkpoint stays exactly per page: a killed harvest resumes after the last committed page, and the
pages fetched but not yet committed are fetched again. At most ``depth`` pages wait, which bounds memory.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable
from types import TracebackType

Job = Callable[[], None]
DEPTH = 2  # pages waiting for the writer; one is enough to overlap, two absorbs jitter


class PageWriter:
    """Run jobs on one background thread in order; the first failure is raised in the submitting thread."""

    def __init__(self, depth: int = DEPTH, *, name: str = "page-writer") -> None:
        self._jobs: queue.Queue[Job | None] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            if self._error is None:  # after a failure nothing more is committed: no page past a gap
                try:
                    job()
                except BaseException as exc:  # handed to the harvesting thread, which decides
                    self._error = exc

    def submit(self, job: Job) -> None:
        """Queue a job (blocking while `depth` jobs wait); raise the error of an earlier job, if any."""
        if self._error is not None:
            raise self._error
        self._jobs.put(job)

    def close(self) -> None:
        """Wait for every queued job; raise the first error."""
        if self._thread.is_alive():
            self._jobs.put(None)
            self._thread.join()
        if self._error is not None:
            raise self._error

    def __enter__(self) -> PageWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if exc is None:
            self.close()
            return
        with contextlib.suppress(BaseException):  # already failing: keep what was fetched, report the first error
            self.close()
