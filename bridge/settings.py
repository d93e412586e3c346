"""Settings: profiles from bridge.toml, every BRIDGE_* environment variable, and BRIDGE_HOME.

Lookup order for the config file: ``BRIDGE_CONFIG``, then ``./bridge.toml``, then
``<user config dir>/oai-bridge/bridge.toml``. Secrets (passwords, tokens) come only from the
environment (``BRIDGE_<PROFILE>_USER`` / ``_PASSWORD`` / ``_TOKEN``) or that file, and are kept
as ``SecretStr`` so they print as ``**********``.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import platformdirs
from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
)

from bridge.errors import ConfigError

if TYPE_CHECKING:
    from bridge.http_bounds import NetLimits
from bridge.resources import mappings_dir

APP = "oai-bridge"
CONFIG_NAME = "bridge.toml"
SANDBOX_PORT = 8765  # the embedded and the served sandbox's port: receipts' URLs stay the same between runs
SANDBOX_DOI_PREFIX = "10.5072"  # DataCite's test prefix
SANDBOX_PAGE_SIZE = 100  # OAI-PMH records per page, as DSpace


def _known_target(name: str) -> str:
    """Accept the names of the target table (bridge.targets.TARGETS), which is filled when first imported."""
    from bridge.targets import TARGETS

    if name not in TARGETS:
        raise ValueError(f"unknown target kind {name!r}; known: {', '.join(TARGETS.names())}")
    return name


TargetKind = Annotated[str, AfterValidator(_known_target)]  # a name in bridge.targets.TARGETS


# The limits a profile may set (the fields of bridge.targets.TargetLimits; a test keeps the two the same).
LIMIT_NAMES = ("files", "package_entries", "file_size", "package_size")


class Profile(BaseModel):
    """One repository with its resolvers and DataCite account."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str = "default"
    # The deposit protocol; `kind` in bridge.toml (where it has always been called so) and in public_dict().
    target: TargetKind = Field("dspace7", validation_alias=AliasChoices("kind", "target"), serialization_alias="kind")
    rest_url: str | None = None  # DSpace 7+ REST root, …/server/api
    sword_url: str | None = None  # SWORD v2 root, …/server/swordv2
    oai_url: str | None = None  # OAI-PMH base URL, …/server/oai/request
    handle_api: str | None = None  # Handle proxy REST API, …/api/handles
    handle_resolver: str | None = None  # where a bare handle redirects, https://hdl.handle.net
    doi_api: str | None = None  # DataCite REST API root
    doi_resolver_api: str | None = None  # Handle API that resolves DOIs, https://doi.org/api/handles
    doi_prefix: str | None = None
    collection: str | None = None  # handle of the default collection
    landing_base: str | None = None  # landing pages are <landing_base>/handle/<handle>
    sandbox: bool = False
    user: str | None = None
    password: SecretStr | None = None
    token: SecretStr | None = None
    doi_user: str | None = None
    doi_password: SecretStr | None = None
    # This repository's own limits over its target's defaults (bridge.targets.TargetLimits), checked by validate and
    # publish before any write, e.g. limits = { file_size = 536870912 } for DSpace 7's default 512 MB uploads.
    limits: dict[str, int] = Field(default_factory=dict)

    @field_validator("limits")
    @classmethod
    def _known_limits(cls, value: dict[str, int]) -> dict[str, int]:
        unknown = sorted(set(value) - set(LIMIT_NAMES))
        if unknown:
            raise ValueError(f"unknown limit {unknown[0]!r}; known: {', '.join(LIMIT_NAMES)}")
        if any(v < 1 for v in value.values()):
            raise ValueError("a limit is a whole number of at least 1")
        return value
    # Bounds on what this repository may send (README, "Security and limits"); unset: the BRIDGE_* defaults.
    max_response_mb: float | None = Field(None, gt=0)  # decoded size of one answer
    max_record_mb: float | None = Field(None, gt=0)  # one harvested OAI-PMH record
    request_deadline: float | None = Field(None, gt=0)  # seconds from sending a request to its last byte

    def env_prefix(self) -> str:
        return "BRIDGE_" + re.sub(r"[^A-Z0-9]", "_", self.name.upper()) + "_"

    def with_env(self, env: Mapping[str, str]) -> Profile:
        """Return a copy with credentials from BRIDGE_<PROFILE>_* taking precedence."""
        p = self.env_prefix()
        update: dict[str, object] = {}
        for key, secret in (
            ("user", False),
            ("password", True),
            ("token", True),
            ("doi_user", False),
            ("doi_password", True),
        ):
            value = env.get(p + key.upper())
            if value:
                update[key] = SecretStr(value) if secret else value
        return self.model_copy(update=update)

    def public_dict(self) -> dict[str, object]:
        """Return the profile without secrets, for output, logs and receipts."""
        data = self.model_dump(exclude={"password", "token", "doi_password"}, by_alias=True)
        for key in ("password", "token", "doi_password"):
            data[f"{key}_set"] = getattr(self, key) is not None
        return data


