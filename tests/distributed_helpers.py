"""Helpers of the distributed tests and benchmark: real `bridge worker` processes on real Redis/PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def bridge_env(home: Path, ledger_url: str, broker_url: str, **extra: str) -> dict[str, str]:
    """The environment every worker and the coordinator share: one ledger, one broker."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIDGE_") or k == "BRIDGE_XSD_DIR"}
    env.update(BRIDGE_HOME=str(home), BRIDGE_LEDGER_URL=ledger_url, BRIDGE_BROKER_URL=broker_url, **extra)
    return env


def start_worker(
    env: dict[str, str], name: str, concurrency: int = 4, log: Path | None = None
) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "bridge", "worker", "--concurrency", str(concurrency), "--name", f"{name}@%h"]
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - closed with the process
    return subprocess.Popen([*cmd, "--loglevel", "warning"], env=env, stdout=out, stderr=subprocess.STDOUT)


def wait_for_workers(broker_url: str, names: set[str], timeout: float = 60) -> None:
    """Wait until every named worker answers a ping on the broker."""
    from celery import Celery

    probe = Celery("probe", broker=broker_url, backend=broker_url)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            answered = {next(iter(r)).split("@", 1)[0] for r in probe.control.ping(timeout=1.0) or []}
            if names <= answered:
                return
        raise AssertionError(f"workers {sorted(names)} did not answer within {timeout} s")
    finally:
        probe.close()


def stop(procs: list[subprocess.Popen[Any]]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@contextmanager
def workers(env: dict[str, str], n: int, *, concurrency: int = 4, log: Path | None = None) -> Iterator[list[Any]]:
    """Run `n` workers in separate processes for the block."""
    procs = [start_worker(env, f"w{i}", concurrency, log) for i in range(n)]
    try:
        wait_for_workers(env["BRIDGE_BROKER_URL"], {f"w{i}" for i in range(n)})
        yield procs
    finally:
        stop(procs)
