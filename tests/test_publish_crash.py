"""Kill `bridge publish` with SIGKILL at a step (a subprocess), run it again: one item, no drafts, the DOI right.

The child runs ``python -m bridge publish`` with ``BRIDGE_TEST_CRASH_AFTER=<step>[:phase]`` (the test hook of
bridge.targets), against the sandbox that runs in this test process and so survives the kill.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bridge.targets import KEY_PREFIX

CASES = [
    # (target, fixture, where the process dies, delete the ledger before the re-run)
    ("dspace7", "plant-classifier", "doi-reserve", False),
    ("dspace7", "plant-classifier", "workspace-item:sent", False),
    ("dspace7", "plant-classifier", "metadata:sent", False),
    ("dspace7", "monitoring-logs", "upload:syslog-2026-10-15.log:sent", False),
    ("dspace7", "plant-classifier", "license:started", False),
    ("dspace7", "plant-classifier", "deposit:sent", False),
    ("dspace7", "plant-classifier", "deposit:sent", True),
    ("dspace7", "plant-classifier", "doi-publish:started", False),
    ("sword2", "plant-classifier", "sword-create:sent", False),
    ("sword2", "monitoring-logs", "sword-files:sent", False),
    ("sword2", "plant-classifier", "sword-complete:sent", True),
]


def run(folder: Path, kind: str, *, doi: bool = True, **env: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "bridge", "publish", str(folder), "--json", "--yes", "--target", kind]
    command.append("--doi" if doi else "--no-doi")
    return subprocess.run(
        command, cwd=Path.cwd(), env={**os.environ, **env}, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.parametrize(
    ("kind", "fixture", "step", "fresh"), CASES, ids=[f"{c[0]}-{c[2]}{'-fresh' if c[3] else ''}" for c in CASES]
)
def test_killed_publish_is_finished_by_a_rerun(sandbox, sandbox_settings, fixtures_dir, kind, fixture, step, fresh):
    folder = fixtures_dir / fixture
    killed = run(folder, kind, BRIDGE_TEST_CRASH_AFTER=step)
    assert killed.returncode == -signal.SIGKILL, f"the hook did not fire at {step}:\n{killed.stderr}"
    assert killed.stdout == ""
    if fresh:
        for leftover in sandbox_settings.home.glob("ledger.sqlite*"):
            leftover.unlink()
    finished = run(folder, kind)
    assert finished.returncode == 0, finished.stderr
    receipt = json.loads(finished.stdout)
    assert receipt["status"] in ("published", "already-published")
    key = KEY_PREFIX + receipt["deposit_key"]
    items = [sandbox.store.item(r["uuid"]) for r in sandbox.store.query("SELECT uuid FROM item")]
    assert len(items) == 1, "a second item was made"
    (item,) = items
    values = [v["value"] for name, vs in item["metadata"].items() if name.startswith("dc.identifier") for v in vs]
    assert key in values
    assert item["in_archive"] and item["handle"] == receipt["handle"]
    assert sandbox.store.one("SELECT COUNT(*) AS n FROM workspaceitem")["n"] == 0, "an orphan draft was left"
    stored = {b["name"]: b["md5"] for b in sandbox.store.item_bitstreams(item["uuid"])}
    assert stored == {f["name"]: f["md5"] for f in receipt["files"]}
    dois = sandbox.store.query("SELECT doi, state, url FROM doi")
    assert dois == [{"doi": receipt["doi"], "state": "findable", "url": receipt["landing_url"]}]
    assert f"https://doi.org/{receipt['doi']}" in values


def test_a_doi_reserved_by_a_killed_run_is_finished_even_without_doi(sandbox, sandbox_settings, fixtures_dir):
    folder = fixtures_dir / "plant-classifier"
    killed = run(folder, "dspace7", BRIDGE_TEST_CRASH_AFTER="metadata:sent")  # the draft already names the DOI
    assert killed.returncode == -signal.SIGKILL
    finished = run(folder, "dspace7", doi=False)
    assert finished.returncode == 0, finished.stderr
    receipt = json.loads(finished.stdout)
    assert receipt["doi"] and any("reserved by an earlier run" in w for w in receipt["warnings"])
    dois = sandbox.store.query("SELECT doi, state, url FROM doi")
    assert dois == [{"doi": receipt["doi"], "state": "findable", "url": receipt["landing_url"]}]
    assert len(sandbox.store.query("SELECT uuid FROM item")) == 1
