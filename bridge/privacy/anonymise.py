"""`bridge anonymise SRC DEST`: an anonymised copy of an artefact folder, its report, and the methods text.

Every file of SRC is rewritten into DEST (archives re-packed the same way) with keyed, consistent pseudonyms
(:mod:`bridge.privacy.pseudonyms`); names with personal data get ``anon-<hex>`` tokens. DEST is written
under a temporary name and renamed when complete, so a failure leaves no half-written copy. The report,
``anonymisation-report.json`` in DEST, is published with the data: what kinds were replaced, how many, in which
(anonymised) files, with the SHA-256 of each file written, which is how the gate recognises the
pseudonymised addresses as such. Its ``methods`` text is appended to ``methods`` in DEST's publish.yaml.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import secrets
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bridge import __version__
from bridge.errors import MetadataError, Problem, UsageError
from bridge.privacy.archives import DEFAULT_LIMITS, Budget, Limits, Unreadable
from bridge.privacy.gate import REPORT_NAME
from bridge.privacy.pseudonyms import EMAIL_DOMAIN, Pseudonymiser, load_key
from bridge.privacy.rewrite import BinaryFinding, RewriteRun, rewrite

PUBLISH = "publish.yaml"


@dataclass
class Anonymised:
    """What `bridge anonymise` did: where, with which key, what it replaced, and the report it wrote."""

    dest: Path
    key_file: Path
    key_created: bool
    report: dict[str, Any]
    methods_merged: bool
    skipped: list[str] = field(default_factory=list)


def anonymise(src: Path, dest: Path, key_file: Path, *, limits: Limits = DEFAULT_LIMITS) -> Anonymised:
    """Write the anonymised copy of ``src`` to ``dest`` (which must not exist or be empty)."""
    _check_paths(src, dest)
    secret, created = load_key(key_file, src, dest)
    pseudonyms = Pseudonymiser(secret)
    partial = dest.parent / f".{dest.name}.partial-{secrets.token_hex(4)}"
    try:
        partial.mkdir(parents=True)
        files, skipped, names = _copy_tree(src, partial, pseudonyms, limits)
        report = _report(pseudonyms, files, names)
        merged = _merge_methods(partial / PUBLISH, report["methods"]) if (partial / PUBLISH).is_file() else False
        for entry in files:
            entry["sha256"] = _sha256(partial / entry["path"])
        (partial / REPORT_NAME).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        if dest.exists():
            dest.rmdir()  # checked empty above
        partial.rename(dest)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return Anonymised(dest, key_file, created, report, merged, skipped)


def _check_paths(src: Path, dest: Path) -> None:
    if not src.is_dir():
        raise UsageError(f"{src}: not a folder", hint="give the artefact folder to anonymise as SRC")
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise UsageError(f"{dest}: already exists and is not an empty folder", hint="give a new folder as DEST")
    s, d = src.resolve(), dest.resolve()
    if d == s or d.is_relative_to(s) or s.is_relative_to(d):
        raise UsageError(f"{dest}: DEST must be outside SRC (and SRC outside DEST)", hint="write the copy beside SRC")


def _copy_tree(
    src: Path, out: Path, pseudonyms: Pseudonymiser, limits: Limits
) -> tuple[list[dict[str, Any]], list[str], int]:
    """Rewrite every file below ``src`` into ``out``; return the file entries, skipped links and renamed names."""
    files: list[dict[str, Any]] = []
    skipped: list[str] = []
    names = 0
    for folder, dirs, filenames in os.walk(src):
        dirs.sort()
        rel_folder = Path(folder).relative_to(src)
        for filename in sorted(filenames):
            rel = rel_folder / filename
            if rel.as_posix() == REPORT_NAME:
                continue  # an earlier report describes other files; a new one is written
            ctx = RewriteRun(pseudonyms, Budget(limits))
            target_rel = Path(*(ctx.name(part) for part in rel.parts))
            source = src / rel
            if source.is_symlink():
                skipped.append(target_rel.as_posix())
                continue
            target = out / target_rel
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with source.open("rb") as raw, target.open("xb") as sink:
                    rewrite(raw, sink, rel.as_posix(), ctx, seekable=True)
            except Unreadable as exc:
                raise MetadataError(
                    Problem(f"cannot be anonymised: {exc.reason}", file=exc.path, field="privacy"),
                    hint=f"replace or remove the file (limits: {limits.describe()})",
                ) from None
            except BinaryFinding as exc:
                raise MetadataError(
                    Problem(f"binary data holding {', '.join(exc.kinds)} cannot be rewritten", file=exc.path),
                    hint="remove the file from SRC, or export its content as text first",
                ) from None
            except OSError as exc:
                raise MetadataError(Problem(f"cannot be copied: {exc.strerror or exc}", file=rel.as_posix())) from None
            shutil.copymode(source, target)
            names += ctx.names
            files.append({"path": target_rel.as_posix(), "counts": dict(sorted(ctx.counts.items()))})
    return files, skipped, names


def _report(pseudonyms: Pseudonymiser, files: list[dict[str, Any]], names: int) -> dict[str, Any]:
    totals: Counter[str] = Counter()
    for entry in files:
        totals.update(entry["counts"])
    changed = sum(1 for entry in files if entry["counts"])
    replaced = ", ".join(f"{kind} {n}" for kind, n in totals.most_common()) or "nothing"
    methods = (
        f"Anonymised with bridge anonymise (oai-bridge {__version__}) before publication; key fingerprint "
        f"{pseudonyms.fingerprint} (the key is kept by the depositor, outside the data). IPv4 and IPv6 addresses "
        "were replaced by prefix-preserving Crypto-PAn pseudonyms (Xu, Fan, Ammar and Moon, 2002; yacryptopan), "
        "so addresses that shared a prefix still share it; MAC addresses by keyed HMAC-SHA-256 pseudonyms "
        f"(locally administered); e-mail addresses by anon-<HMAC>@{EMAIL_DOMAIN}; user names and the users of home "
        "directories by anon-<HMAC>; personal data in file and member names by anon-<HMAC> tokens. Pseudonyms are "
        "consistent across files and cannot be reversed without the key. Replaced: "
        f"{replaced}, in {changed} of {len(files)} files."
    )
    return {
        "tool": "bridge anonymise",
        "version": __version__,
        "created": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "key_fingerprint": pseudonyms.fingerprint,
        "methods": methods,
        "counts": dict(totals.most_common()),
        "names_rewritten": names,
        "files": files,
    }


def _merge_methods(path: Path, text: str) -> bool:
    """Append the methods text to ``methods`` in publish.yaml (comments are not kept); return True."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise MetadataError(Problem(f"cannot be read to add the methods text: {exc}", file=PUBLISH)) from None
    if not isinstance(data, dict):
        raise MetadataError(Problem("is not a mapping of fields; cannot add the methods text", file=PUBLISH))
    previous = str(data.get("methods") or "").rstrip()
    data["methods"] = f"{previous}\n\n{text}" if previous else text
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100), encoding="utf-8")
    return True


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
