"""The page writer: jobs run in order on one thread; a failure stops later jobs and reaches the caller."""

from __future__ import annotations

import threading

import pytest

from bridge.oai.writer import PageWriter


def test_jobs_run_in_order_on_another_thread() -> None:
    done: list[tuple[int, str]] = []
    with PageWriter(depth=1) as writer:
        for i in range(20):
            writer.submit(lambda i=i: done.append((i, threading.current_thread().name)))
    assert [i for i, _ in done] == list(range(20))
    assert {name for _, name in done} == {"page-writer"}


def test_a_failed_job_stops_the_later_ones_and_is_raised() -> None:
    done: list[int] = []

    def fail() -> None:
        raise OSError("disk full")

    writer = PageWriter(depth=4)
    writer.submit(lambda: done.append(1))
    writer.submit(fail)
    writer.submit(lambda: done.append(3))  # queued before the failure is known: must not run after the gap
    with pytest.raises(OSError, match="disk full"):
        writer.close()
    assert done == [1]


def test_submit_raises_once_the_writer_failed() -> None:
    started = threading.Event()

    def fail() -> None:
        started.set()
        raise ValueError("bad row")

    writer = PageWriter(depth=1)
    writer.submit(fail)
    started.wait(5)
    with pytest.raises(ValueError, match="bad row"):
        for _ in range(100):  # the error surfaces at the latest once the failing job has finished
            writer.submit(lambda: None)
            threading.Event().wait(0.01)
    with pytest.raises(ValueError):
        writer.close()


def test_an_error_in_the_caller_still_stores_what_was_queued() -> None:
    done: list[int] = []
    with pytest.raises(KeyError), PageWriter() as writer:
        writer.submit(lambda: done.append(1))
        raise KeyError("fetch failed")
    assert done == [1]
