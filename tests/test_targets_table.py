"""The target table: a third target, written and registered here only, publishes through the whole pipeline."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bridge.errors import ConfigError, UsageError
from bridge.publish import publish
from bridge.settings import Profile, load_settings
from bridge.targets import (
    TARGETS,
    Capabilities,
    Deposited,
    DepositPlan,
    Journal,
    Lookup,
    Progress,
    RemoteFile,
    TargetSpec,
    make_target,
    target_spec,
)

PREFIX = "20.500.99999"  # a Handle prefix nobody uses


class ShelfTarget:
    """A repository that is a folder: one sub-folder per item, its metadata in item.json, its files below."""

    name = "shelf"

    def __init__(self, root: Path) -> None:
        self.root = root
        self.opened = True

    def _item(self, folder: Path) -> Deposited:
        files = [
            RemoteFile(
                p.relative_to(folder / "files").as_posix(), p.stat().st_size, hashlib.md5(p.read_bytes()).hexdigest()
            )
            for p in sorted((folder / "files").rglob("*"))
            if p.is_file()
        ]
        metadata = json.loads((folder / "item.json").read_text())
        return Deposited(folder.name, f"{PREFIX}/{folder.name}", True, metadata, files, f"file://{folder}")

    def _items(self) -> list[Deposited]:
        return [self._item(d) for d in sorted(self.root.iterdir()) if (d / "item.json").is_file()]

    def find_existing(self, deposit_key: str) -> Deposited | Lookup:
        return next((d for d in self._items() if deposit_key in d.deposit_keys()), Lookup.ABSENT)

    def find_same_title(self, title: str) -> list[Deposited]:
        return [d for d in self._items() if title in d.values("dc.title")]

    def resolve(self, pid: str) -> Deposited | Lookup:
        return Lookup.CANNOT_SEARCH

    def deposit(self, plan: DepositPlan, journal: Journal, progress: Progress | None = None) -> Deposited:
        folder = self.root / str(len(list(self.root.iterdir())) + 1)
        journal.started("shelve", item_id=folder.name)
        for planned in plan.files:
            (folder / "files" / planned.name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(planned.source, folder / "files" / planned.name)
        (folder / "item.json").write_text(json.dumps(plan.metadata))
        journal.done("shelve", item_id=folder.name)
        return self._item(folder)

    def read_back(self, item_id: str) -> Deposited | None:
        folder = self.root / item_id
        return self._item(folder) if folder.is_dir() else None

    def close(self) -> None:
        self.opened = False


def shelf_spec(root: Path) -> TargetSpec:
    return TargetSpec(
        name="shelf",
        summary="a folder as a repository",
        open=lambda profile, *, spool_dir, transport, timeout: ShelfTarget(root / str(profile.collection)),
        capabilities=Capabilities(keeps_folders=True),
        needs=(("collection", "shelf-a"),),
    )


def test_a_target_registered_here_publishes_through_the_pipeline(tmp_path: Path, fixtures_dir: Path) -> None:
    shelf = tmp_path / "shelf"
    (shelf / "main").mkdir(parents=True)
    config = tmp_path / "bridge.toml"
    config.write_text('default_profile = "mine"\n[profiles.mine]\nkind = "shelf"\ncollection = "main"\n')
    env = {"BRIDGE_HOME": str(tmp_path / "home"), "BRIDGE_CONFIG": str(config)}
    with TARGETS.registered(shelf_spec(shelf)):
        settings = load_settings(env=env, cwd=tmp_path)
        assert settings.profile("mine").target == "shelf"  # the bridge.toml key `kind` names the new target
        receipt = publish(fixtures_dir / "monitoring-logs", settings)
        again = publish(fixtures_dir / "monitoring-logs", settings)
        # A fresh machine (empty ledger) finds the deposit through the target's own search.
        fresh = load_settings(env={**env, "BRIDGE_HOME": str(tmp_path / "other-home")}, cwd=tmp_path)
        found = publish(fixtures_dir / "monitoring-logs", fresh)
    assert "shelf" not in TARGETS  # registered for the test only
    assert (receipt["status"], receipt["target"], receipt["handle"]) == ("published", "shelf", f"{PREFIX}/1")
    assert any("/" in f["name"] for f in receipt["files"])  # keeps_folders: names keep the artefact's folders
    assert all(f["name"] == f["path"] for f in receipt["files"])
    for f in receipt["files"]:
        stored = shelf / "main" / "1" / "files" / f["path"]
        assert hashlib.md5(stored.read_bytes()).hexdigest() == f["md5"]
    assert (again["status"], again["handle"]) == ("already-published", f"{PREFIX}/1")
    assert (found["status"], found["handle"]) == ("already-published", f"{PREFIX}/1")
    assert [p.name for p in (shelf / "main").iterdir()] == ["1"]  # deposited once


def test_unknown_targets_and_missing_settings_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"unknown target kind 'shelf'; known: dspace7, sword2"):
        target_spec("shelf")
    with TARGETS.registered(shelf_spec(tmp_path)):
        with pytest.raises(ConfigError, match="has no collection, which the shelf target needs") as exc:
            make_target(Profile(name="p", kind="shelf"))
        assert exc.value.hint == "add collection = 'shelf-a' to the profile in bridge.toml"
    config = tmp_path / "bridge.toml"
    config.write_text('[profiles.p]\nkind = "shelf"\n')
    with pytest.raises(ConfigError, match=r"profiles\.p\.kind: .*unknown target kind 'shelf'"):
        load_settings(env={"BRIDGE_CONFIG": str(config), "BRIDGE_HOME": str(tmp_path)}, cwd=tmp_path)


def test_builtin_targets_declare_what_they_differ_in() -> None:
    assert TARGETS.names() == ("dspace7", "sword2")
    assert not TARGETS["dspace7"].capabilities.keeps_folders and TARGETS["sword2"].capabilities.keeps_folders
    assert TARGETS["dspace7"].capabilities.rest_item_ids and not TARGETS["sword2"].capabilities.rest_item_ids
    # DSpace 7 REST keeps a version history (/api/versioning/versions); SWORD v2 has no notion of versions.
    assert TARGETS["dspace7"].capabilities.supports_versions and not TARGETS["sword2"].capabilities.supports_versions
    assert Profile(kind="sword2").public_dict()["kind"] == "sword2"  # the public key stays `kind`


def test_the_table_does_not_import_the_targets() -> None:
    """`bridge --help` builds its --target choices from the table without importing httpx, lxml or a target."""
    heavy = ("httpx", "lxml.etree", "bridge.targets.dspace7", "bridge.targets.sword2")
    code = f"import sys, bridge.cli; print(sorted(m for m in {heavy!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
