"""Settings: config discovery, profiles, env credentials, secret masking, BRIDGE_HOME."""

from __future__ import annotations

from pathlib import Path

import pytest

from bridge.errors import ConfigError
from bridge.settings import ensure_home, load_settings

CONFIG = """
default_profile = "csic"

[profiles.csic]
kind = "sword2"
sword_url = "https://digital.csic.es/swordv2"
oai_url = "https://digital.csic.es/dspace-oai/request"
collection = "10261/42"
doi_prefix = "10.20350"

[profiles.local]
rest_url = "http://127.0.0.1:8765/server/api"
password = "from-the-file"
"""


def write_config(folder: Path, text: str = CONFIG) -> Path:
    path = folder / "bridge.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_home_defaults_to_env_and_holds_state(tmp_path: Path) -> None:
    settings = load_settings(env={"BRIDGE_HOME": str(tmp_path / "h")}, cwd=tmp_path)
    assert settings.home == tmp_path / "h"
    assert settings.ledger_path == tmp_path / "h" / "ledger.sqlite"
    assert settings.sandbox_dir == tmp_path / "h" / "sandbox"
    ensure_home(settings)
    assert (tmp_path / "h").is_dir()


def test_config_in_working_folder_is_found(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    settings = load_settings(env={"BRIDGE_HOME": str(tmp_path)}, cwd=tmp_path)
    assert settings.config_file == config
    profile = settings.profile()
    assert profile is not None
    assert profile.name == "csic"
    assert profile.target == "sword2"
    assert profile.collection == "10261/42"


def test_bridge_config_env_wins_and_must_exist(tmp_path: Path) -> None:
    other = tmp_path / "elsewhere"
    other.mkdir()
    write_config(other, '[profiles.x]\nrest_url = "http://127.0.0.1:1/server/api"\n')
    write_config(tmp_path)
    settings = load_settings(env={"BRIDGE_CONFIG": str(other / "bridge.toml")}, cwd=tmp_path)
    assert set(settings.profiles) == {"x"}
    with pytest.raises(ConfigError, match="BRIDGE_CONFIG"):
        load_settings(env={"BRIDGE_CONFIG": str(tmp_path / "missing.toml")}, cwd=tmp_path)


def test_env_credentials_override_file_and_are_masked(tmp_path: Path) -> None:
    write_config(tmp_path)
    env = {"BRIDGE_LOCAL_USER": "me@csic.es", "BRIDGE_LOCAL_PASSWORD": "s3cr3t-pw", "BRIDGE_CSIC_TOKEN": "tok-123"}
    settings = load_settings(env=env, cwd=tmp_path)
    local = settings.profile("local")
    assert local is not None and local.user == "me@csic.es"
    assert local.password is not None and local.password.get_secret_value() == "s3cr3t-pw"
    # Secrets never show in repr, str or the public dict.
    for text in (repr(local), str(local), str(local.public_dict())):
        assert "s3cr3t-pw" not in text
    assert local.public_dict()["password_set"] is True
    csic = settings.profile("csic")
    assert csic is not None and csic.token is not None
    assert "tok-123" not in repr(csic)


def test_no_profile_means_sandbox(tmp_path: Path) -> None:
    settings = load_settings(env={}, cwd=tmp_path)
    assert settings.profile() is None


def test_unknown_profile_names_the_known_ones(tmp_path: Path) -> None:
    write_config(tmp_path)
    settings = load_settings(env={}, cwd=tmp_path)
    with pytest.raises(ConfigError, match=r"unknown profile 'nope' \(known: csic, local"):
        settings.profile("nope")


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("[profiles.a\n", "not valid TOML"),
        ('[profiles.a]\nkind = "dspace5"\n', r"profiles\.a\.kind"),
        ('[profiles.a]\nrest_ur = "x"\n', r"profiles\.a\.rest_ur"),
        ('profiles = "x"\n', r"\[profiles\] must be a table"),
    ],
)
def test_broken_config_names_file_and_key(tmp_path: Path, text: str, match: str) -> None:
    write_config(tmp_path, text)
    with pytest.raises(ConfigError, match=match) as info:
        load_settings(env={}, cwd=tmp_path)
    assert "bridge.toml" in str(info.value)


def test_mappings_dirs_end_with_the_repository_mappings(tmp_path: Path) -> None:
    settings = load_settings(
        env={"BRIDGE_MAPPINGS": str(tmp_path / "mine"), "BRIDGE_HOME": str(tmp_path)}, cwd=tmp_path
    )
    assert settings.mappings_dirs[0] == tmp_path / "mine"
    assert settings.mappings_dirs[1] == tmp_path / "mappings"
    assert settings.mappings_dirs[-1].name == "mappings"
    assert (settings.mappings_dirs[-1] / "..").resolve() == Path(__file__).resolve().parent.parent
