"""The sandbox ASGI application: configuration, shared state and the assembly of every protocol's routes."""

from __future__ import annotations

import importlib
import json
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.routing import BaseRoute

from bridge.sandbox.store import Store

# The protocol modules; each defines `routes(sandbox) -> list[BaseRoute]`.
PROTOCOL_MODULES = ("rest", "sword", "oai", "pid", "datacite", "landing")

DEFAULT_ADMIN = "admin@sandbox.oai-bridge.test"
DEFAULT_SUBMITTER = "submitter@sandbox.oai-bridge.test"


@dataclass
class SandboxConfig:
    """How one sandbox runs; every field has a command-line option or a BRIDGE_SANDBOX_* variable."""

    data_dir: Path
    host: str = "127.0.0.1"
    port: int = 0
    page_size: int = 100  # OAI-PMH records per page, as DSpace
    rest_page_size: int = 20
    doi_prefix: str = "10.5072"
    faults: str | None = None
    seed: int | None = None
    oai_lag: float = 0.0  # seconds before new or changed items show in OAI-PMH
    upload_limit: int = 4 * 1024**3
    jwt_ttl: int = 1800
    oai_host: str = "sandbox.oai-bridge.test"  # namespace of oai: identifiers (must be a domain name)
    name: str = "oai-bridge sandbox (Digital.CSIC-style DSpace)"


@dataclass
class Account:
    email: str
    password: str = field(repr=False)
    admin: bool
    password_from_env: bool = False  # else generated once and kept in credentials.json


@dataclass
class Sandbox:
    """State shared by all routes: configuration, store, base URL, secrets."""

    config: SandboxConfig
    store: Store
    base_url: str  # http://127.0.0.1:PORT, no trailing slash
    jwt_secret: str
    accounts: dict[str, Account]
    faults: Any = None  # bridge.sandbox.faults.FaultInjector, when configured
    closers: list[Callable[[], None]] = field(default_factory=list)  # background work to stop before the store

    def close(self) -> None:
        """Stop the background work of the protocol modules, then close the store."""
        for closer in reversed(self.closers):
            closer()
        self.store.close()

    @property
    def urls(self) -> dict[str, str]:
        b = self.base_url
        return {
            "base": b,
            "rest": f"{b}/server/api",
            "sword": f"{b}/server/swordv2",
            "sword_service_document": f"{b}/server/swordv2/servicedocument",
            "oai": f"{b}/server/oai/request",
            "handle_api": f"{b}/api/handles",
            "handle_resolver": b,
            "doi_api": f"{b}/datacite",
            "doi_resolver_api": f"{b}/doi/api/handles",
            "landing_base": b,
        }


def load_accounts(data_dir: Path, env: dict[str, str] | None = None) -> tuple[dict[str, Account], Path | None]:
    """Return the admin and submitter accounts; passwords not given in env are generated once and kept 0600."""
    # The sandbox's only environment variables (BRIDGE_SANDBOX_<ROLE>_EMAIL / _PASSWORD): it is a server apart
    # from the client, so it reads them here rather than through bridge.settings.
    env = dict(os.environ if env is None else env)
    cred_file = data_dir / "credentials.json"
    stored: dict[str, dict[str, Any]] = {}
    if cred_file.exists():
        stored = json.loads(cred_file.read_text(encoding="utf-8"))
    accounts: dict[str, Account] = {}
    generated = False
    for role, default_email in (("admin", DEFAULT_ADMIN), ("submitter", DEFAULT_SUBMITTER)):
        email = env.get(f"BRIDGE_SANDBOX_{role.upper()}_EMAIL") or stored.get(role, {}).get("email") or default_email
        password = env.get(f"BRIDGE_SANDBOX_{role.upper()}_PASSWORD")
        from_env = bool(password)
        if not password:
            previous = stored.get(role, {})
            password = previous.get("password") if previous.get("email") == email else None
            if not password:
                password, generated = secrets.token_urlsafe(18), True
            stored[role] = {"email": email, "password": password}
        accounts[role] = Account(email=email, password=password, admin=role == "admin", password_from_env=from_env)
    if generated or (stored and not cred_file.exists()):
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(cred_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(stored, fh, indent=2)
    return accounts, (cred_file if cred_file.exists() else None)


def bootstrap(store: Store, sandbox_accounts: dict[str, Account]) -> None:
    """Create the accounts and, on a new data folder, a Digital.CSIC-like community and collection."""
    for account in sandbox_accounts.values():
        store.upsert_eperson(account.email, account.password, admin=account.admin)
    if not store.communities():
        com = store.create_community("Instituto de Física de Cantabria (IFCA)")
        store.create_collection("Datasets and models (IFCA)", com["uuid"])


def secret_for(store: Store) -> str:
    """Return the JWT signing secret, made once per data folder so tokens survive a restart."""
    value = store.get_meta("jwt_secret")
    if value is None:
        value = secrets.token_hex(32)
        store.set_meta("jwt_secret", value)
    return value


def create_sandbox(config: SandboxConfig, base_url: str, env: dict[str, str] | None = None) -> Sandbox:
    config.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    store = Store(config.data_dir)
    store.set_meta("landing_base", base_url)
    accounts, _ = load_accounts(config.data_dir, env)
    bootstrap(store, accounts)
    sandbox = Sandbox(config=config, store=store, base_url=base_url, jwt_secret=secret_for(store), accounts=accounts)
    if config.faults or config.oai_lag:
        from bridge.sandbox.faults import FaultInjector

        sandbox.faults = FaultInjector.from_spec(config.faults or "", seed=config.seed)
    return sandbox


def build_app(sandbox: Sandbox) -> Starlette:
    """Assemble the routes of every protocol module into one ASGI app."""
    routes: list[BaseRoute] = []
    for name in PROTOCOL_MODULES:
        routes.extend(importlib.import_module(f"bridge.sandbox.{name}").routes(sandbox))
    app = Starlette(routes=routes)
    app.state.sandbox = sandbox
    if sandbox.faults is not None:
        from bridge.sandbox.faults import FaultMiddleware

        app.add_middleware(FaultMiddleware, injector=sandbox.faults)
    return app
