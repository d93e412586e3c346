"""`bridge worker`: a Celery worker that runs harvest windows and verify shards queued by --distributed runs."""

from __future__ import annotations

import enum
import os
from typing import Annotated

import typer

from bridge.commands.output import err_console, run


class PoolChoice(enum.StrEnum):
    threads = "threads"  # the units wait on HTTP and the database: threads are enough and cheap
    prefork = "prefork"
    solo = "solo"


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)


def worker(
    concurrency: Annotated[int, typer.Option("--concurrency", "-c", min=1, max=256, help="Units run at once.")] = 4,
    pool: Annotated[PoolChoice, typer.Option("--pool", help="How units run at once.")] = PoolChoice.threads,
    loglevel: Annotated[str, typer.Option("--loglevel", help="Celery log level.")] = "info",
    name: Annotated[str | None, typer.Option("--name", help="Worker name (default: bridge-<pid>@<host>).")] = None,
) -> None:
    """Run units of 'bridge harvest --distributed' and 'bridge verify --distributed' (broker: BRIDGE_BROKER_URL).

    Every worker and the coordinator must share the ledger (BRIDGE_LEDGER_URL, PostgreSQL). Units are
    acknowledged when done: a worker killed mid-unit has its unit handed to another one, which resumes it.
    """
    from bridge.distributed.app import QUEUE, configure
    from bridge.ledger import open_ledger
    from bridge.ledger.db import _mask
    from bridge.settings import load_settings

    def work() -> list[str]:
        settings = load_settings()
        with open_ledger(settings) as ledger:  # migrate (or refuse) the ledger before taking any unit
            where = ledger.where
        err_console.print(f"bridge worker: broker {_mask(settings.broker_url)}, ledger {where}", markup=False)
        configure(settings)
        return [
            "worker",
            f"--concurrency={concurrency}",
            f"--pool={pool.value}",
            f"--loglevel={loglevel}",
            f"--queues={QUEUE}",
            f"--hostname={name or f'bridge-{os.getpid()}@%h'}",
            "--without-mingle",
            "--without-gossip",
        ]

    argv = run(work)
    from bridge.distributed.app import app

    app.worker_main(argv)
