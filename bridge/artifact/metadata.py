"""Read every metadata file of an artefact folder, merge them by precedence and check the result.

Precedence, highest first: ``publish.yaml`` (or ``publish.yml`` / ``publish.json``) > ``.zenodo.json``
> ``CITATION.cff`` > AI4OS ``ai4-metadata.yml`` / ``.yaml`` / ``.json`` > ``metadata.json`` > the YAML front
matter of ``README.md`` (a Hugging Face model card). Only the top level of the folder is searched; files are
merged field by field (``bridge.artifact.merge``). ``kind`` must be given (in publish.yaml or ``--kind``);
only when a model card is present and nothing gives it is ``kind: model-weights`` assumed. Warnings (read,
with a decision the user should see) are returned beside the metadata.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel, ValidationError

from bridge.artifact import checks, textsafety
from bridge.artifact.merge import UNION_FIELDS, Merged, drop_own_doi, merge_sources
from bridge.artifact.model import Metadata
from bridge.artifact.readers import ACCEPTED_FILES, find_sources, unread_metadata_files
from bridge.errors import MetadataError, Problem

METADATA_FILES: tuple[str, ...] = ACCEPTED_FILES
KINDS = "model-weights | anonymised-logs | satellite-products"
_PARTIAL_DATE = re.compile(r"\d{4}(?:-(?:0[1-9]|1[0-2]))?")
MODEL_CARD_KIND = "model-weights"


@dataclass
class MetadataResult:
    """The merged, checked metadata and where each part came from."""

    metadata: Metadata
    sources: list[str]  # files read, highest precedence first
    provenance: dict[str, str]  # top-level field -> file it came from
    metadata_files: set[str]  # names the file scanner must not publish as data
    warnings: list[str] = field(default_factory=list)  # what reading changed or decided: the user should look


class _Checker:
    """Apply checks.py to the merged dict in place, normalising values and collecting problems."""

    def __init__(self, merged: Merged) -> None:
        self.merged = merged
        self.problems: list[Problem] = []
        self.failed: set[str] = set()
        self.warnings: list[str] = []

    def fail(self, path: str, message: str) -> None:
        file, line = self.merged.locate(path)
        self.problems.append(Problem(message, file=file, field=path, line=line))
        self.failed.add(path)

    def apply(self, container: Any, key: str, path: str, check: Callable[[Any], Any]) -> None:
        """Replace container[key] by check(value), or record why it fails."""
        if not isinstance(container, dict):
            return
        value = container.get(key)
        if value is None or not isinstance(value, (str, int, float, dt.date)) or isinstance(value, bool):
            return  # absent, or a wrong type that validation reports
        try:
            container[key] = check(value)
        except ValueError as exc:
            self.fail(path, str(exc))

    def run(self) -> None:
        data = self.merged.data
        textsafety.check_strings(data, self.fail, self.warnings.append)
        for group in ("creators", "contributors"):
            for i, person in enumerate(_dicts(data.get(group))):
                self.apply(person, "orcid", f"{group}.{i}.orcid", checks.check_orcid)
                if isinstance(person.get("affiliation"), (str, dict)):  # one affiliation written without a list
                    person["affiliation"] = [person["affiliation"]]
                affiliations = person.get("affiliation")
                if isinstance(affiliations, list):
                    person["affiliation"] = [{"name": a} if isinstance(a, str) else a for a in affiliations]
                for j, affiliation in enumerate(_dicts(person.get("affiliation"))):
                    self.apply(affiliation, "ror", f"{group}.{i}.affiliation.{j}.ror", checks.check_ror)
                if group == "contributors":
                    self.apply(
                        person, "contributor_type", f"{group}.{i}.contributor_type", checks.check_contributor_type
                    )
        if isinstance(data.get("publisher"), str):
            data["publisher"] = {"name": data["publisher"]}
        self.apply(data.get("publisher"), "ror", "publisher.ror", checks.check_ror)
        self.apply(data, "license", "license", checks.check_spdx)
        self.apply(data, "doi", "doi", checks.check_doi)
        self._partial_date(data, "date_released")
        self.apply(data, "date_created", "date_created", checks.check_past_date)
        self.apply(data.get("access"), "embargo_until", "access.embargo_until", checks.check_date)
        self.apply(data, "collected", "collected", checks.check_past_iso8601)
        self.apply(data, "language", "language", checks.check_language)
        self.apply(data, "landing_url", "landing_url", checks.check_url)
        self._version(data)
        for i, item in enumerate(_dicts(data.get("related"))):
            self._related(item, f"related.{i}")
        for i, funding in enumerate(_dicts(data.get("funding"))):
            self._funder(funding, f"funding.{i}")
            self.apply(funding, "award_uri", f"funding.{i}.award_uri", checks.check_url)

    def _partial_date(self, data: dict[str, Any], key: str) -> None:
        """Keep a YYYY-MM or YYYY date at that precision (DataCite allows both), with a warning; check full dates."""
        value = data.get(key)
        if isinstance(value, str) and _PARTIAL_DATE.fullmatch(value.strip()):
            data[key] = value.strip()
            file, line = self.merged.locate(key)
            precision = "month" if "-" in data[key] else "year"
            message = f"{data[key]} is a partial date; it is kept at {precision} precision (DataCite allows it)"
            self.warnings.append(str(Problem(message, file=file, field=key, line=line)))
            return
        self.apply(data, key, key, checks.check_date)

    def _version(self, data: dict[str, Any]) -> None:
        value = data.get("version")
        if isinstance(value, int) and not isinstance(value, bool):
            data["version"] = str(value)
        elif isinstance(value, float):
            self.fail("version", f'version {value} was read as a number; quote it, e.g. version: "{value}"')

    def _related(self, item: dict[str, Any], path: str) -> None:
        self.apply(item, "relation_type", f"{path}.relation_type", _relation_or_role)
        self.apply(item, "resource_type_general", f"{path}.resource_type_general", checks.check_resource_type_general)
        if not isinstance(item.get("identifier"), str):
            return
        if item.get("identifier_type") is None:
            self.apply(item, "identifier", f"{path}.identifier", _detect_into(item))
            return
        self.apply(item, "identifier_type", f"{path}.identifier_type", checks.check_identifier_type)
        if f"{path}.identifier_type" not in self.failed:
            kind = item["identifier_type"]
            self.apply(item, "identifier", f"{path}.identifier", lambda v: checks.check_identifier(v, kind))

    def _funder(self, funding: dict[str, Any], path: str) -> None:
        value = funding.get("funder_id")
        if not isinstance(value, str):
            return
        try:
            funding["funder_id"], funding["funder_id_type"] = checks.check_funder_id(
                value, funding.get("funder_id_type")
            )
        except ValueError as exc:
            self.fail(f"{path}.funder_id", str(exc))


def _detect_into(item: dict[str, Any]) -> Callable[[Any], str]:
    """Return a check that detects the identifier's type, stores it in the item and normalises the value."""

    def check(value: Any) -> str:
        kind = checks.detect_identifier_type(value)
        item["identifier_type"] = kind
        return checks.check_identifier(value, kind)

    return check


