"""Repository targets behind one interface (``DepositTarget``), in one table: ``TARGETS``.

A target speaks one deposit protocol: ``dspace7`` (the DSpace 7+ REST submission flow) or ``sword2``
(SWORD v2, how DSpace 5/6 repositories such as Digital.CSIC take deposits). Each is one module that defines
``open_target(profile, *, spool_dir, transport, timeout)``; its ``TargetSpec`` below gives its name, what it
needs of a profile and its capabilities. Adding a repository kind means adding such a module and one entry
below (or ``TARGETS.add(spec)`` from anywhere). A module is imported only when a deposit opens its target, so
the table (and ``bridge --help``, whose --target choices come from it) stays cheap to import.

The rooms: ``interface`` (plan, item, lookups, the protocol, the table entry), ``journal`` (ledger records
around every write; crash-safe re-runs), ``dspace_rest`` (the DSpace 7 REST session both targets use).
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from bridge.errors import ConfigError, UsageError
from bridge.registry import Registry
from bridge.settings import Profile
from bridge.targets.interface import (
    KEY_PREFIX,
    Capabilities,
    Deposited,
    DepositPlan,
    DepositTarget,
    Lookup,
    Opener,
    PlannedFile,
    Progress,
    RemoteFile,
    TargetSpec,
    bitstream_names,
)
from bridge.targets.journal import Journal, retry_ambiguous


def lazy_opener(module: str) -> Opener:
    """Return an opener that imports `module` (which defines ``open_target``) when a target is first opened."""

    def open_target(profile: Profile, *, spool_dir: Path, transport: Any, timeout: float) -> DepositTarget:
        opener: Opener = importlib.import_module(module).open_target
        return opener(profile, spool_dir=spool_dir, transport=transport, timeout=timeout)

    return open_target


TARGETS: Registry[TargetSpec] = Registry("target", key=lambda spec: spec.name)
TARGETS.add(
    TargetSpec(
        name="dspace7",
        summary="DSpace 7+ REST submission (workspace item, JSON Patch, uploads, licence, workflow)",
        open=lazy_opener("bridge.targets.dspace7"),
        capabilities=Capabilities(keeps_folders=False, rest_item_ids=True, supports_versions=True),
        needs=(("rest_url", "https://…/server/api"),),
    )
)
TARGETS.add(
    TargetSpec(
        name="sword2",
        summary="SWORD v2 deposit (DSpace 5/6 such as Digital.CSIC); searches over REST when rest_url is set",
        open=lazy_opener("bridge.targets.sword2"),
        capabilities=Capabilities(keeps_folders=True, rest_item_ids=False, supports_versions=False),
        needs=(("sword_url", "https://…/swordv2"),),
    )
)
DEFAULT_TARGET = "dspace7"


def target_spec(name: str) -> TargetSpec:
    """Return the table entry of a target name, or a UsageError naming the known ones."""
    spec = TARGETS.get(name)
    if spec is None:
        raise UsageError(f"unknown target kind {name!r}; known: {', '.join(TARGETS.names())}")
    return spec


def make_target(
    profile: Profile,
    name: str | None = None,
    *,
    spool_dir: Path | None = None,
    transport: Any = None,
    timeout: float = 60.0,
) -> DepositTarget:
    """Open the target for a profile (its `target`, unless `name` overrides it)."""
    spec = target_spec(name or profile.target)
    missing = spec.missing(profile)
    if missing is not None:
        key, example = missing
        raise ConfigError(
            f"profile {profile.name!r} has no {key}, which the {spec.name} target needs",
            hint=f"add {key} = '{example}' to the profile in bridge.toml",
        )
    spool = spool_dir or Path.home() / ".cache" / "oai-bridge"
    return spec.open(profile, spool_dir=spool, transport=transport, timeout=timeout)


__all__ = [
    "DEFAULT_TARGET",
    "KEY_PREFIX",
    "TARGETS",
    "Capabilities",
    "DepositPlan",
    "DepositTarget",
    "Deposited",
    "Journal",
    "Lookup",
    "PlannedFile",
    "Progress",
    "RemoteFile",
    "TargetSpec",
    "bitstream_names",
    "lazy_opener",
    "make_target",
    "retry_ambiguous",
    "target_spec",
]
