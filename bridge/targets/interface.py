"""What publish and a target share: the deposit plan, the item read back, lookups, and the target interface.

A target is one module that declares a ``TargetSpec`` (its name, what it needs of a profile, its capabilities
and how to open it) and is registered in ``bridge.targets.TARGETS``.
"""

from __future__ import annotations

import enum
import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from bridge.errors import Problem
from bridge.pid import bare_doi
from bridge.settings import Profile

if TYPE_CHECKING:
    from bridge.targets.journal import Journal

KEY_PREFIX = "oai-bridge:deposit:"
Progress = Callable[[str, int, int], None]
MetadataMap = dict[str, list[dict[str, Any]]]


@dataclass(frozen=True)
class PlannedFile:
    """One file to deposit, with the checksums computed while validating."""

    path: str  # relative to the artefact folder, POSIX separators
    source: Path  # where the bytes are on disk
    name: str  # the bitstream name in the repository
    size: int
    md5: str
    sha256: str
    media_type: str


@dataclass
class DepositPlan:
    """Everything a target needs to deposit one artefact."""

    deposit_key: str
    title: str
    collection: str | None  # collection handle, e.g. 10261/2
    metadata: MetadataMap  # DSpace metadata map, deposit key included
    record: dict[str, Any]  # the DataCite record as deposited
    files: list[PlannedFile]
    doi: str | None = None

    @property
    def key_value(self) -> str:
        """Return the identifier value that carries the deposit key in the repository."""
        return KEY_PREFIX + self.deposit_key


@dataclass
class RemoteFile:
    """A bitstream as the repository reports it."""

    name: str
    size: int | None
    md5: str | None
    bitstream_id: str | None = None
    url: str | None = None


@dataclass
class Deposited:
    """An item as read back from the repository."""

    item_id: str
    handle: str | None
    archived: bool
    metadata: MetadataMap = field(default_factory=dict)
    files: list[RemoteFile] = field(default_factory=list)
    landing_url: str | None = None

    def values(self, field_name: str) -> list[str]:
        """Return the values of one metadata field."""
        return [v.get("value") or "" for v in self.metadata.get(field_name, [])]

    def deposit_keys(self) -> list[str]:
        """Return the bridge deposit keys the item carries (in any dc.identifier field)."""
        found: list[str] = []
        for name, values in self.metadata.items():
            if name == "dc.identifier" or name.startswith("dc.identifier."):
                found.extend(
                    v["value"][len(KEY_PREFIX) :] for v in values if str(v.get("value")).startswith(KEY_PREFIX)
                )
        return found

    def doi(self) -> str | None:
        """Return the item's DOI (bare form) from dc.identifier.doi or a doi.org identifier, if any."""
        for name in ("dc.identifier.doi", "dc.identifier"):
            for value in self.values(name):
                if doi := bare_doi(value):
                    return doi
        return None


class Lookup(enum.Enum):
    """Why a lookup returned no item: the repository has none, or this target has no way to search it."""

    ABSENT = "absent"
    CANNOT_SEARCH = "cannot-search"


@dataclass(frozen=True)
class TargetLimits:
    """What one deposit may hold on a target, checked before anything is written; None: no limit known."""

    files: int | None = None  # files in one item
    package_entries: int | None = None  # members of the one package that carries every file (SWORD SimpleZip)
    file_size: int | None = None  # bytes of one file
    package_size: int | None = None  # bytes of that package (one request)

    def problems(self, files: list[tuple[str, int]], target: str) -> list[Problem]:
        """Return what in `files` ((path, size) pairs) this target cannot take, each naming the limit."""
        found: list[Problem] = []
        n = len(files)
        if self.files is not None and n > self.files:
            found.append(Problem(f"{n:,} files; the {target} target takes at most {self.files:,} per item"))
        if self.package_entries is not None and n > self.package_entries:
            found.append(
                Problem(
                    f"{n:,} files make a package of {n:,} entries; the {target} target takes at most "
                    f"{self.package_entries:,} entries per package"
                )
            )
        if self.file_size is not None:
            big = [(path, size) for path, size in files if size > self.file_size]
            found.extend(
                Problem(f"{size:,} bytes; the {target} target takes files of at most {self.file_size:,}", file=path)
                for path, size in big[:5]
            )
            if len(big) > 5:
                found.append(Problem(f"{len(big) - 5:,} more files over {self.file_size:,} bytes"))
        if self.package_size is not None:
            packed = sum(size + ZIP_ENTRY_OVERHEAD + 2 * len(path.encode()) for path, size in files)
            if packed > self.package_size:
                found.append(
                    Problem(
                        f"the files make a package of about {packed:,} bytes; the {target} target takes at most "
                        f"{self.package_size:,} per package"
                    )
                )
        return found


