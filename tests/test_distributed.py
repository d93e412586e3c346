"""Work spread over `bridge worker` processes on real Redis and PostgreSQL (scripts/services.sh starts them).

Two workers harvest 20,000 sandbox records into PostgreSQL with the exact identifier set and no host ever
sees more than --parallel requests at once; a worker SIGKILLed mid-window changes nothing; verify over two
workers gives the local run's report.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from distributed_helpers import bridge_env, start_worker, stop, wait_for_workers, workers

from bridge.ledger import Ledger
from bridge.sandbox.app import SandboxConfig
from bridge.sandbox.seed import seed_store
from bridge.sandbox.server import RunningSandbox, running_sandbox

RECORDS = 20_000
PIDS = 1_000  # tests/benchmarks/bench_scale.py verifies 10,000


def oai_ids(sb: RunningSandbox) -> set[str]:
    host = sb.sandbox.config.oai_host
    return {f"oai:{host}:{r['handle']}" for r in sb.store.query("SELECT handle FROM item WHERE handle IS NOT NULL")}


def bridge(env: dict[str, str], *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bridge", *args], env=env, capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A sandbox data folder with 20,000 seeded items spread over three years (many monthly windows)."""
    data = tmp_path_factory.mktemp("seeded") / "data"
    with running_sandbox(SandboxConfig(data_dir=data), env={}) as sb:
        seed_store(sb.store, RECORDS, seed=7)
    return data


def test_two_workers_harvest_20000_records_into_postgresql(
    seeded: Path, tmp_path: Path, postgres_url: str, redis_url: str
) -> None:
    env = bridge_env(tmp_path / "home", postgres_url, redis_url)
    config = SandboxConfig(data_dir=seeded, faults="oai:latency=1ms", seed=1)  # faults on: counts requests in flight
    with running_sandbox(config, env={}) as sb, workers(env, 2, concurrency=4):
        url = sb.urls["oai"]
        done = bridge(
            env, "harvest", "--endpoint", url, "--distributed", "--parallel", "3", "--windows", "month", "--json"
        )
        assert done.returncode == 0, done.stderr
        summary = json.loads(done.stdout)
        want = oai_ids(sb)
        peak = sb.sandbox.faults.peak_inflight["oai"]
    scope = summary["scopes"][0]
    assert summary["complete"] and summary["endpoint"] == url
    assert scope["windows"] > 12 and scope["records"] == scope["new"] == RECORDS == len(want)
    with Ledger(postgres_url) as ledger:
        assert set(ledger.record_identifiers(url, "oai_dc")) == want
        assert ledger.one("SELECT COUNT(*) AS n FROM record")["n"] == RECORDS
        assert {w["status"] for w in ledger.harvest_windows(scope["run_id"])} == {"done"}
    # 8 worker threads wanted the host; the Redis semaphore let at most --parallel through at once (and more
    # than one: the windows really ran side by side; exactly 3 depends on the machine's load)
    assert 2 <= peak <= 3


def test_a_worker_killed_mid_window_changes_nothing(tmp_path: Path, postgres_url: str, redis_url: str) -> None:
    # longer than the window takes (with a dead lease of 15 s to wait out), or a live unit is handed out twice
    env = bridge_env(tmp_path / "home", postgres_url, redis_url, BRIDGE_WORKER_VISIBILITY_TIMEOUT="25")
    config = SandboxConfig(data_dir=tmp_path / "data", page_size=20, faults="oai:latency=60ms", seed=1)
    with running_sandbox(config, env={}) as sb:
        seed_store(sb.store, 600, seed=3)
        url = sb.urls["oai"]
        first = start_worker(env, "doomed", concurrency=1)
        later: list[Any] = []
        coordinator: subprocess.Popen[str] | None = None
        try:
            wait_for_workers(redis_url, {"doomed"})
            coordinator = subprocess.Popen(
                [sys.executable, "-m", "bridge", "harvest", "--endpoint", url, "--distributed", "--windows", "none",
                 "--json"],
                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            )  # fmt: skip
            pages = _wait_for_pages(postgres_url, 4)
            first.kill()  # SIGKILL: no goodbye, the unit stays unacknowledged on the broker
            first.wait(timeout=10)
            with Ledger(postgres_url) as ledger:
                (window,) = ledger.query("SELECT status, pages FROM harvest_window")
            assert window["status"] == "running" and 4 <= window["pages"] < 30, (window, pages)
            later.append(start_worker(env, "heir", concurrency=2))
            out, err = coordinator.communicate(timeout=180)
        finally:
            stop([first, *later])
            if (
                coordinator is not None and coordinator.poll() is None
            ):  # the test failed before it finished: leave nothing behind
                coordinator.kill()
                coordinator.wait(timeout=10)
        assert coordinator.returncode == 0, err
        want = oai_ids(sb)
        local = bridge({**env, "BRIDGE_LEDGER_URL": str(tmp_path / "local.sqlite")}, "harvest", "--endpoint", url)
        assert local.returncode == 0, local.stderr
    summary = json.loads(out)["scopes"][0]
    assert summary["complete"] and summary["records"] == 600
    with Ledger(postgres_url) as dist, Ledger(tmp_path / "local.sqlite") as alone:
        assert set(dist.record_identifiers(url, "oai_dc")) == want
        # the same records, metadata and all, as a harvest nobody killed
        assert [_same(r) for r in dist.records()] == [_same(r) for r in alone.records()]
        (window,) = dist.query("SELECT status, pages, records FROM harvest_window")
    # resumed from its checkpoint, not restarted: each of the 30 pages was committed once
    assert (window["status"], window["pages"], window["records"]) == ("done", 30, 600)


