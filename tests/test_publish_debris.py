"""No debris after a crash: kill -9 between creating the draft and writing its metadata, re-run, 20 times.

Each trial publishes a new artefact (its own title, so its own deposit key) with ``BRIDGE_TEST_CRASH_AFTER`` at
one of the points between the creation of the repository's draft and its metadata, then runs the same command
again, with the ledger of the killed run or on a fresh runner (a new BRIDGE_HOME: no ledger, no journal). After
every trial the repository holds exactly one item per artefact and no workspace item. The runs are children
forked from one warm process (tests/fork_runner.py), so 20 trials take seconds, not minutes of imports.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from fork_runner import ForkRunner

from bridge.targets import KEY_PREFIX

TRIALS = 20
# The journal points between "the repository made the draft" and "the draft carries our metadata".
CRASH_POINTS = {
    "dspace7": ["workspace-item:sent", "workspace-item:done", "metadata:started"],
    "sword2": ["sword-create:sent", "sword-create:done", "sword-files:started"],
}


@pytest.fixture(scope="module")
def runner(fixtures_dir: Path) -> Iterator[ForkRunner]:
    driver = ForkRunner(warm_up=fixtures_dir / "plant-classifier")
    yield driver
    driver.close()


def artefact(fixtures_dir: Path, into: Path, trial: int) -> Path:
    folder = into / f"artefact-{trial}"
    shutil.copytree(fixtures_dir / "plant-classifier", folder)
    meta = folder / "publish.yaml"
    text = meta.read_text(encoding="utf-8")
    title = "title: Plant species classifier (small CNN) trained on a PlantNet-300K subset"
    assert title in text
    meta.write_text(text.replace(title, f"{title}, crash trial {trial}"), encoding="utf-8")
    return folder


def publish(runner: ForkRunner, folder: Path, kind: str, env: dict[str, str], **extra: str):
    argv = ["publish", str(folder), "--json", "--yes", "--no-doi", "--target", kind]
    return runner.run(argv, {**env, **extra}, Path.cwd())


@pytest.mark.parametrize("fresh", [False, True], ids=["with-ledger", "fresh-runner"])
@pytest.mark.parametrize("kind", ["dspace7", "sword2"])
def test_twenty_killed_publishes_leave_one_item_each_and_no_draft(
    sandbox, sandbox_settings, fixtures_dir, tmp_path, runner, kind, fresh
):
    env = dict(os.environ)
    deposited: set[str] = set()
    for trial in range(TRIALS):
        folder = artefact(fixtures_dir, tmp_path, trial)
        point = CRASH_POINTS[kind][trial % len(CRASH_POINTS[kind])]
        killed = publish(runner, folder, kind, env, BRIDGE_TEST_CRASH_AFTER=point)
        assert killed.returncode == -signal.SIGKILL, f"trial {trial}: no kill at {point}:\n{killed.stderr}"
        rerun_env = env
        if fresh:  # a new CI runner: another home, so no ledger and no journal of the killed run
            home = tmp_path / f"fresh-home-{trial}"
            rerun_env = {k: v for k, v in env.items() if k != "BRIDGE_LEDGER_URL"} | {"BRIDGE_HOME": str(home)}
        finished = publish(runner, folder, kind, rerun_env)
        assert finished.returncode == 0, f"trial {trial} ({point}): {finished.stderr}"
        receipt = json.loads(finished.stdout)
        deposited.add(KEY_PREFIX + receipt["deposit_key"])
        items = [sandbox.store.item(r["uuid"]) for r in sandbox.store.query("SELECT uuid FROM item")]
        keys = [
            v["value"]
            for item in items
            for name, values in item["metadata"].items()
            if name.startswith("dc.identifier")
            for v in values
            if v["value"].startswith(KEY_PREFIX)
        ]
        assert len(items) == trial + 1, f"trial {trial} ({point}): {len(items)} items for {trial + 1} artefacts"
        assert sorted(keys) == sorted(deposited), f"trial {trial} ({point}): an item is missing or doubled"
        assert all(item["in_archive"] and item["handle"] for item in items)
        drafts = sandbox.store.one("SELECT COUNT(*) AS n FROM workspaceitem")["n"]
        assert drafts == 0, f"trial {trial} ({point}): {drafts} workspace item(s) left behind"
