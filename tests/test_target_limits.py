"""Target limits are known before any write: validate and publish refuse what the target cannot take."""

from __future__ import annotations

import dataclasses
import functools
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bridge.cli import app
from bridge.errors import MetadataError
from bridge.targets import TARGETS, TargetLimits, check_limits, target_spec


def with_limits(name: str, limits: TargetLimits):
    spec = target_spec(name)
    capabilities = dataclasses.replace(spec.capabilities, limits=limits)
    return TARGETS.registered(dataclasses.replace(spec, capabilities=capabilities))


@pytest.fixture
def four_files(fixtures_dir: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "four-files"
    shutil.copytree(fixtures_dir / "plant-classifier", folder)
    for n in range(3):
        (folder / f"extra-{n}.txt").write_text(f"extra file {n}\n", encoding="utf-8")
    return folder


@pytest.fixture
def sword_takes_three() -> Iterator[None]:
    with with_limits("sword2", TargetLimits(package_entries=3)):
        yield


def test_every_target_declares_its_limits():
    assert target_spec("sword2").capabilities.limits.package_entries == 10_000
    assert target_spec("sword2").capabilities.limits.package_size == 4 * 1024**3
    assert target_spec("dspace7").capabilities.limits.file_size == 4 * 1024**3


def test_twenty_thousand_files_are_too_many_for_sword_but_not_for_rest():
    files = [(f"logs/part-{n:05d}.log", 100) for n in range(20_000)]
    with pytest.raises(MetadataError) as caught:
        check_limits(target_spec("sword2"), files)
    assert "20,000 files make a package of 20,000 entries" in caught.value.message
    assert "at most 10,000 entries per package" in caught.value.message
    assert "--target dspace7" in (caught.value.hint or "")
    check_limits(target_spec("dspace7"), files)  # REST takes them one by one


def test_sizes_name_the_file_and_the_limit():
    limits = TargetLimits(file_size=1000, package_size=5000)
    problems = limits.problems([("a.bin", 999), ("big/b.bin", 1001), ("c.bin", 4000)], "x")
    assert [p.file for p in problems if p.file] == ["big/b.bin", "c.bin"]
    assert "1,001 bytes; the x target takes files of at most 1,000" in str(problems[0])
    assert "package of about" in problems[-1].message and "at most 5,000 per package" in problems[-1].message
    assert TargetLimits().problems([("a", 10**12)] * 50_000, "x") == []


def test_validate_checks_the_target_of_the_profile_or_option(four_files, sword_takes_three):
    runner = CliRunner()
    refused = runner.invoke(app, ["validate", str(four_files), "--target", "sword2"])
    assert refused.exit_code != 0
    assert "4 files make a package of 4 entries; the sword2 target takes at most 3" in refused.output
    assert "--target dspace7" in refused.output
    as_json = runner.invoke(app, ["validate", str(four_files), "--target", "sword2", "--json"])
    assert as_json.exit_code != 0
    problems = json.loads(as_json.stdout)["problems"]
    assert any("at most 3 entries per package" in p["message"] for p in problems)
    fine = runner.invoke(app, ["validate", str(four_files), "--json"])  # no profile: the sandbox's dspace7
    assert fine.exit_code == 0, fine.output
    assert json.loads(fine.stdout)["target"] == {"name": "dspace7", "limits": {"file_size": 4 * 1024**3}}


def test_validate_profile_uses_the_profile_target(four_files, sandbox_settings, sword_takes_three):
    text = Path("bridge.toml").read_text(encoding="utf-8").replace('target = "dspace7"', 'target = "sword2"')
    assert 'target = "sword2"' in text
    Path("bridge.toml").write_text(text, encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", str(four_files), "--profile", "local"])
    assert result.exit_code != 0 and "the sword2 target takes at most 3" in result.output


def test_publish_past_a_limit_never_starts(sandbox, sandbox_settings, four_files, sword_takes_three):
    result = CliRunner().invoke(app, ["publish", str(four_files), "--yes", "--target", "sword2", "--doi"])
    assert result.exit_code != 0
    assert "at most 3 entries per package" in result.output
    assert sandbox.store.one("SELECT COUNT(*) AS n FROM item")["n"] == 0
    assert sandbox.store.one("SELECT COUNT(*) AS n FROM doi")["n"] == 0  # not even a draft DOI
    assert not list(Path(sandbox_settings.home).glob("ledger.sqlite"))  # nothing journalled


def test_a_package_the_server_refuses_does_not_say_a_rerun_resumes(sandbox, sandbox_settings, four_files, monkeypatch):
    import bridge.sandbox.sword as sword_server
    from bridge.sandbox.sword.package import unpack_zip

    # The repository is stricter than the target's declared limits: its own refusal reaches the user.
    monkeypatch.setattr(sword_server, "unpack_zip", functools.partial(unpack_zip, max_entries=3))
    result = CliRunner().invoke(app, ["publish", str(four_files), "--yes", "--target", "sword2"])
    assert result.exit_code == 1
    assert "the package has more than 3 entries" in result.output
    assert "resumes where it stopped" not in result.output
    assert "will not help" in result.output


def test_a_profile_sets_its_repository_s_own_limits(fixtures_dir, sandbox_settings):
    import tomllib

    import tomli_w

    config = tomllib.loads(Path("bridge.toml").read_text(encoding="utf-8"))

    def with_profile_limits(limits: dict) -> None:
        config["profiles"]["local"]["limits"] = limits
        Path("bridge.toml").write_text(tomli_w.dumps(config), encoding="utf-8")

    with_profile_limits({"file_size": 1000})
    folder = str(fixtures_dir / "plant-classifier")
    result = CliRunner().invoke(app, ["validate", folder, "--profile", "local"])
    assert result.exit_code != 0
    assert "model.safetensors: 7,296 bytes; the dspace7 target takes files of at most 1,000" in result.output
    other = CliRunner().invoke(app, ["validate", folder, "--target", "sword2"])
    assert "the sword2 target takes files of at most 1,000" in other.output  # the repository's, whatever protocol
    with_profile_limits({"nonsense": 1})
    bad = CliRunner().invoke(app, ["validate", folder])
    assert bad.exit_code != 0 and "unknown limit 'nonsense'" in bad.output


def test_the_profile_limit_names_are_the_limits_fields():
    from bridge.settings import LIMIT_NAMES

    assert tuple(f.name for f in dataclasses.fields(TargetLimits)) == LIMIT_NAMES