def _dicts(value: Any) -> list[dict[str, Any]]:
    """Return the dict items of a list (others are left for validation to report)."""
    return [x if isinstance(x, dict) else {} for x in value] if isinstance(value, list) else []


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """Return the pydantic model that holds the fields at a validation error's location."""
    model: type[BaseModel] | None = Metadata
    for part in loc:
        if isinstance(part, int) or model is None:
            continue
        info = model.model_fields.get(part)
        model = _inner_model(info.annotation) if info else None
    return model


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _inner_model(arg)
        if found:
            return found
    return None


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _message(error: Mapping[str, Any]) -> str:
    """Turn one pydantic error into a sentence that says how to fix it."""
    loc = tuple(error["loc"])
    path = ".".join(str(p) for p in loc)
    kind = error["type"]
    if kind == "extra_forbidden":
        model = _model_at(loc[:-1])
        allowed = sorted(model.model_fields) if model else []
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        maybe = f"did you mean {close[0]}? " if close else ""
        return f"unknown key '{loc[-1]}'; {maybe}accepted keys here: {', '.join(allowed)}"
    if path == "creators" and kind in ("missing", "too_short"):
        return "at least one creator is required: add authors to CITATION.cff or creators to publish.yaml"
    if kind == "missing":
        where = "publish.yaml" if len(loc) == 1 else "this entry"
        return f"{loc[-1]} is required; add it to {where}"
    message = str(error["msg"]).removeprefix("Value error, ")
    if kind in ("value_error", "assertion_error"):
        return message
    value = error.get("input")
    if kind == "string_type" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return f'{value!r} was read as a number; quote it, e.g. "{value}"'
    return f"{message} (got {_short(error.get('input'))})"