# Bytes a stored zip member adds besides its data and twice its name (local header, central record, zip64).
ZIP_ENTRY_OVERHEAD = 30 + 46 + 2 * 20 + 24


@dataclass(frozen=True)
class Capabilities:
    """What a target can do, for the code that would otherwise test its name."""

    keeps_folders: bool = False  # bitstream names keep the artefact's folders (a zip package), not only file names
    rest_item_ids: bool = False  # its item ids are DSpace 7 REST UUIDs, so bitstream MD5s can be read over REST
    # The protocol can add a version to an item's own version history (DSpace 7: POST /api/versioning/versions);
    # SWORD v2 has no versions. Today publish makes every new version a new item linked by IsNewVersionOf on
    # every target (what DataCite and OAI-PMH readers see); a target may use this history when it has the flag.
    supports_versions: bool = False
    limits: TargetLimits = TargetLimits()  # what one deposit may hold; validate --profile and publish check it first


class DepositTarget(Protocol):
    """What publish needs of a repository."""

    name: str  # its key in TARGETS, written to receipts as "target"

    def find_existing(self, deposit_key: str) -> Deposited | Lookup:
        """Return the archived item carrying the deposit key, Lookup.ABSENT, or Lookup.CANNOT_SEARCH."""
        ...

    def find_same_title(self, title: str) -> list[Deposited]:
        """Return archived items deposited by the bridge under exactly this title (none when it cannot search)."""
        ...

    def resolve(self, pid: str) -> Deposited | Lookup:
        """Return the item a handle, DOI or item id names, Lookup.ABSENT, or Lookup.CANNOT_SEARCH."""
        ...

    def deposit(self, plan: DepositPlan, journal: Journal, progress: Progress | None = None) -> Deposited:
        """Deposit (or finish depositing) the plan; return the archived item with its files."""
        ...

    def read_back(self, item_id: str) -> Deposited | None:
        """Return the item with its files and checksums, or None when it does not exist."""
        ...

    def close(self) -> None: ...


class Opener(Protocol):
    def __call__(self, profile: Profile, *, spool_dir: Path, transport: Any, timeout: float) -> DepositTarget: ...


@dataclass(frozen=True)
class TargetSpec:
    """One entry of the target table: a deposit protocol and how to open it for a profile."""

    name: str  # the value of --target and of a profile's `target` (`kind` in bridge.toml)
    summary: str
    open: Opener
    capabilities: Capabilities = Capabilities()
    needs: tuple[tuple[str, str], ...] = ()  # (profile field, example value) that must be set

    def missing(self, profile: Profile) -> tuple[str, str] | None:
        """Return the first profile setting this target needs and the profile lacks, with an example value."""
        return next(((key, example) for key, example in self.needs if not getattr(profile, key, None)), None)


def bitstream_names(paths: list[str], *, keep_dirs: bool) -> dict[str, str]:
    """Return the repository name of each file: the path (SWORD zips keep folders) or the file name.

    DSpace's REST upload keeps only the file name, so when two files share one, both take their whole
    path with '/' replaced by '_' to stay apart.
    """
    if keep_dirs:
        return {p: p for p in paths}
    base = {p: posixpath.basename(p) for p in paths}
    counts: dict[str, int] = {}
    for name in base.values():
        counts[name] = counts.get(name, 0) + 1
    return {p: (name if counts[name] == 1 else p.replace("/", "_")) for p, name in base.items()}
