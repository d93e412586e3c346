"""Read a Hugging Face model card: the YAML front matter of README.md, plus its title and first paragraph.

Translated: license (HF id -> SPDX; a Hub licence without SPDX id such as other / openrail* / llama* / gemma
-> a ``rights`` entry with the licence's name and URL, and a warning), language (the first; ``multilingual``
-> ``mul``), tags/library_name/pipeline_tag (keywords), datasets and base_model (roles ``dataset`` and
``base_model``), the title and the first paragraph after the first heading (description). The title is
``model_name``, else ``model-index[0].name`` (unless the first H1 spells it out), else the repository id of a
Hugging Face clone (.git/config), else the first level-1 heading that is not a section name ("Model
Details", "Usage" …) or the template's "Model Card for Model ID"; headings in code blocks do not count.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from bridge.artifact import checks
from bridge.artifact.foreign import foreign
from bridge.artifact.hf_licenses import NO_LICENCE, hub_licence
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


# Headings of the Hub's card template and common cards: sections, not the model's name.
SECTION_NAMES = frozenset(
    x.casefold()
    for x in (
        "Model Card",
        "Model ID",
        "Model Description",
        "Model Details",
        "Model Summary",
        "Model Sources",
        "Usage",
        "Uses",
        "Direct Use",
        "Downstream Use",
        "Out-of-Scope Use",
        "How to use",
        "How to Get Started with the Model",
        "Intended uses & limitations",
        "Intended Use",
        "Limitations",
        "Bias, Risks, and Limitations",
        "Recommendations",
        "Training",
        "Training Details",
        "Training Data",
        "Training Procedure",
        "Training Hyperparameters",
        "Training results",
        "Hyperparameters",
        "Evaluation",
        "Evaluation results",
        "Results",
        "Testing Data, Factors & Metrics",
        "Environmental Impact",
        "Technical Specifications",
        "Citation",
        "BibTeX entry and citation info",
        "Glossary",
        "More Information",
        "Model Card Authors",
        "Model Card Contact",
        "Framework versions",
        "Table of Contents",
        "License",
        "Informations",
        "Information",
        "Tags",
        "Introduction",
        "Overview",
        "Description",
        "Acknowledgements",
    )
)
_HUB_REMOTE = re.compile(r"url\s*=\s*https?://(?:[^@/\s]+@)?huggingface\.co/([^/\s]+/[^/\s]+?)(?:\.git)?/?\s*$", re.M)
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")


def _heading_title(text: str) -> str | None:
    """Return a level-1 heading's text as a title, or None when it is a section name or a template placeholder."""
    text = re.sub(r"^model card for\s+", "", text.strip(), flags=re.IGNORECASE)
    text = re.sub(r"^[^\w(\[]+", "", text).strip()  # leading emoji and decoration (✨ Falcon-40B)
    if not text or text.casefold() in SECTION_NAMES or text.casefold() == "model id":
        return None
    return text


