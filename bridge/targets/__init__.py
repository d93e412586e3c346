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

import dataclasses
import importlib
from pathlib import Path
from typing import Any

from bridge.errors import ConfigError, MetadataError, UsageError
from bridge.registry import Registry
from bridge.settings import Profile, Settings
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
    TargetLimits,
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


# The sandbox's limits, which the built-in targets are tested against: 4 GiB per upload request, 10,000 members
# per SimpleZip (bridge.sandbox). A real repository may set lower ones (DSpace 7's spring.servlet.multipart
# max-file-size, SWORD's maxUploadSize in its service document).
UPLOAD_LIMIT = 4 * 1024**3
SWORD_PACKAGE_ENTRIES = 10_000

TARGETS: Registry[TargetSpec] = Registry("target", key=lambda spec: spec.name)
TARGETS.add(
    TargetSpec(
        name="dspace7",
        summary="DSpace 7+ REST submission (workspace item, JSON Patch, uploads, licence, workflow)",
        open=lazy_opener("bridge.targets.dspace7"),
        capabilities=Capabilities(
            keeps_folders=False, rest_item_ids=True, supports_versions=True, limits=TargetLimits(file_size=UPLOAD_LIMIT)
        ),
        needs=(("rest_url", "https://…/server/api"),),
    )
)
TARGETS.add(
    TargetSpec(
        name="sword2",
        summary="SWORD v2 deposit (DSpace 5/6 such as Digital.CSIC); searches over REST when rest_url is set",
        open=lazy_opener("bridge.targets.sword2"),
        capabilities=Capabilities(
            keeps_folders=True,
            rest_item_ids=False,
            supports_versions=False,
            limits=TargetLimits(package_entries=SWORD_PACKAGE_ENTRIES, package_size=UPLOAD_LIMIT),
        ),
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


def target_for(settings: Settings, profile: str | None, target: str | None) -> TargetSpec:
    """Return the table entry a publish with these options would use (--target, else the profile's kind).

    A profile's own `limits` (its repository's) replace the target's defaults.
    """
    chosen = settings.profile(profile)
    spec = target_spec(target or (chosen.target if chosen else DEFAULT_TARGET))
    if chosen is None or not chosen.limits:
        return spec
    limits = dataclasses.replace(spec.capabilities.limits, **chosen.limits)
    return dataclasses.replace(spec, capabilities=dataclasses.replace(spec.capabilities, limits=limits))


def check_limits(spec: TargetSpec, files: list[tuple[str, int]]) -> None:
    """Raise MetadataError naming each of the target's limits that the files ((path, size) pairs) go past.

    Called by validate and before a publish writes anything, so a deposit the repository must refuse never starts.
    """
    problems = spec.capabilities.limits.problems(files, spec.name)
    if not problems:
        return
    others = [s.name for s in TARGETS if s.name != spec.name and not s.capabilities.limits.problems(files, s.name)]
    hint = "pack the files into fewer, larger archives (a tar per folder, say) or split the artefact"
    if others:
        hint += f", or deposit with --target {others[0]}, which takes them"
    raise MetadataError(problems, hint=hint)


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
    "TargetLimits",
    "TargetSpec",
    "bitstream_names",
    "check_limits",
    "lazy_opener",
    "make_target",
    "retry_ambiguous",
    "target_for",
    "target_spec",
]
