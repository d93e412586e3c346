"""Read a Hugging Face model card: the YAML front matter of README.md, plus its title and first paragraph.

Translated: license (HF id -> SPDX), language (the first), tags/library_name/pipeline_tag (keywords),
datasets and base_model (IsDerivedFrom), the first level-1 heading (title) and the first paragraph
after the first heading (description).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from bridge.artifact import checks
from bridge.artifact.read_common import Lines, Source, as_list, parse_yaml, read_text, text_or_none

MODEL_CARD_FILE = "README.md"
HF = "https://huggingface.co"


def split_front_matter(text: str) -> tuple[str, list[str], int] | None:
    """Return (front matter YAML, body lines, body's first line number) for a text that starts with ---."""
    lines = text.splitlines()
    if not lines or lines[0].rstrip() != "---":
        return None
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            return "\n".join(lines[1:index]), lines[index + 1 :], index + 2
    return None


def has_front_matter(path: Path) -> bool:
    """Tell whether a README.md is a model card (starts with YAML front matter)."""
    try:
        with path.open(encoding="utf-8-sig", errors="replace") as fh:
            first = fh.readline()
    except OSError:
        return False
    return first.rstrip() == "---"


def _hub_reference(value: str, hub_prefix: str) -> tuple[str, str]:
    """Return (identifier, type) for a Hub id, a DOI or a URL."""
    try:
        return checks.check_doi(value), "DOI"
    except ValueError:
        pass
    if re.match(r"^https?://", value, re.IGNORECASE):
        return value, "URL"
    return f"{hub_prefix}/{value}", "URL"


def _body(lines: list[str], first_line: int) -> tuple[tuple[str, int] | None, tuple[str, int] | None]:
    """Return ((title, line), (paragraph, line)) from the markdown body; first_line is the body's line number."""
    title: tuple[str, int] | None = None
    seen_heading = False
    paragraph: list[str] = []
    start = 0
    in_comment = False
    for index, raw in enumerate(lines):
        line = raw.strip()
        if in_comment:
            in_comment = "-->" not in line
            continue
        if line.startswith("<!--"):
            in_comment = "-->" not in line
            continue
        if line.startswith("#"):
            if paragraph:
                break
            if not seen_heading and line.startswith("# "):
                text = re.sub(r"^model card for\s+", "", line[2:].strip(), flags=re.IGNORECASE)
                title = (text, first_line + index) if text else None
            seen_heading = True
            continue
        if not seen_heading:
            continue
        if not line:
            if paragraph:
                break
            continue
        # Badges, images, tables, code fences and template placeholders are not prose.
        if not paragraph and (line.startswith(("![", "[![", "|", "```", "<")) or line == "[More Information Needed]"):
            continue
        if not paragraph:
            start = first_line + index
        paragraph.append(line)
    text = " ".join(paragraph)
    return title, ((text, start) if text else None)


def _license(card: dict[str, Any], source: Source, lines: Lines, data: dict[str, Any]) -> None:
    """Translate the HF licence id to SPDX, or explain why it cannot be."""
    value = text_or_none(card.get("license"))
    if not value:
        return
    line = lines.get("license")
    if value.lower() == "other":
        named = text_or_none(card.get("license_name")) or "unnamed"
        link = text_or_none(card.get("license_link"))
        where = f" ({link})" if link else ""
        source.problem(
            f"the Hugging Face licence 'other' (license_name: {named}{where}) has no SPDX id, "
            "so the repository cannot state it; "
            "set license to an SPDX id (https://spdx.org/licenses/, e.g. CC-BY-4.0) in publish.yaml",
            field="license",
            line=line,
        )
        return
    try:
        data["license"] = checks.check_hf_license(value)
    except ValueError as exc:
        source.problem(str(exc), field="license", line=line)
        return
    if line is not None:
        source.lines["license"] = line


def read_modelcard(path: Path) -> Source:
    """Read the front matter (and title, first paragraph) of a Hugging Face model card."""
    source = Source(file=path.name)
    text = read_text(path, source)
    parts = split_front_matter(text) if text is not None else None
    if parts is None:
        if text is not None:
            source.problem("has no YAML front matter closed by a --- line, so it is not a model card", line=1)
        return source
    yaml_text, body, body_start = parts
    card, lines, problems = parse_yaml(yaml_text, source.file, offset=1)  # front matter starts on line 2
    source.problems.extend(problems)
    if card is None:
        card = {}
    if not isinstance(card, dict):
        source.problem("front matter must be a mapping of keys to values", line=2)
        card = {}
    data: dict[str, Any] = {}
    _license(card, source, lines, data)
    languages = [text_or_none(x) for x in as_list(card.get("language"))]
    if languages and languages[0]:
        data["language"] = languages[0]
        lines.copy_to(source, "language", "language.0" if isinstance(card.get("language"), list) else "language")
    keywords = [text_or_none(x) for x in as_list(card.get("tags"))]
    keywords += [text_or_none(card.get("library_name")), text_or_none(card.get("pipeline_tag"))]
    keywords = list(dict.fromkeys(k for k in keywords if k))
    if keywords:
        data["keywords"] = keywords
        lines.copy_to(source, "keywords", "tags" if "tags" in card else "library_name")
    related: list[dict[str, Any]] = []
    for key, prefix, general in (("datasets", f"{HF}/datasets", "Dataset"), ("base_model", HF, "Model")):
        for index, item in enumerate(as_list(card.get(key))):
            value = text_or_none(item)
            if not value:
                continue
            identifier, id_type = _hub_reference(value, prefix)
            lines.copy_to(source, f"related.{len(related)}", f"{key}.{index}" if isinstance(card[key], list) else key)
            related.append(
                {
                    "identifier": identifier,
                    "identifier_type": id_type,
                    "relation_type": "IsDerivedFrom",
                    "resource_type_general": general,
                }
            )
    if related:
        data["related"] = related
    title, paragraph = _body(body, body_start)
    if title:
        data["title"], source.lines["title"] = title
    if paragraph:
        data["description"], source.lines["description"] = paragraph
    source.data = data
    return source