def _body(lines: list[str], first_line: int) -> tuple[tuple[str, int] | None, tuple[str, int] | None]:
    """Return ((title, line), (paragraph, line)) from the markdown body; first_line is the body's line number."""
    title: tuple[str, int] | None = None
    seen_heading = False
    paragraph: list[str] = []
    start = 0
    in_comment = False
    in_fence = False
    for index, raw in enumerate(lines):
        line = raw.strip()
        if _FENCE.match(raw):
            in_fence = not in_fence
            if paragraph:
                break
            continue
        if in_fence:
            continue
        if in_comment:
            in_comment = "-->" not in line
            continue
        if line.startswith("<!--"):
            in_comment = "-->" not in line
            continue
        heading = _HEADING.match(raw)
        if heading:
            if paragraph:
                if title is not None:
                    break
                paragraph = []  # a paragraph before the title is the template's, not the model's
            if title is None and len(heading.group(1)) == 1:
                text = _heading_title(heading.group(2))
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
    """Translate the HF licence id to SPDX, or to a rights entry (name, URL) with a warning when it has none."""
    value = text_or_none(card.get("license"))
    if not value:
        return
    line = lines.get("license")
    if value.lower() in NO_LICENCE:
        source.warn(f"license: {value} says no licence is known", field="license", line=line)
        return
    hub = hub_licence(value)
    if hub is not None:
        name = text_or_none(card.get("license_name")) or hub.name
        url = text_or_none(card.get("license_link")) or hub.url
        if url and not re.match(r"^https?://", url):
            url = f"{HF}/{url.lstrip('/')}" if "/" in url else None  # a link relative to the repository
        data["rights"] = {"name": name, "identifier": value.lower(), **({"url": url} if url else {})}
        if line is not None:
            source.lines["rights"] = line
        shown = f"“{name}”" + (f" with a link to {url}" if url else " with no link")
        source.warn(
            f"the Hugging Face licence '{value}' has no SPDX id: the repository will show the rights statement "
            f"{shown} and no SPDX identifier; if the model has an SPDX licence, set license in publish.yaml",
            field="rights",
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


def _language(card: dict[str, Any], source: Source, lines: Lines, data: dict[str, Any]) -> None:
    """Take the card's first language; Hugging Face's ``multilingual`` is BCP 47 / ISO 639-2 ``mul``."""
    raw = card.get("language")
    languages = [text_or_none(x) for x in as_list(raw)]
    if not languages or not languages[0]:
        return
    first = languages[0]
    data["language"] = "mul" if first.casefold() == "multilingual" else first
    lines.copy_to(source, "language", "language.0" if isinstance(raw, list) else "language")


def _repository_id(folder: Path) -> str | None:
    """Return owner/name of a Hugging Face clone, from the origin URL in .git/config, else None."""
    config = folder / ".git" / "config"
    try:
        text = config.read_text(encoding="utf-8", errors="replace") if config.is_file() else ""
    except OSError:
        return None
    found = _HUB_REMOTE.search(text)
    return found.group(1) if found else None


def _title(card: dict[str, Any], heading: tuple[str, int] | None, folder: Path, lines: Lines) -> tuple[str, int] | None:
    """Return (title, line): model_name, model-index[0].name, the repository id, else the first real H1."""
    named = text_or_none(card.get("model_name"))
    if named:
        return named, lines.get("model_name") or 0
    index = card.get("model-index")
    first = index[0] if isinstance(index, list) and index and isinstance(index[0], dict) else {}
    indexed = text_or_none(first.get("name"))
    if indexed:
        # A heading that spells the name out ("PPO" -> "PPO Agent Playing LunarLander-v2") is the better title.
        if heading and indexed.casefold() in heading[0].casefold() and len(heading[0]) > len(indexed):
            return heading
        return indexed, lines.get("model-index.0.name") or 0
    repository = _repository_id(folder)
    if repository:
        return repository, 0
    return heading


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
    _language(card, source, lines, data)
    keywords = [text_or_none(x) for x in as_list(card.get("tags"))]
    keywords += [text_or_none(card.get("library_name")), text_or_none(card.get("pipeline_tag"))]
    keywords = list(dict.fromkeys(k for k in keywords if k))
    if keywords:
        data["keywords"] = keywords
        lines.copy_to(source, "keywords", "tags" if "tags" in card else "library_name")
    related: list[dict[str, Any]] = []
    for key, prefix, role in (("datasets", f"{HF}/datasets", "dataset"), ("base_model", HF, "base_model")):
        for index, item in enumerate(as_list(card.get(key))):
            value = text_or_none(item)
            if not value:
                continue
            identifier, id_type = _hub_reference(value, prefix)
            src = f"{key}.{index}" if isinstance(card[key], list) else key
            lines.copy_to(source, f"related.{len(related)}", src)
            related.append(foreign(identifier, role, f"{source.file}: {src}", identifier_type=id_type))
    if related:
        data["related"] = related
    heading, paragraph = _body(body, body_start)
    title = _title(card, heading, path.parent, lines)
    if title:
        data["title"] = title[0]
        if title[1]:
            source.lines["title"] = title[1]
    if paragraph:
        data["description"], source.lines["description"] = paragraph
    source.data = data
    return source
