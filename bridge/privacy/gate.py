"""The privacy gate: every file, every archive member, every name and every published metadata field, fail closed.

Kinds reported: ``ipv4``, ``ipv6``, ``email``, ``mac``, ``home-user`` (the user of a home directory) and
``user`` (a user name in an sshd, sudo, su, PAM, login or Slurm field); the notations each kind is found in,
and the placeholders left alone, are in :mod:`bridge.privacy.patterns`. A file or member that cannot be
decoded, nests too deep or expands past the limits fails the gate and names the member and the limit.

What ``bridge anonymise`` wrote passes: e-mails, user names and home directories become ``anon-<hex>``
pseudonyms, which are placeholders; addresses (Crypto-PAn) and MACs still look real, so the gate accepts
them only in files whose SHA-256 is listed in the artefact's ``anonymisation-report.json`` (a file edited
after anonymisation is checked in full again).
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from bridge.artifact.model import Artifact, FileInfo, Metadata, PrivacyException
from bridge.errors import MetadataError, Problem
from bridge.privacy.archives import DEFAULT_LIMITS, Budget, Limits, Unreadable, walk
from bridge.privacy.patterns import Hit, find_all, mask
from bridge.privacy.textio import SNIFF, blocks, classify, printable_around

KINDS = ("ipv4", "ipv6", "email", "mac", "home-user", "user")
LABELS = {
    "ipv4": "IPv4 address",
    "ipv6": "IPv6 address",
    "email": "e-mail address",
    "mac": "MAC address",
    "home-user": "home-directory user name",
    "user": "user name",
}
PER_FILE_LIMIT = 50
REPORT_NAME = "anonymisation-report.json"
PSEUDONYMISED = frozenset({"ipv4", "ipv6", "mac"})  # kinds whose pseudonyms look like real values
PARALLEL_BYTES = 256 << 20  # below this, starting worker processes costs more than it saves
_SKIPPED_FIELDS = frozenset({"privacy_exception", "version", "files", "kind", "license", "language"})


@dataclass(frozen=True)
class Finding:
    """One piece of personal data, with a masked form that is safe to print."""

    kind: str
    file: str
    line: int | None
    value: str
    masked: str = ""
    field: str = "privacy"  # "privacy" for content, "name" for a file or member name, else the metadata field

    def __post_init__(self) -> None:
        if not self.masked:
            object.__setattr__(self, "masked", mask(self.kind, self.value))

    def __repr__(self) -> str:  # never print the value itself, not even in a traceback
        return f"Finding(kind={self.kind!r}, file={self.file!r}, line={self.line}, masked={self.masked!r})"

    def as_problem(self) -> Problem:
        """Return the Problem a user sees: masked value, kind, where, and what to do."""
        where = {"privacy": "", "name": " in the name", "owner": " as the owner"}.get(self.field, " in the field")
        return Problem(
            f"{LABELS.get(self.kind, self.kind)} {self.masked} found{where} (kind {self.kind}); "
            "remove it (bridge anonymise does) or record a privacy_exception in publish.yaml",
            file=self.file,
            field=self.field,
            line=self.line,
        )

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "file": self.file, "line": self.line, "field": self.field, "value": self.masked}


@dataclass
class GateResult:
    """What the gate let through: findings allowed by the exception, and pseudonyms by kind."""

    allowed: list[Finding] = field(default_factory=list)
    pseudonyms: Counter[str] = field(default_factory=Counter)


def _from_hits(hits: Iterable[Hit], file: str, line: int | None, fld: str) -> Iterator[Finding]:
    for h in hits:
        yield Finding(h.kind, file, line, h.value, h.masked, fld)


def scan_text(text: str, file: str, fld: str, line: int | None = None) -> list[Finding]:
    """Return the findings in a short text: a name or a metadata value."""
    return list(_from_hits(find_all(text.encode("utf-8", "replace")), file, line, fld))


def scan_stream(raw: IO[bytes], path: str, limits: Limits, *, seekable: bool = False) -> Iterator[Finding]:
    """Yield the findings in a stream and every layer inside it; raise Unreadable when a part cannot be checked."""
    for event in walk(raw, path, Budget(limits), seekable=seekable):
        if event.name is not None:
            yield from scan_text(event.name, event.path, "name")
        for owner in event.fields.values():
            yield from (f for f in scan_text(f"user={owner}", event.path, "owner") if f.kind == "user")
        if event.data is not None:
            yield from scan_leaf(event.data, event.path)


def scan_leaf(raw: IO[bytes], path: str) -> Iterator[Finding]:
    """Yield the findings in one leaf stream, read in blocks of whole lines."""
    first = raw.read(SNIFF)
    codec, text = classify(first)
    line = 1
    for block in blocks(raw, codec, first):
        hits = find_all(block)
        if not text:  # binary data: only text stored inside it counts, not chance bytes
            hits = [h for h in hits if printable_around(block, h.start, h.end)]
        at = 0
        for h in hits:
            line += block.count(b"\n", at, h.start)
            at = h.start
            yield Finding(h.kind, path, line, h.value, h.masked)
        line += block.count(b"\n", at)


def iter_findings(root: Path, info: FileInfo, limits: Limits = DEFAULT_LIMITS) -> Iterator[Finding]:
    """Yield the findings in one file of the artefact: its name, then its content and every layer inside."""
    yield from scan_text(info.path, info.path, "name")
    with (root / info.path).open("rb") as raw:
        yield from scan_stream(raw, info.path, limits, seekable=True)


def scan_privacy(root: Path, files: list[FileInfo], *, limits: Limits = DEFAULT_LIMITS) -> list[Finding]:
    """Return every finding in the files; raise Unreadable for the first part that cannot be checked."""
    return [f for info in files for f in iter_findings(root, info, limits)]


def scan_metadata(md: Metadata, provenance: dict[str, str], default: str) -> Iterator[Finding]:
    """Yield the findings in every metadata value that will be published (title, description, creators …)."""
    data = md.model_dump(mode="json", exclude=set(_SKIPPED_FIELDS))
    for top, value in data.items():
        for path, text in _strings(value, top):
            yield from scan_text(text, provenance.get(top, default), path)


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, f"{path}[{i}]")


def allows(exception: PrivacyException | None, finding: Finding) -> bool:
    """Return True when the exception covers the finding: all, by kind, or by value (any case)."""
    if exception is None:
        return False
    if not exception.allow:
        return True
    allowed = {a.casefold() for a in exception.allow}
    return finding.kind in allowed or finding.value.casefold() in allowed


def apply_exception(findings: Iterable[Finding], exception: PrivacyException | None) -> list[Finding]:
    """Return the findings the exception does not allow."""
    return [f for f in findings if not allows(exception, f)]


def trusted_digests(root: Path) -> set[str]:
    """Return the SHA-256 of the files ``bridge anonymise`` wrote, from the artefact's report (if any)."""
    try:
        report = json.loads((root / REPORT_NAME).read_text(encoding="utf-8"))
        entries = report["files"] + report.get("metadata_files", [])
        if report.get("tool") != "bridge anonymise":
            return set()
        return {str(e["sha256"]) for e in entries if isinstance(e, dict) and "sha256" in e}
    except (OSError, ValueError, KeyError, TypeError):
        return set()  # no report, or not one of ours: nothing is trusted


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass
class Verdict:
    """The gate's judgement of one file (or of the metadata), mergeable in file order."""

    problems: list[Problem] = field(default_factory=list)
    allowed: list[Finding] = field(default_factory=list)
    pseudonyms: Counter[str] = field(default_factory=Counter)
    counts: Counter[str] = field(default_factory=Counter)


