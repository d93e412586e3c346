"""`bridge sandbox seed` through Typer's CliRunner; `bridge sandbox serve` as a real subprocess."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from bridge.cli import app
from bridge.sandbox.store import Store
from bridge.settings import load_settings

runner = CliRunner()
EXISTING = """# my repositories
default_profile = "prod"

[profiles.prod]
kind = "sword2"  # Digital.CSIC speaks SWORD
sword_url = "https://digital.csic.es/swordv2"
"""


def count_items(data: Path) -> int:
    store = Store(data)
    try:
        return store.one("SELECT count(*) AS n FROM item")["n"]
    finally:
        store.close()


def test_seed_prints_a_json_report(tmp_path: Path) -> None:
    result = runner.invoke(app, ["sandbox", "seed", "--items", "200", "--data", str(tmp_path), "--seed", "3", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["items"] == 200 and report["seed"] == 3
    assert report["data_dir"] == str(tmp_path.resolve())
    first, last = (int(report[k].rsplit("/", 1)[1]) for k in ("first_handle", "last_handle"))
    assert last - first == 199
    assert 0 <= report["withdrawn"] < 30 and report["items_per_second"] > 0
    assert count_items(tmp_path) == 200


def test_seed_defaults_to_the_data_folder_under_bridge_home(bridge_home: Path) -> None:
    result = runner.invoke(app, ["sandbox", "seed", "--items", "5"])
    assert result.exit_code == 0, result.output
    assert "seeded 5 items" in result.stdout
    assert count_items(bridge_home / "sandbox") == 5


def test_seed_reads_the_data_folder_from_the_environment(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["sandbox", "seed", "--items", "3", "--json"], env={"BRIDGE_SANDBOX_DATA": str(tmp_path)}
    )
    assert result.exit_code == 0, result.output
    assert count_items(tmp_path) == 3


def test_seed_refuses_a_bad_count(tmp_path: Path) -> None:
    result = runner.invoke(app, ["sandbox", "seed", "--items", "0", "--data", str(tmp_path)])
    assert result.exit_code == 2


def test_serve_refuses_a_bad_fault_spec_before_listening(tmp_path: Path) -> None:
    result = runner.invoke(app, ["sandbox", "serve", "--port", "0", "--data", str(tmp_path), "--faults", "503=lots"])
    assert result.exit_code == 2
    assert "bad part '503=lots'" in result.stderr and "Traceback" not in result.output
    assert "hint: the grammar is" in result.stderr


def test_serve_refuses_a_non_loopback_host(tmp_path: Path) -> None:
    result = runner.invoke(app, ["sandbox", "serve", "--host", "0.0.0.0", "--port", "0", "--data", str(tmp_path)])
    assert result.exit_code == 1
    assert "loopback" in result.stderr


@contextmanager
def serving(args: list[str], env: dict[str, str], until: str) -> Iterator[tuple[subprocess.Popen, list[str]]]:
    """Run `bridge sandbox serve` in a subprocess; yield it with its stdout lines up to the one containing `until`."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "bridge", "sandbox", "serve", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                pytest.fail(f"serve exited early ({proc.wait()}): {''.join(lines)}{proc.stderr.read()}")
            lines.append(line)
            if until in line:
                break
        yield proc, lines
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def clean_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIDGE_")}
    env["BRIDGE_HOME"] = str(tmp_path / "home")
    return env


