"""The embedded default: with no profile configured, commands talk to a sandbox started in-process.

Like SQLite for a database, the sandbox needs no set-up: its data lives under BRIDGE_HOME/sandbox, and it
listens on BRIDGE_SANDBOX_PORT (default 8765, so the URLs in receipts stay the same from one run to the
next) or, when that port is taken, on any free 127.0.0.1 port.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bridge.errors import ConfigError
from bridge.settings import Profile, Settings
from bridge.targets import DEFAULT_TARGET

if TYPE_CHECKING:  # the launcher may name the sandbox's types; it imports the server only when it starts one
    from bridge.sandbox.server import RunningSandbox


@dataclass
class ResolvedRepository:
    """A resolved repository: its profile and, for the embedded sandbox, the running server."""

    profile: Profile
    embedded: bool
    running: RunningSandbox | None = None  # set when embedded


def sandbox_profile(running: RunningSandbox, name: str = "sandbox") -> Profile:
    """Return a profile holding every URL and the submitter account of a running sandbox."""
    from pydantic import SecretStr

    urls = running.urls
    submitter = running.submitter
    collection = running.store.collections()[0]["handle"]
    return Profile(
        name=name,
        target=DEFAULT_TARGET,  # the sandbox speaks every built-in protocol; REST is the default
        rest_url=urls["rest"],
        sword_url=urls["sword"],
        oai_url=urls["oai"],
        handle_api=urls["handle_api"],
        handle_resolver=urls["handle_resolver"],
        doi_api=urls["doi_api"],
        doi_resolver_api=urls["doi_resolver_api"],
        doi_prefix=running.sandbox.config.doi_prefix,
        collection=collection,
        landing_base=urls["landing_base"],
        sandbox=True,
        user=submitter.email,
        password=SecretStr(submitter.password),
        doi_user=submitter.email,
        doi_password=SecretStr(submitter.password),
    )


@contextmanager
def resolve_repository(settings: Settings, profile_name: str | None) -> Iterator[ResolvedRepository]:
    """Yield the named (or default) profile, or start the embedded sandbox when none is configured."""
    profile = settings.profile(profile_name)
    if profile is not None:
        yield ResolvedRepository(profile=profile, embedded=False)
        return
    from bridge.sandbox.app import SandboxConfig
    from bridge.sandbox.server import running_sandbox

    port = settings.sandbox_port
    config = SandboxConfig(data_dir=settings.sandbox_dir, port=port, doi_prefix=settings.sandbox_doi_prefix)
    try:
        context = running_sandbox(config, env=dict(settings.env))
        running = context.__enter__()
    except ConfigError:
        if port == 0:
            raise
        config.port = 0  # the preferred port is taken (another sandbox?): any free one will do
        context = running_sandbox(config, env=dict(settings.env))
        running = context.__enter__()
    try:
        yield ResolvedRepository(profile=sandbox_profile(running), embedded=True, running=running)
    finally:
        context.__exit__(None, None, None)
