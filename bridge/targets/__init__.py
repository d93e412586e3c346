"""Repository targets behind one interface (``DepositTarget``), in one table: ``TARGETS``.

A target speaks one deposit protocol: ``dspace7`` (the DSpace 7+ REST submission flow) or ``sword2``
(SWORD v2, how DSpace 5/6 repositories such as Digital.CSIC take deposits). Each is one module that declares
a ``TargetSpec`` (name, what it needs of a profile, capabilities, how to open it); adding a repository kind
means adding such a module and one line below. The rooms: ``interface`` (plan, item, lookups, the protocol,
the table entry), ``journal`` (ledger records around every write; crash-safe re-runs), ``dspace_rest`` (the
DSpace 7 REST session both targets use for lookups).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bridge.errors import ConfigError, UsageError
from bridge.registry import Registry
from bridge.settings import Profile
from bridge.targets import dspace7, sword2
from bridge.targets.interface import (
    KEY_PREFIX,
    Capabilities,
    Deposited,
    DepositPlan,
    DepositTarget,
    Lookup,
    PlannedFile,
    Progress,
    RemoteFile,
    TargetSpec,
    bitstream_names,
)
from bridge.targets.journal import Journal, retry_ambiguous

TARGETS: Registry[TargetSpec] = Registry("target", key=lambda spec: spec.name)
TARGETS.add(dspace7.SPEC)
TARGETS.add(sword2.SPEC)
DEFAULT_TARGET = dspace7.SPEC.name


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
    """Open the target for a profile (its `kind`, unless `name` overrides it)."""
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
    "make_target",
    "retry_ambiguous",
    "target_spec",
]
