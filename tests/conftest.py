"""Shared fixtures: the XSD folder, an isolated BRIDGE_HOME, the fixtures folder."""

from __future__ import annotations

import os
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
    return home


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