class Settings(BaseModel):
    """Everything the bridge reads from its environment, resolved once."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    home: Path
    config_file: Path | None = None
    profiles: dict[str, Profile] = Field(default_factory=dict)
    default_profile: str | None = None
    mappings_dirs: list[Path] = Field(default_factory=list)
    ledger_location: str | None = Field(default=None, repr=False)  # BRIDGE_LEDGER_URL or ledger_url
    broker_url: str = Field(default="redis://127.0.0.1:6379/0", repr=False)  # BRIDGE_BROKER_URL or broker_url
    env: dict[str, str] = Field(default_factory=dict, repr=False)

    @property
    def ledger_path(self) -> Path:
        return self.home / "ledger.sqlite"

    @property
    def ledger_url(self) -> str:
        """Where the ledger is: a postgresql:// URL, or the SQLite file under BRIDGE_HOME (the default)."""
        return self.ledger_location or str(self.ledger_path)

    @property
    def sandbox_dir(self) -> Path:
        """The embedded sandbox's data folder."""
        return self.home / "sandbox"

    # The BRIDGE_SANDBOX_* and test variables are parsed when used, so a bad value fails only the command using it.
    @property
    def sandbox_data_dir(self) -> Path:
        """The data folder of `bridge sandbox serve|seed`: BRIDGE_SANDBOX_DATA, else the embedded sandbox's."""
        value = self.env.get("BRIDGE_SANDBOX_DATA")
        return Path(value) if value else self.sandbox_dir

    @property
    def sandbox_port(self) -> int:
        """BRIDGE_SANDBOX_PORT: the port the sandbox prefers (0: any free one)."""
        return _int_env(self.env, "BRIDGE_SANDBOX_PORT", SANDBOX_PORT, 0, 65535)

    @property
    def sandbox_page_size(self) -> int:
        """BRIDGE_SANDBOX_PAGE_SIZE: OAI-PMH records per page of a served sandbox."""
        return _int_env(self.env, "BRIDGE_SANDBOX_PAGE_SIZE", SANDBOX_PAGE_SIZE, 1, None)

    @property
    def sandbox_doi_prefix(self) -> str:
        """BRIDGE_SANDBOX_DOI_PREFIX: the DOI prefix of the sandbox's DataCite API."""
        return self.env.get("BRIDGE_SANDBOX_DOI_PREFIX") or SANDBOX_DOI_PREFIX

    @property
    def sandbox_faults(self) -> str | None:
        """BRIDGE_SANDBOX_FAULTS: the faults a served sandbox injects (grammar in bridge/sandbox/faults.py)."""
        return self.env.get("BRIDGE_SANDBOX_FAULTS") or None

    @property
    def worker_visibility_timeout(self) -> int:
        """BRIDGE_WORKER_VISIBILITY_TIMEOUT: seconds before a unit taken by a vanished worker is handed out again."""
        return _int_env(self.env, "BRIDGE_WORKER_VISIBILITY_TIMEOUT", 3600, 5, None)

    @property
    def crash_after(self) -> str | None:
        """BRIDGE_TEST_CRASH_AFTER: the hook that kills a deposit at a journal point (see bridge.targets.journal)."""
        return self.env.get("BRIDGE_TEST_CRASH_AFTER") or None

    def profile(self, name: str | None = None) -> Profile | None:
        """Return the named (or default) profile with env credentials, or None for the sandbox."""
        name = name or self.default_profile
        if name is None:
            return None
        if name not in self.profiles:
            known = ", ".join(sorted(self.profiles)) or "none"
            where = self.config_file or "no bridge.toml found"
            raise ConfigError(
                f"unknown profile {name!r} (known: {known}; config: {where})",
                hint=f"add [profiles.{name}] to bridge.toml or run 'bridge sandbox serve --profile-out bridge.toml'",
            )
        return self.profiles[name].with_env(self.env)