def _validate(merged: Merged, failed: set[str]) -> tuple[Metadata | None, list[Problem]]:
    """Validate the merged dict; problems at paths a check already reported are not repeated."""
    try:
        return Metadata.model_validate(merged.data), []
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            path = ".".join(str(p) for p in error["loc"])
            if any(path == f or path.startswith(f + ".") for f in failed):
                continue
            file, line = merged.locate(path) if path else (None, None)
            if error["type"] == "extra_forbidden" and file is None:
                file = merged.provenance.get(path.split(".")[0])
            problems.append(Problem(_message(error), file=file, field=path or None, line=line))
        return None, problems


def _drop_overridden(problems: list[Problem], provenance: dict[str, str]) -> list[Problem]:
    """Forget a file's translation problems about a field that a higher-precedence file supplies."""
    kept = []
    for problem in problems:
        top = (problem.field or "").split(".")[0]
        winner = provenance.get(top)
        if top and top not in UNION_FIELDS and winner is not None and winner != problem.file:
            continue
        kept.append(problem)
    return kept


def read_metadata(root: Path, *, kind: str | None = None) -> MetadataResult:
    """Read, merge and check the metadata files of an artefact folder; raise MetadataError listing every problem.

    ``kind`` (the ``--kind`` option) names the crosswalk when the files do not, and wins over them.
    """
    if not root.is_dir():
        raise MetadataError(Problem(f"{root} is not a folder", file=str(root)), hint="give an artefact folder")
    found = find_sources(root)
    if not found:
        message = (
            f"no metadata file in {root}; add one of: {', '.join(METADATA_FILES)} "
            "(README.md counts only as a Hugging Face model card with YAML front matter)"
        )
        hint = "run 'bridge init <folder> --kind <kind>' to start a publish.yaml"
        raise MetadataError(Problem(message, file=str(root)), hint=hint)
    problems: list[Problem] = []
    publish = [path.name for fmt, path in found if fmt.label == "publish"]
    if len(publish) > 1:
        problems.append(Problem(f"{' and '.join(publish)} both exist; keep one publish file", file=publish[1]))
        found = [(fmt, path) for fmt, path in found if fmt.label != "publish" or path.name == publish[0]]
    sources = [fmt.read(path) for fmt, path in found]
    unreadable = [p for s in sources if s.unreadable for p in s.problems]
    if unreadable:  # what such a file seems to lack (kind, title…) is not news: say only why it cannot be read
        raise MetadataError(problems + unreadable, hint="fix the file named, then run 'bridge validate' again")
    merged, merge_problems = merge_sources(sources)
    drop_own_doi(merged)
    if kind:
        merged.data["kind"] = kind
        merged.provenance["kind"] = "--kind"
    if "kind" not in merged.data:
        card = next((s for (fmt, _), s in zip(found, sources, strict=True) if fmt.label == "modelcard"), None)
        if card is not None:
            merged.data["kind"] = MODEL_CARD_KIND
            merged.provenance["kind"] = card.file
        else:
            # Never guessed from the files (a folder of logs may hold personal data: anonymised-logs is a decision).
            message = f"kind is missing; say which crosswalk to use: kind: {KINDS} (in publish.yaml, or --kind)"
            problems.append(Problem(message, file=publish[0] if publish else None, field="kind"))
    reader_problems = [p for s in sources for p in s.problems]
    problems += _drop_overridden(reader_problems, merged.provenance) + merge_problems
    checker = _Checker(merged)
    checker.run()
    if "kind" not in merged.data:
        checker.failed.add("kind")  # already explained above
    metadata, invalid = _validate(merged, checker.failed)
    problems += checker.problems + invalid
    if problems or metadata is None:
        rank = {s.file: i for i, s in enumerate(sources)}
        problems.sort(key=lambda p: (rank.get(p.file or "", len(rank)), p.line if p.line is not None else 10**9))
        raise MetadataError(problems, hint=f"{len(problems)} problem(s); fix them and run 'bridge validate' again")
    warnings = _drop_overridden([w for s in sources for w in s.warnings], merged.provenance)
    warnings += unread_metadata_files(root, {s.file for s in sources})
    return MetadataResult(
        metadata=metadata,
        sources=[s.file for s in sources],
        provenance={k: v for k, v in merged.provenance.items() if k in Metadata.model_fields},
        metadata_files={s.file for s in sources},
        warnings=[str(w) for w in warnings] + checker.warnings,
    )


def _relation_or_role(value: str) -> str:
    """Return a canonical relationType, or a lower-case role word (dataset, code, paper, …) for the mapping."""
    try:
        return checks.check_relation_type(value)
    except ValueError:
        if re.fullmatch(r"[a-z][a-z_]*", value or ""):
            return value  # the crosswalk turns roles into relation types and reports unknown ones
        raise