def test_serve_prints_urls_writes_a_profile_and_hides_passwords(tmp_path: Path) -> None:
    config, data = tmp_path / "bridge.toml", tmp_path / "data"
    config.write_text(EXISTING, encoding="utf-8")
    args = ["--port", "0", "--data", str(data), "--profile-out", str(config)]
    with serving(args, clean_env(tmp_path), until="press Ctrl+C") as (proc, lines):
        output = "".join(lines)
        urls = dict(re.findall(r"^\s+(DSpace REST|OAI-PMH|Handle API|DataCite API|SWORD v2)\s+(\S+)", output, re.M))
        assert len(urls) == 5, output
        with httpx.Client(timeout=5) as client:
            assert client.get(urls["DSpace REST"]).status_code == 200
            assert b"<Identify>" in client.get(urls["OAI-PMH"], params={"verb": "Identify"}).content
            assert client.get(urls["Handle API"] + "/10261/2").json()["responseCode"] == 1
            assert client.get(urls["DataCite API"] + "/heartbeat").status_code == 200
            assert client.get(urls["SWORD v2"]).status_code in (200, 401)  # the service document wants auth
        credentials = data / "credentials.json"
        assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
        assert str(credentials) in output
        passwords = [a["password"] for a in json.loads(credentials.read_text()).values()]
        proc.terminate()
        rest = proc.communicate(timeout=10)
        assert len(passwords) == 2 and not any(p in output + rest[0] + rest[1] for p in passwords)

    text = config.read_text(encoding="utf-8")
    assert text.startswith(EXISTING)  # appended: the comments and the other profile are untouched
    written = tomllib.loads(text)["profiles"]["local"]
    base = urls["DSpace REST"].removesuffix("/server/api")
    assert written == {
        "kind": "dspace7",
        "rest_url": urls["DSpace REST"],
        "sword_url": f"{base}/server/swordv2",
        "oai_url": urls["OAI-PMH"],
        "handle_api": urls["Handle API"],
        "handle_resolver": base,
        "doi_api": urls["DataCite API"],
        "doi_resolver_api": f"{base}/doi/api/handles",
        "doi_prefix": "10.5072",
        "collection": "10261/2",
        "landing_base": base,
        "sandbox": True,
    }
    settings = load_settings({"BRIDGE_CONFIG": str(config), "BRIDGE_LOCAL_USER": "someone@example.org"})
    assert settings.profile("local").user == "someone@example.org"
    assert settings.profiles["prod"].sword_url == "https://digital.csic.es/swordv2"


def test_serve_json_updates_an_existing_profile(tmp_path: Path) -> None:
    config, data = tmp_path / "bridge.toml", tmp_path / "data"
    config.write_text(EXISTING + '\n[profiles.mine]\nkind = "dspace7"\nrest_url = "http://old/server/api"\n'
                      'user = "me@example.org"\n', encoding="utf-8")  # fmt: skip
    env = clean_env(tmp_path) | {
        "BRIDGE_SANDBOX_ADMIN_PASSWORD": "admin-pass-from-env",
        "BRIDGE_SANDBOX_SUBMITTER_PASSWORD": "submitter-pass-from-env",
        "BRIDGE_SANDBOX_PAGE_SIZE": "7",
    }
    assert runner.invoke(app, ["sandbox", "seed", "--items", "10", "--data", str(data)]).exit_code == 0
    args = ["--port", "0", "--data", str(data), "--profile-out", str(config), "--profile-name", "mine", "--json"]
    with serving(args, env, until="\n") as (proc, lines):
        while lines[-1] != "}\n":
            lines.append(proc.stdout.readline())
        doc = json.loads("".join(lines))
        assert doc["accounts"]["admin"]["password_from"] == "BRIDGE_SANDBOX_ADMIN_PASSWORD"
        assert doc["profile"] == {"file": str(config), "name": "mine"}
        r = httpx.get(doc["urls"]["oai"], params={"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"})
        assert r.status_code == 200
        assert r.text.count("<header") == 7 and "<resumptionToken" in r.text  # BRIDGE_SANDBOX_PAGE_SIZE
        assert "pass-from-env" not in "".join(lines)
    profiles = tomllib.loads(config.read_text(encoding="utf-8"))["profiles"]
    assert profiles["mine"]["rest_url"] == doc["urls"]["rest"]
    assert profiles["mine"]["user"] == "me@example.org"  # keys the server does not own stay
    assert profiles["prod"]["kind"] == "sword2"
    assert not any("password" in key for p in profiles.values() for key in p)