def _same(record: Any) -> tuple[Any, ...]:
    return (record.identifier, record.datestamp, record.deleted, record.sets, json.dumps(record.metadata))


def _wait_for_pages(ledger_url: str, pages: int, timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    with Ledger(ledger_url) as ledger:
        while time.monotonic() < deadline:
            row = ledger.one("SELECT SUM(pages) AS p FROM harvest_window")
            if row and (row["p"] or 0) >= pages:
                return int(row["p"])
            time.sleep(0.05)
    raise AssertionError(f"no {pages} pages harvested within {timeout} s")


def test_verify_over_two_workers_gives_the_local_report(
    seeded: Path, tmp_path: Path, postgres_url: str, redis_url: str
) -> None:
    env = bridge_env(tmp_path / "home", postgres_url, redis_url)
    with running_sandbox(SandboxConfig(data_dir=seeded), env={}) as sb:
        from bridge.commands.sandbox import profile_for

        config = tmp_path / "bridge.toml"
        config.write_text(tomli_w.dumps({"default_profile": "sb", "profiles": {"sb": profile_for(sb.sandbox)}}))
        env["BRIDGE_CONFIG"] = str(config)
        url = sb.urls["oai"]
        assert bridge(env, "harvest", "--endpoint", url, "--until", _until_for(sb, PIDS)).returncode == 0
        with Ledger(postgres_url) as ledger:
            live = ledger.query("SELECT COUNT(*) AS n FROM record WHERE deleted = 0")[0]["n"]
        assert PIDS * 0.8 < live < PIDS * 1.2
        local = bridge(env, "verify", "--format", "json", "--concurrency", "16")
        with workers(env, 2, concurrency=2):
            spread = bridge(env, "verify", "--format", "json", "--concurrency", "16", "--distributed")
    assert local.returncode == spread.returncode == 3, (local.stderr, spread.stderr)  # unregistered DOIs fail
    assert local.stderr.strip().splitlines()[-2:] == spread.stderr.strip().splitlines()[-2:]
    mine, theirs = json.loads(local.stdout), json.loads(spread.stdout)
    assert mine["summary"] == theirs["summary"] and mine["summary"]["total"] > 2 * live
    assert theirs["run"]["subjects"] == mine["run"]["subjects"] == {"harvested": live}
    assert [_result(r) for r in mine["results"]] == [_result(r) for r in theirs["results"]]


def _result(r: dict[str, Any]) -> tuple[Any, ...]:
    return (r["pid"], r["check"], r["status"], r["detail"], r.get("url"), r["subject"])


def _until_for(sb: RunningSandbox, n: int) -> str:
    """Return the day by which about `n` items exist (seeded items are spread over three years)."""
    rows = sb.store.query("SELECT last_modified FROM item WHERE handle IS NOT NULL ORDER BY last_modified")
    return str(rows[min(n, len(rows)) - 1]["last_modified"])[:10]


def test_no_worker_is_a_clear_error(tmp_path: Path, postgres_url: str, redis_url: str) -> None:
    env = bridge_env(tmp_path / "home", postgres_url, redis_url)
    with running_sandbox(SandboxConfig(data_dir=tmp_path / "data"), env={}) as sb:
        seed_store(sb.store, 5, seed=1)
        done = bridge(env, "harvest", "--endpoint", sb.urls["oai"], "--distributed", timeout=60)
    assert done.returncode == 1
    assert "no bridge worker answers on the broker redis://127.0.0.1" in done.stderr
    assert "Traceback" not in done.stderr


def test_endpoints_file_lists_toml_and_bad_input(tmp_path: Path) -> None:
    from bridge.endpoints import read_endpoints
    from bridge.errors import UsageError

    plain = tmp_path / "list.txt"
    plain.write_text("# providers\nhttps://a.example/oai\n\nhttp://b.example:8080/oai  # comment\n")
    assert [e.url for e in read_endpoints(plain)] == ["https://a.example/oai", "http://b.example:8080/oai"]
    toml = tmp_path / "e.toml"
    toml.write_text('[[endpoint]]\nurl = "https://a.example/oai"\nprefix = "oai_datacite"\nset = ["s1", "s2"]\n'
                    "parallel = 2\n")  # fmt: skip
    (spec,) = read_endpoints(toml)
    assert (spec.prefixes, spec.sets, spec.parallel, spec.host) == (["oai_datacite"], ["s1", "s2"], 2, "a.example")
    for text, message in (
        ("https://a.example/oai\nftp://x/oai\n", "list.txt:2: 'ftp://x/oai' is not an http(s) URL"),
        ("https://a.example/oai\nhttps://a.example/oai\n", "is listed twice"),
        ("", "no endpoints"),
    ):
        plain.write_text(text)
        with pytest.raises(UsageError, match=message.replace("(", r"\(").replace(")", r"\)")):
            read_endpoints(plain)
    toml.write_text('[[endpoint]]\nurl = "https://a.example/oai"\npolite = 2\n')
    with pytest.raises(UsageError, match=r"e.toml: endpoint\[0\]: unknown key 'polite'"):
        read_endpoints(toml)


def test_fair_all_over_two_workers_gives_the_local_reports(tmp_path: Path, postgres_url: str, redis_url: str) -> None:
    env = bridge_env(tmp_path / "home", postgres_url, redis_url)
    with running_sandbox(SandboxConfig(data_dir=tmp_path / "data"), env={}) as sb:
        from bridge.commands.sandbox import profile_for

        seed_store(sb.store, 30, seed=5)
        config = tmp_path / "bridge.toml"
        config.write_text(tomli_w.dumps({"default_profile": "sb", "profiles": {"sb": profile_for(sb.sandbox)}}))
        env["BRIDGE_CONFIG"] = str(config)
        assert bridge(env, "harvest").returncode == 0
        local = bridge(env, "fair", "--all", "--format", "json")
        with workers(env, 2, concurrency=2):
            spread = bridge(env, "fair", "--all", "--format", "json", "--distributed")
    assert local.returncode == spread.returncode == 3, spread.stderr  # seeded items link no files: Essential fails
    mine, theirs = json.loads(local.stdout), json.loads(spread.stdout)
    assert mine["summary"] == theirs["summary"] and mine["summary"]["records"] > 20
    assert mine["reports"] == theirs["reports"]
    assert local.stderr.splitlines()[-2:] == spread.stderr.splitlines()[-2:]


def test_worker_and_endpoints_usage_errors_are_one_line(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from bridge.cli import app

    runner = CliRunner()
    bad = runner.invoke(app, ["worker"], env={"BRIDGE_LEDGER_URL": "mysql://u:secret@db/x"})
    assert bad.exit_code == 1 and "unsupported ledger URL 'mysql://u:***@db/x'" in bad.stderr
    assert "secret" not in bad.output and "Traceback" not in bad.output
    listed = tmp_path / "endpoints.txt"
    listed.write_text("https://a.example/oai\nnot a url\n")
    out = runner.invoke(app, ["harvest", "--endpoints", str(listed)])
    assert out.exit_code == 2 and "endpoints.txt:2: 'not a url' is not an http(s) URL" in out.stderr
    both = runner.invoke(app, ["harvest", "--endpoints", str(listed), "--endpoint", "https://a.example/oai"])
    assert both.exit_code == 2 and "give --endpoints, or --profile/--endpoint, not both" in both.stderr
