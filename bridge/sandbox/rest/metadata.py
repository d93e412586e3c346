"""DSpace metadata maps: field validation and the JSON Patch operations of RC metadata-patch.md."""

from __future__ import annotations

import copy
import re
from typing import Any

from bridge.sandbox.rest.common import INVALID, UNPROCESSABLE, RestError
from bridge.sandbox.store import MetadataMap

# Schemas of DSpace's default metadata registry plus the usual local ones; other schemas are unknown (422).
SCHEMAS = frozenset(
    {
        "dc",
        "dcterms",
        "datacite",
        "oaire",
        "local",
        "dspace",
        "person",
        "organization",
        "project",
        "relation",
        "relationship",
        "eperson",
        "creativework",
        "creativeworkseries",
        "publicationissue",
        "publicationvolume",
        "journal",
        "orgunit",
        "oairecerif",
        "cris",
        "rioxxterms",
        "workflow",
    }
)
_FIELD = re.compile(r"^([a-z][a-z0-9]*)\.([A-Za-z][A-Za-z0-9_-]*)(?:\.([A-Za-z0-9][A-Za-z0-9_-]*))?$")
VALUE_PROPERTIES = ("value", "language", "authority", "confidence")
OPERATIONS = ("add", "replace", "remove", "move")


def check_field(name: str) -> str:
    """Return the field name if it is schema.element[.qualifier] of a known schema; 422 otherwise."""
    match = _FIELD.match(name)
    if not match or match.group(1) not in SCHEMAS:
        raise RestError(422, f"{UNPROCESSABLE}: unknown metadata field {name!r}")
    return name


def metadata_entry(raw: Any) -> dict[str, Any]:
    """Return one value object with DSpace's defaults; 422 when it has no string value."""
    if not isinstance(raw, dict) or raw.get("value") is None or isinstance(raw.get("value"), dict | list):
        raise RestError(422, f"{UNPROCESSABLE}: a metadata value must be an object with a 'value'")
    confidence = raw.get("confidence")
    try:
        confidence = -1 if confidence is None else int(confidence)
    except (TypeError, ValueError) as exc:
        raise RestError(422, f"{UNPROCESSABLE}: confidence must be an integer") from exc
    language = raw.get("language")
    authority = raw.get("authority")
    return {
        "value": str(raw["value"]),
        "language": str(language) if language not in (None, "") else None,
        "authority": str(authority) if authority not in (None, "") else None,
        "confidence": confidence,
    }


def parse_metadata(raw: Any) -> MetadataMap:
    """Validate a request's metadata map ``{field: [{value, language, …}]}``; 422 on any bad part."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise RestError(422, f"{UNPROCESSABLE}: metadata must be an object")
    out: MetadataMap = {}
    for name, values in raw.items():
        check_field(name)
        if isinstance(values, dict):
            values = [values]
        if not isinstance(values, list):
            raise RestError(422, f"{UNPROCESSABLE}: the values of {name} must be a list")
        entries = [metadata_entry(v) for v in values]
        if entries:
            out[name] = entries
    return out


def patch_operations(body: Any) -> list[dict[str, Any]]:
    """Return the operations of a JSON Patch body; 400 when it is not an array of {op, path} objects."""
    if isinstance(body, dict):
        body = [body]
    if not isinstance(body, list) or not body:
        raise RestError(400, INVALID)
    for op in body:
        if not isinstance(op, dict) or not isinstance(op.get("op"), str) or not isinstance(op.get("path"), str):
            raise RestError(400, INVALID)
        if op["op"] not in OPERATIONS:
            raise RestError(422, f"{UNPROCESSABLE}: unsupported operation {op['op']!r}")
    return body


def split_path(path: str) -> list[str]:
    """Split a JSON Pointer into its unescaped parts; a trailing empty part (``…/dc.title/``) is kept."""
    parts = path.split("/")[1:] if path.startswith("/") else path.split("/")
    return [p.replace("~1", "/").replace("~0", "~") for p in parts]


def _index(token: str, length: int, *, allow_end: bool) -> int:
    if not token.isdigit():
        raise RestError(422, f"{UNPROCESSABLE}: bad metadata index {token!r}")
    index = int(token)
    if index > length or (index == length and not allow_end):
        raise RestError(422, f"{UNPROCESSABLE}: metadata index {index} out of range")
    return index


def apply_metadata_op(md: MetadataMap, op: dict[str, Any], parts: list[str]) -> None:
    """Apply one operation to `md` in place; `parts` is the path after the section, ``[field, index?, prop?]``."""
    if not parts or not parts[0]:
        raise RestError(422, f"{UNPROCESSABLE}: no metadata field in {op['path']!r}")
    name, rest = check_field(parts[0]), parts[1:]
    values = md.get(name, [])
    operation, value = op["op"], op.get("value")
    if operation == "add":
        if not rest:
            if isinstance(value, list):  # add on the field path sets the whole list
                md[name] = [metadata_entry(v) for v in value]
            else:
                md[name] = [*values, metadata_entry(value)]
        elif rest[0] in ("-", "") and len(rest) == 1:
            new = [metadata_entry(v) for v in value] if isinstance(value, list) else [metadata_entry(value)]
            md[name] = values + new
        elif len(rest) == 1:
            at = _index(rest[0], len(values), allow_end=True)
            md[name] = [*values[:at], metadata_entry(value), *values[at:]]
        else:
            _set_property(md, name, values, rest, value)
    elif operation == "replace":
        if name not in md:
            raise RestError(422, f"{UNPROCESSABLE}: {name} has no value to replace")
        if not rest:
            entries = value if isinstance(value, list) else [value]
            md[name] = [metadata_entry(v) for v in entries]
        elif len(rest) == 1:
            at = _index(rest[0], len(values), allow_end=False)
            md[name] = [*values[:at], metadata_entry(value), *values[at + 1 :]]
        else:
            _set_property(md, name, values, rest, value)
    elif operation == "remove":
        if name not in md:
            raise RestError(422, f"{UNPROCESSABLE}: {name} has no value to remove")
        if not rest or rest == [""]:
            del md[name]
        elif len(rest) == 1:
            at = _index(rest[0], len(values), allow_end=False)
            md[name] = values[:at] + values[at + 1 :]
        else:
            raise RestError(422, f"{UNPROCESSABLE}: cannot remove {op['path']!r}")
    else:  # move within one field: from …/<field>/<i> to …/<field>/<j>
        source = split_path(str(op.get("from", "")))
        if len(rest) != 1 or len(source) < 2 or source[-2] != name:
            raise RestError(422, f"{UNPROCESSABLE}: move works within one metadata field")
        start = _index(source[-1], len(values), allow_end=False)
        moved = values[start]
        remaining = values[:start] + values[start + 1 :]
        at = _index(rest[0], len(remaining), allow_end=True)
        md[name] = [*remaining[:at], moved, *remaining[at:]]
    if name in md and not md[name]:
        del md[name]


def _set_property(md: MetadataMap, name: str, values: list[dict], rest: list[str], value: Any) -> None:
    at = _index(rest[0], len(values), allow_end=False)
    if len(rest) != 2 or rest[1] not in VALUE_PROPERTIES:
        raise RestError(422, f"{UNPROCESSABLE}: unknown metadata value property {'/'.join(rest)!r}")
    entry = dict(values[at])
    entry[rest[1]] = value
    updated = list(values)
    updated[at] = metadata_entry(entry)
    md[name] = updated


def copy_metadata(md: MetadataMap) -> MetadataMap:
    return copy.deepcopy(md)