def net_limits(profile: Profile | None = None, env: Mapping[str, str] | None = None) -> NetLimits:
    """Return the response bounds: the profile's, else BRIDGE_MAX_RESPONSE_MB / _MAX_RECORD_MB / _REQUEST_DEADLINE."""
    from bridge.http_bounds import DEFAULT_LIMITS, NetLimits  # httpx only when a command talks to a server

    env = os.environ if env is None else env
    mb = 1024 * 1024

    def pick(own: float | None, name: str, default: float) -> float:
        if own is not None:
            return own
        raw = env.get(name)
        if not raw:
            return default
        try:
            value = float(raw)
        except ValueError:
            value = 0.0
        if not value > 0:
            raise ConfigError(f"{name}={raw!r} is not a positive number", hint=f"fix or unset {name}")
        return value

    def own(key: str) -> float | None:
        value = getattr(profile, key) if profile is not None else None
        return float(value) if value is not None else None

    d = DEFAULT_LIMITS
    return NetLimits(
        max_body=int(pick(own("max_response_mb"), "BRIDGE_MAX_RESPONSE_MB", d.max_body / mb) * mb),
        deadline=pick(own("request_deadline"), "BRIDGE_REQUEST_DEADLINE", d.deadline),
        max_record=int(pick(own("max_record_mb"), "BRIDGE_MAX_RECORD_MB", d.max_record / mb) * mb),
    )


def default_home(env: Mapping[str, str]) -> Path:
    if env.get("BRIDGE_HOME"):
        return Path(env["BRIDGE_HOME"]).expanduser()
    return Path(platformdirs.user_data_dir(APP, appauthor=False))


def find_config(env: Mapping[str, str], cwd: Path) -> Path | None:
    if env.get("BRIDGE_CONFIG"):
        path = Path(env["BRIDGE_CONFIG"]).expanduser()
        if not path.is_file():
            raise ConfigError(f"BRIDGE_CONFIG points to {path}, which is not a file")
        return path
    for candidate in (cwd / CONFIG_NAME, Path(platformdirs.user_config_dir(APP, appauthor=False)) / CONFIG_NAME):
        if candidate.is_file():
            return candidate
    return None


def read_config(path: Path) -> dict[str, object]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}", hint="fix the syntax of the config file") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from exc


def load_settings(env: Mapping[str, str] | None = None, cwd: Path | None = None) -> Settings:
    """Resolve settings from the environment and the config file."""
    env = dict(os.environ if env is None else env)
    cwd = cwd or Path.cwd()
    home = default_home(env)
    config_file = find_config(env, cwd)
    raw: dict[str, object] = read_config(config_file) if config_file else {}
    profiles: dict[str, Profile] = {}
    raw_profiles = raw.get("profiles", {})
    if not isinstance(raw_profiles, dict):
        raise ConfigError(f"{config_file}: [profiles] must be a table")
    for name, body in raw_profiles.items():
        if not isinstance(body, dict):
            raise ConfigError(f"{config_file}: profiles.{name} must be a table")
        try:
            profiles[name] = Profile(name=name, **body)
        except ValidationError as exc:
            err = exc.errors()[0]
            field = ".".join(str(x) for x in err["loc"])
            raise ConfigError(
                f"{config_file}: profiles.{name}.{field}: {err['msg']}",
                hint="see README.md, section Configuration, for the profile keys",
            ) from exc
    default_profile = env.get("BRIDGE_PROFILE") or _str_or_none(raw.get("default_profile"))
    mappings_dirs = [Path(p) for p in env.get("BRIDGE_MAPPINGS", "").split(os.pathsep) if p]
    mappings_dirs.append(home / "mappings")
    mappings_dirs.append(mappings_dir())
    return Settings(
        home=home,
        config_file=config_file,
        profiles=profiles,
        default_profile=default_profile,
        mappings_dirs=mappings_dirs,
        ledger_location=env.get("BRIDGE_LEDGER_URL") or _str_or_none(raw.get("ledger_url")),
        broker_url=env.get("BRIDGE_BROKER_URL") or _str_or_none(raw.get("broker_url")) or "redis://127.0.0.1:6379/0",
        env=env,
    )


def debug_enabled(env: Mapping[str, str] | None = None) -> bool:
    """BRIDGE_DEBUG: show the traceback of an internal error (read without loading the config file)."""
    return bool((os.environ if env is None else env).get("BRIDGE_DEBUG"))


def _int_env(env: Mapping[str, str], name: str, default: int, low: int, high: int | None) -> int:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or value < low or (high is not None and value > high):
        limits = f"{low}..{high}" if high is not None else f">= {low}"
        raise ConfigError(f"{name}={raw!r} is not a whole number in {limits}", hint=f"fix or unset {name}")
    return value


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def ensure_home(settings: Settings) -> Path:
    """Create BRIDGE_HOME (private to the user) and return it."""
    try:
        settings.home.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise ConfigError(f"cannot create BRIDGE_HOME {settings.home}: {exc.strerror}") from exc
    return settings.home