def judge(
    findings: Iterable[Finding], trusted: bool, exception: PrivacyException | None, limit: int, per: str
) -> Verdict:
    """Sort findings into pseudonyms (in a file the report vouches for), allowed ones and problems (``limit`` shown)."""
    verdict = Verdict()
    shown = more = taken = 0
    try:
        for f in findings:
            if trusted and f.kind in PSEUDONYMISED and f.field not in ("name", "owner"):
                verdict.pseudonyms[f.kind] += 1
            elif allows(exception, f):
                if taken < limit:
                    verdict.allowed.append(f)
                    taken += 1
            else:
                verdict.counts[f.kind] += 1
                if shown < limit:
                    verdict.problems.append(f.as_problem())
                    shown += 1
                else:
                    more += 1
    except Unreadable as exc:  # fails the gate; the other files are still checked
        verdict.counts["unreadable"] += 1
        message = f"cannot be checked for personal data: {exc.reason}"
        verdict.problems.append(Problem(message, file=exc.path, field="privacy"))
    if more:
        verdict.problems.append(Problem(f"… and {more} more findings in this file", file=per, field="privacy"))
    return verdict


def judge_file(
    root: Path, info: FileInfo, trusted: bool, exception: PrivacyException | None, limits: Limits, limit: int
) -> Verdict:
    """Judge one file of the artefact (a top-level function, so a worker process can run it)."""
    return judge(iter_findings(root, info, limits), trusted, exception, limit, info.path)


