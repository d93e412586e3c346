"""The wheel carries what the bridge reads at run time (issue 10): an installed bridge works outside the checkout.

The wheel is built from this checkout and unpacked into a folder that goes first on PYTHONPATH, so the
bridge that runs is the wheel's, not the editable install; .ci/run (wheel-check) does the same with a
fresh venv and ``bridge demo``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(out), str(REPO)],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("oai_bridge-*.whl")
    return built


@pytest.fixture(scope="module")
def site(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("site")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(folder)
    return folder


def test_wheel_carries_mappings_and_demo_artefacts(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for toml in (REPO / "mappings").glob("*.toml"):
        assert f"bridge/_mappings/{toml.name}" in names
    for artefact in ("plant-classifier", "monitoring-logs"):
        for path in (REPO / "fixtures" / artefact).rglob("*"):
            if path.is_file():
                assert f"bridge/_demo/{path.relative_to(REPO / 'fixtures').as_posix()}" in names
    # Only the demo artefacts travel, not the test corpora.
    assert not [n for n in names if n.startswith(("bridge/_demo/bad/", "bridge/_demo/real/", "bridge/_demo/oai/"))]
    assert "bridge/py.typed" in names


def _bridge(site: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("BRIDGE_MAPPINGS", "BRIDGE_CONFIG", "BRIDGE_PROFILE")}
    env |= {"PYTHONPATH": str(site), "BRIDGE_HOME": str(cwd / "home")}
    code = "import sys; from bridge.cli import main; sys.argv[0] = 'bridge'; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )


def test_installed_bridge_lists_kinds_and_validates_outside_the_checkout(site: Path, tmp_path: Path) -> None:
    listed = _bridge(site, tmp_path, "mappings", "--json")
    assert listed.returncode == 0, listed.stderr
    files = {m["name"]: Path(m["file"]) for m in json.loads(listed.stdout)}
    assert set(files) == {p.stem for p in (REPO / "mappings").glob("*.toml")}
    assert all(f.is_relative_to(site / "bridge" / "_mappings") for f in files.values()), files
    demo = site / "bridge" / "_demo" / "plant-classifier"
    checked = _bridge(site, tmp_path, "validate", "--json", str(demo))
    assert checked.returncode == 0, checked.stderr
    report = json.loads(checked.stdout)
    assert report["kind"] == "model-weights"


def test_installed_bridge_finds_its_demo_artefacts(site: Path, tmp_path: Path) -> None:
    code = "from bridge.resources import demo_dir, mappings_dir; print(demo_dir()); print(mappings_dir())"
    env = dict(os.environ, PYTHONPATH=str(site))
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True)
    demo, mappings = (Path(line) for line in out.stdout.split())
    assert demo == site / "bridge" / "_demo" and (demo / "monitoring-logs" / "publish.yaml").is_file()
    assert mappings == site / "bridge" / "_mappings"


def test_checkout_uses_its_own_folders() -> None:
    from bridge.resources import demo_dir, mappings_dir

    assert mappings_dir() == REPO / "mappings"
    assert demo_dir() == REPO / "fixtures"
