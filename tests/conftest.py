"""Shared fixtures: the XSD folder, an isolated BRIDGE_HOME, the fixtures folder."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"


def _xsd_dir() -> Path | None:
    env = os.environ.get("BRIDGE_XSD_DIR")
    if env:
        return Path(env)
    beside = REPO.parent / "shared" / "schemas"
    return beside if beside.is_dir() else None


@pytest.fixture(scope="session")
def xsd_dir() -> Path:
    """The official XSDs; missing in CI is a failure, locally a clear skip."""
    path = _xsd_dir()
    if path is None or not (path / "oai-pmh-response.xsd").is_file():
        msg = (
            f"BRIDGE_XSD_DIR is not set or does not hold oai-pmh-response.xsd (got {path}); "
            "point it at shared/schemas to run the XSD conformance tests"
        )
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    return path


_SCHEMAS: dict[Path, etree.XMLSchema] = {}


@pytest.fixture(scope="session")
def schema(xsd_dir: Path):
    """Return a loader: schema('datacite/kernel-4.6/metadata.xsd') -> cached XMLSchema."""

    def load(relative: str) -> etree.XMLSchema:
        path = xsd_dir / relative
        if path not in _SCHEMAS:
            _SCHEMAS[path] = etree.XMLSchema(etree.parse(str(path)))
        return _SCHEMAS[path]

    return load


@pytest.fixture(scope="session")
def assert_valid(schema):
    """Return a checker: assert_valid(xml_bytes, 'oai/oai_dc.xsd') with the schema's error log on failure."""

    def check(xml: bytes, relative: str) -> etree._Element:
        doc = etree.fromstring(xml)
        s = schema(relative)
        if not s.validate(doc):
            errors = "\n".join(str(e) for e in list(s.error_log)[:10])
            pytest.fail(f"not valid against {relative}:\n{errors}\n--- document ---\n{xml[:3000]!r}")
        return doc

    return check


@pytest.fixture(autouse=True)
def bridge_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own BRIDGE_HOME and no stray config or profile."""
    home = tmp_path_factory.mktemp("bridge-home")
    monkeypatch.setenv("BRIDGE_HOME", str(home))
    monkeypatch.delenv("BRIDGE_CONFIG", raising=False)
    monkeypatch.delenv("BRIDGE_PROFILE", raising=False)
    monkeypatch.delenv("BRIDGE_LEDGER_URL", raising=False)
    return home


@pytest.fixture(autouse=True)
def ledger_backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """With BRIDGE_TEST_LEDGER=postgresql, every ledger the settings open is a fresh PostgreSQL database."""
    if os.environ.get("BRIDGE_TEST_LEDGER", "sqlite") != "postgresql":
        return
    monkeypatch.setenv("BRIDGE_LEDGER_URL", request.getfixturevalue("postgres_url"))


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture
def sandbox(tmp_path: Path):
    """A fresh sandbox repository on a free 127.0.0.1 port, with its own data folder."""
    from bridge.sandbox.app import SandboxConfig
    from bridge.sandbox.server import running_sandbox

    env = {
        "BRIDGE_SANDBOX_ADMIN_EMAIL": "admin@sandbox.test",
        "BRIDGE_SANDBOX_ADMIN_PASSWORD": "admin-secret-1",
        "BRIDGE_SANDBOX_SUBMITTER_EMAIL": "submitter@sandbox.test",
        "BRIDGE_SANDBOX_SUBMITTER_PASSWORD": "submitter-secret-1",
    }
    with running_sandbox(SandboxConfig(data_dir=tmp_path / "sandbox-data"), env=env) as running:
        yield running


@pytest.fixture
def sandbox_settings(sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Settings whose profile 'local' points at the running `sandbox`, credentials from env like any profile."""
    import tomli_w

    from bridge.embedded import sandbox_profile
    from bridge.settings import load_settings

    profile = sandbox_profile(sandbox, name="local")
    secrets = {"name", "user", "password", "token", "doi_user", "doi_password"}
    body = profile.model_dump(exclude=secrets, exclude_none=True)
    work = tmp_path / "work"
    work.mkdir()
    (work / "bridge.toml").write_text(tomli_w.dumps({"default_profile": "local", "profiles": {"local": body}}))
    monkeypatch.chdir(work)
    monkeypatch.setenv("BRIDGE_LOCAL_USER", sandbox.submitter.email)
    monkeypatch.setenv("BRIDGE_LOCAL_PASSWORD", sandbox.submitter.password)
    monkeypatch.setenv("BRIDGE_LOCAL_DOI_USER", sandbox.submitter.email)
    monkeypatch.setenv("BRIDGE_LOCAL_DOI_PASSWORD", sandbox.submitter.password)
    return load_settings()


# -- real services (PostgreSQL, Redis) for the ledger backends and the workers ----------------------------------
def service_url(var: str, what: str) -> str:
    """Return a service URL from the environment; missing under CI is a failure, locally a clear skip."""
    url = os.environ.get(var)
    if not url:
        msg = f"{var} is not set: start {what} with 'eval \"$(scripts/services.sh)\"' to run this test"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    return url


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database on BRIDGE_TEST_POSTGRES_URL's server, dropped afterwards."""
    import uuid
    from urllib.parse import urlsplit

    import psycopg

    server = service_url("BRIDGE_TEST_POSTGRES_URL", "PostgreSQL")
    name = f"bridge_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    url = urlsplit(server)._replace(path=f"/{name}").geturl()
    yield url
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def redis_url() -> str:
    """A Redis database of its own for this pytest worker (emptied first) on BRIDGE_TEST_REDIS_URL's server."""
    from urllib.parse import urlsplit

    import redis

    server = service_url("BRIDGE_TEST_REDIS_URL", "Redis")
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    url = urlsplit(server)._replace(path=f"/{1 + worker % 15}").geturl()
    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a test's ledger lives: the same tests run on SQLite (a file) and on PostgreSQL (a fresh database)."""
    if request.param == "sqlite":
        return str(tmp_path / "ledger.sqlite")
    return request.getfixturevalue("postgres_url")
