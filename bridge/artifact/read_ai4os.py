"""Read an AI4OS / DEEP-Hybrid-DataCloud ``metadata.json`` (v1 and v2) into Metadata field names.

summary -> description; description -> technical_info; keywords, or tags + tasks + categories +
libraries -> keywords; code/source_code -> IsCompiledBy; dataset_url/dataset and base_model ->
IsDerivedFrom; cite_url/citation and documentation -> IsDocumentedBy; date_creation/dates.created ->
date_created; doi and license as they are. AI4OS v2 has no authors: other files supply them.
``links.zenodo_doi`` is not translated (it names the module's own Zenodo record, whose relation
to this artefact the file does not say).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bridge.artifact import checks
from bridge.artifact.read_common import Source, as_list, load_document, text_or_none

AI4OS_FILE = "metadata.json"

# (v1 location, v2 location, DataCite relationType, resourceTypeGeneral) of each related resource.
_RELATIONS = (
    ("sources.code", "links.source_code", "IsCompiledBy", "Software"),
    ("dataset_url", "links.dataset", "IsDerivedFrom", "Dataset"),
    (None, "links.base_model", "IsDerivedFrom", "Model"),
    ("cite_url", "links.citation", "IsDocumentedBy", None),
    (None, "links.documentation", "IsDocumentedBy", None),
)


def _get(doc: dict[str, Any], dotted: str) -> Any:
    """Return the value at a dotted key path, or None."""
    value: Any = doc
    for key in dotted.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return value


def looks_like_ai4os(path: Path) -> bool:
    """Tell whether a metadata.json is AI4OS/DEEP metadata rather than some other JSON (unparsable counts)."""
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


def _description(value: Any) -> str | None:
    """Join a v1 description list into paragraphs."""
    if isinstance(value, list):
        parts = [text_or_none(x) for x in value]
        return "\n\n".join(p for p in parts if p) or None
    return text_or_none(value)


def read_ai4os(path: Path) -> Source:
    """Read an AI4OS metadata.json, v1 (DEEP) or v2 (metadata_version 2.x)."""
    source = Source(file=path.name)
    doc, lines = load_document(path, source, "json")
    v2 = "metadata_version" in doc
    dates: dict[str, Any] = doc["dates"] if isinstance(doc.get("dates"), dict) else {}
    data: dict[str, Any] = {}

    def take(target: str, value: Any, src: str) -> None:
        if value is not None and value != []:
            data[target] = value
            lines.copy_to(source, target, src)

    take("title", text_or_none(doc.get("title")), "title")
    take("description", text_or_none(doc.get("summary")), "summary")
    take("technical_info", _description(doc.get("description")), "description")
    take("doi", text_or_none(doc.get("doi")), "doi")
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
    for v1_key, v2_key, relation, general in _RELATIONS:
        src = v2_key if v2 else v1_key
        identifier = text_or_none(_get(doc, src)) if src else None
        if not src or not identifier:
            continue
        item: dict[str, Any] = {"identifier": identifier, "relation_type": relation}
        if general:
            item["resource_type_general"] = general
        lines.copy_to(source, f"related.{len(related)}", src)
        related.append(item)
    if related:
        data["related"] = related
    source.data = data
    return source
