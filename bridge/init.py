"""`bridge init`: write a commented publish.yaml pre-filled from the metadata files a folder already has.

Like ``npm init`` or cffinit: the other files (CITATION.cff, .zenodo.json, AI4OS metadata, a model card) keep
being read at validation time; publish.yaml adds what only the depositor can say — the kind (crosswalk), the
licence of *this* deposit and its access — and names the creators when no file does. Lines marked DECIDE are
the user's decisions; a value copied from another file is marked with where it came from. The kind is never
guessed from the data (a folder of logs may hold personal data: ``anonymised-logs`` is a decision), only from
a Hugging Face model card, as validation does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bridge.artifact.merge import merge_sources
from bridge.artifact.metadata import MODEL_CARD_KIND
from bridge.artifact.readers import find_sources
from bridge.crosswalk.mapping import known_kinds
from bridge.errors import MetadataError, UsageError
from bridge.fsutil import write_atomic
from bridge.settings import Settings

PUBLISH_FILE = "publish.yaml"


@dataclass
class Initialised:
    """What `bridge init` wrote."""

    path: Path
    kind: str
    sources: list[str]
    decide: list[str] = field(default_factory=list)  # fields the user must still decide
    prefilled: dict[str, str] = field(default_factory=dict)  # field -> file it was copied from

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON form printed by `bridge init --json`."""
        return {
            "path": str(self.path),
            "kind": self.kind,
            "sources": self.sources,
            "decide": self.decide,
            "prefilled": self.prefilled,
        }


def init_folder(root: Path, settings: Settings, *, kind: str | None = None) -> Initialised:
    """Write root/publish.yaml from the folder's other metadata files; raise UsageError when it cannot."""
    if not root.is_dir():
        raise UsageError(f"{root}: not a folder", hint="give the artefact folder: bridge init <folder> --kind <kind>")
    target = root / PUBLISH_FILE
    existing = [p.name for p in (root / n for n in ("publish.yaml", "publish.yml", "publish.json")) if p.exists()]
    if existing:
        raise UsageError(
            f"{root / existing[0]} exists already; bridge init never overwrites it",
            hint="edit it, or move it away to start again",
        )
    kinds = known_kinds(settings.mappings_dirs)
    found = [(fmt, path) for fmt, path in find_sources(root) if fmt.label != "publish"]
    sources = [fmt.read(path) for fmt, path in found]
    unreadable = [p for s in sources if s.unreadable for p in s.problems]
    if unreadable:  # pre-filling from what could be read would silently drop that file
        raise MetadataError(unreadable, hint="fix the file named, then run 'bridge init' again")
    merged, _ = merge_sources(sources)
    data, provenance = merged.data, merged.provenance
    if kind is None and any(fmt.label == "modelcard" for fmt, _ in found):
        kind = MODEL_CARD_KIND
    if kind is None:
        raise UsageError(
            f"which kind of artefact is {root}? bridge init does not guess it; give --kind, one of: {', '.join(kinds)}",
            hint=f"e.g. bridge init {root} --kind {kinds[0] if kinds else 'model-weights'}",
        )
    if kind not in kinds:
        raise UsageError(f"unknown kind {kind!r}; known: {', '.join(kinds) or 'none'}", hint="run 'bridge mappings'")
    result = Initialised(path=target, kind=kind, sources=[s.file for s in sources])
    text = _render(result, kinds, data, provenance)
    write_atomic(target, text.encode("utf-8"), what="publish.yaml", hint="check that the folder is writable")
    return result


def _q(value: Any) -> str:
    """Return a YAML scalar for a value (JSON strings are valid YAML and quote everything that needs it)."""
    return json.dumps(value, ensure_ascii=False)


def _render(result: Initialised, kinds: list[str], data: dict[str, Any], provenance: dict[str, str]) -> str:
    out: list[str] = []
    said = ", ".join(result.sources) if result.sources else "no other metadata file"
    out += [
        f"# publish.yaml written by `bridge init` from {said}.",
        "# The bridge reads those files too and merges them field by field; a value written here wins.",
        "# Lines marked DECIDE are yours to decide before `bridge publish`; then run `bridge validate`.",
        "",
        f"# The crosswalk (mappings/<kind>.toml); one of: {', '.join(kinds)}.",
        f"kind: {result.kind}",
        "",
    ]
    title = data.get("title")
    if isinstance(title, str) and title.strip():
        out += [f"title: {_q(title.strip())}   # from {provenance.get('title')}; a title for this deposit", ""]
        result.prefilled["title"] = provenance.get("title", "")
    else:
        out += ["# DECIDE: no file gives a title; name this deposit.", 'title: ""', ""]
        result.decide.append("title")
    licence = data.get("license")
    rights = data.get("rights") if isinstance(data.get("rights"), dict) else None
    out.append("# DECIDE: the licence of this deposit, an SPDX id (https://spdx.org/licenses/), e.g. CC-BY-4.0.")
    result.decide.append("license")
    if isinstance(licence, str) and licence.strip():
        origin = provenance.get("license")
        out += [
            f"#   {origin} says {licence}: that file may describe other work (the code, a paper); confirm it here.",
            f"license: {_q(licence.strip())}",
        ]
        result.prefilled["license"] = origin or ""
    elif rights:
        out += [
            f"#   {provenance.get('rights')} names '{rights.get('name')}', which has no SPDX id: left as the rights",
            "#   statement a repository will show, unless you give an SPDX id here.",
            "# license: CC-BY-4.0",
        ]
    else:
        out += ["#   No file gives one; an open-access deposit needs one.", "# license: CC-BY-4.0"]
    out += [
        "",
        "# DECIDE: who may get the files: open | embargoed (needs embargo_until: YYYY-MM-DD) | restricted | closed.",
        "access:",
        "  status: open",
        "",
    ]
    result.decide.append("access")
    creators = data.get("creators")
    if isinstance(creators, list) and creators:
        origin = provenance.get("creators")
        out += [f"# creators: {len(creators)} read from {origin}; list them here to replace them.", ""]
    else:
        out += [
            "# DECIDE: no file names a creator; list the people who made this (ORCID and ROR when known):",
            "#   - given_name: Josiah",
            "#     family_name: Carberry",
            "#     orcid: https://orcid.org/0000-0002-1825-0097",
            "#     affiliation: [{name: CSIC, ror: https://ror.org/02gfc7t72}]",
            "creators: []",
            "",
        ]
        result.decide.append("creators")
    others = [k for k in ("description", "version", "date_released", "keywords", "related", "language") if k in data]
    if others:
        out.append("# Also read from the other files (shown by `bridge validate --json`):")
        for key in others:
            value = data[key]
            count = f" ({len(value)})" if isinstance(value, list) else ""
            out.append(f"#   {key}{count}: {provenance.get(key)}")
        out.append("")
    if "related" in data:
        out += [
            "# DOIs and URLs in those files name other works (the code, its paper, a Zenodo record of it): they become",
            "# related identifiers, never this deposit's DOI. Give this deposit's own DOI only if you reserved one:",
            "# doi: 10.xxxx/yyyy",
            "",
        ]
    return "\n".join(out)
