"""Read AI4OS / DEEP-Hybrid-DataCloud module metadata into Metadata field names.

Files: ``ai4-metadata.yml`` / ``.yaml`` / ``.json`` (schema v2.x, the current AI4OS modules) and the
older ``metadata.json`` (v1, or v2 written under the old name). summary -> description; description ->
technical_info (a v1 list of fragments joined into paragraphs; raw HTML dropped, lxml.html); keywords, or
tags + tasks + categories + libraries -> keywords; date_creation/dates.created -> date_created; license
(free-form "Apache 2.0" -> SPDX). Related identifiers get roles the kind's mapping resolves:
code/source_code ``code``; dataset_url/dataset ``dataset``; base_model ``base_model``;
cite_url/citation and documentation ``documentation``; ``doi`` and ``links.zenodo_doi`` (a Zenodo record
of the module, not the new deposit) ``described_work``. AI4OS has no authors: other files supply them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from bridge.artifact import checks
from bridge.artifact.foreign import foreign, html_to_text, looks_like_html
from bridge.artifact.read_common import Source, as_list, load_document, text_or_none

AI4OS_FILE = "metadata.json"  # v1 (DEEP); v2 files may carry this name too
AI4OS_V2_FILES = ("ai4-metadata.yml", "ai4-metadata.yaml", "ai4-metadata.json")
AI4OS_FILES = (*AI4OS_V2_FILES, AI4OS_FILE)
_FRAGMENT = re.compile(r'"(?:[^"\\]|\\.)*"')
_FRAGMENTS = re.compile(r'"(?:[^"\\]|\\.)*"(?:\s+"(?:[^"\\]|\\.)*")+')

# (v1 location, v2 location, role, resourceTypeGeneral) of each related resource.
_RELATIONS = (
    ("sources.code", "links.source_code", "code", "Software"),
    ("dataset_url", "links.dataset", "dataset", "Dataset"),
    (None, "links.base_model", "base_model", "Model"),
    ("cite_url", "links.citation", "documentation", None),
    (None, "links.documentation", "documentation", None),
    ("doi", "doi", "described_work", None),
    (None, "links.zenodo_doi", "described_work", None),
)


def _get(doc: dict[str, Any], dotted: str) -> Any:
    """Return the value at a dotted key path, or None."""
    value: Any = doc
    for key in dotted.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return value


def looks_like_ai4os(path: Path) -> bool:
    """Tell whether a metadata.json is AI4OS/DEEP metadata rather than some other JSON (unparsable counts)."""
    if path.name in AI4OS_V2_FILES:
        return True
    try:
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError):
        return False
    except (json.JSONDecodeError, RecursionError):
        return True  # report the syntax error rather than silently publishing a broken metadata file
    if not isinstance(doc, dict) or "title" not in doc:
        return False
    return any(key in doc for key in ("metadata_version", "summary", "sources", "links"))


def _license(value: str) -> str:
    """Return the SPDX id for a free-form AI4OS licence ('Apache 2.0', 'MIT'), or the value unchanged."""
    for candidate in (value, value.replace(" ", "-")):
        try:
            return checks.check_hf_license(candidate)
        except ValueError:
            continue
    return value  # validation reports it, with its line


def _join(fragments: list[Any]) -> str:
    """Join v1 description fragments: they split sentences (" from prior …"); "" and a newline end a paragraph."""
    text = ""
    for part in (x if isinstance(x, str) else str(x) for x in fragments if x is not None):
        if not part.strip():
            text += "\n\n"
        elif text and not text[-1].isspace() and not part[0].isspace():
            text += " " + part
        else:
            text += part
        if part.endswith("\n"):
            text += "\n"
    return text


def _quoted_fragments(text: str) -> list[str] | None:
    """Return the fragments of a v1 list pasted into a v2 string as '"a" " b" …' (a botched migration), or None."""
    if not _FRAGMENTS.fullmatch(text.strip()):
        return None
    try:
        return [json.loads(m.group(0)) for m in _FRAGMENT.finditer(text)]
    except json.JSONDecodeError:
        return None


def _description(value: Any, source: Source | None = None) -> str | None:
    """Return the description as text: v1 fragments joined, raw HTML dropped."""
    if isinstance(value, list):
        value = _join(value)
    elif isinstance(value, str) and (fragments := _quoted_fragments(value)) is not None:
        value = _join(fragments)
        if source is not None:
            source.warn(
                "description is a list of quoted v1 fragments written as one string; they were joined into text",
                field="technical_info",
            )
    text = text_or_none(value)
    if text is None:
        return None
    if looks_like_html(text):
        text = html_to_text(text)
    paragraphs = [" ".join(p.split()) if "\n" not in p.strip() else p.strip() for p in re.split(r"\n\s*\n", text)]
    return "\n\n".join(p for p in paragraphs if p) or None


def read_ai4os(path: Path) -> Source:
    """Read an AI4OS ai4-metadata.yml / .json (v2) or metadata.json (v1 DEEP, or v2)."""
    source = Source(file=path.name)
    doc, lines = load_document(path, source, "json" if path.suffix.lower() == ".json" else "yaml")
    v2 = "metadata_version" in doc
    dates: dict[str, Any] = doc["dates"] if isinstance(doc.get("dates"), dict) else {}
    data: dict[str, Any] = {}

    def take(target: str, value: Any, src: str) -> None:
        if value is not None and value != []:
            data[target] = value
            lines.copy_to(source, target, src)

    take("title", text_or_none(doc.get("title")), "title")
    take("description", text_or_none(doc.get("summary")), "summary")
    take("technical_info", _description(doc.get("description"), source), "description")
    license_ = text_or_none(doc.get("license"))
    take("license", _license(license_) if license_ else None, "license")
    if v2:
        take("date_created", text_or_none(dates.get("created")), "dates.created")
        groups: tuple[str, ...] = ("tags", "tasks", "categories", "libraries")
    else:
        take("date_created", text_or_none(doc.get("date_creation")), "date_creation")
        groups = ("keywords",)
    keywords = [text_or_none(k) for group in groups for k in as_list(doc.get(group))]
    take("keywords", list(dict.fromkeys(k for k in keywords if k)), groups[0])

    related: list[dict[str, Any]] = []
    for v1_key, v2_key, role, general in _RELATIONS:
        src = v2_key if v2 else v1_key
        identifier = text_or_none(_get(doc, src)) if src else None
        if not src or not identifier:
            continue
        item = foreign(identifier, role, f"{source.file}: {src}", resource_type_general=general)
        lines.copy_to(source, f"related.{len(related)}", src)
        related.append(item)
    if related:
        data["related"] = related
    source.data = data
    return source