def judge_files(
    root: Path, files: list[FileInfo], trusted: set[str], exception: PrivacyException | None, limits: Limits,
    limit: int, workers: int | None = None,
) -> list[Verdict]:  # fmt: skip
    """Judge every file, in order; large artefacts on several cores (one process per core, files in parallel)."""
    args = [(root, info, info.sha256 in trusted, exception, limits, limit) for info in files]
    workers = workers if workers is not None else len(os.sched_getaffinity(0))
    if workers < 2 or len(files) < 2 or sum(f.size for f in files) < PARALLEL_BYTES:
        return [judge_file(*a) for a in args]
    # spawn, not fork: the caller may run threads (the embedded sandbox), which fork would copy mid-state
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(workers, len(files)), mp_context=context) as pool:
        return list(pool.map(judge_file, *zip(*args, strict=True)))


def check_artifact(
    artifact: Artifact, *, limits: Limits = DEFAULT_LIMITS, limit: int = PER_FILE_LIMIT, workers: int | None = None
) -> GateResult:
    """Run the gate over files, names and metadata; raise MetadataError listing what it found, by kind."""
    root, md = artifact.root, artifact.metadata
    trusted = trusted_digests(root)
    sources = {name: sha256_of(root / name) in trusted for name in artifact.sources if (root / name).is_file()}
    default = artifact.sources[0] if artifact.sources else "metadata"
    by_file: dict[str, list[Finding]] = {}
    for f in scan_metadata(md, artifact.provenance, default):
        by_file.setdefault(f.file, []).append(f)
    exception = md.privacy_exception
    verdicts = [judge(found, sources.get(name, False), exception, limit, name) for name, found in by_file.items()]
    verdicts += judge_files(root, artifact.files, trusted, exception, limits, limit, workers)
    result, problems, counts = GateResult(), [], Counter[str]()
    for verdict in verdicts:
        result.allowed += verdict.allowed
        result.pseudonyms += verdict.pseudonyms
        problems += verdict.problems
        counts += verdict.counts
    if problems:
        summary = ", ".join(f"{kind} {n}" for kind, n in counts.most_common())
        raise MetadataError(
            problems,
            hint=f"privacy gate found {summary}; run 'bridge anonymise SRC DEST' to write an anonymised copy, "
            "replace what cannot be read (limits: " + limits.describe() + "), or add privacy_exception: "
            "{reason: …, allow: [kinds or values]} to publish.yaml",
        )
    return result
