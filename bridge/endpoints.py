"""The providers of a many-endpoint harvest (`bridge harvest --endpoints FILE`).

Two forms. A plain list, one OAI-PMH base URL per line (``#`` comments and blank lines ignored)::

    https://digital.csic.es/dspace-oai/request
    https://zenodo.org/oai2d

or TOML, one table per provider, with its own prefixes, sets and politeness (requests at once, never more
than ``--parallel``)::

    [[endpoint]]
    url = "https://digital.csic.es/dspace-oai/request"
    prefix = ["oai_dc", "oai_datacite"]   # or one string; default: --prefix, else oai_dc
    set = "com_10261_4"                   # or a list; default: --set, else everything
    parallel = 2                          # at most 2 requests at once to this host
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from bridge.errors import UsageError

KEYS = {"url", "prefix", "set", "parallel"}


@dataclass
class EndpointSpec:
    """One provider to harvest; empty prefixes/sets mean the command's."""

    url: str
    prefixes: list[str] = field(default_factory=list)
    sets: list[str] = field(default_factory=list)
    parallel: int | None = None

    @property
    def host(self) -> str:
        return urlsplit(self.url).netloc


def read_endpoints(path: Path) -> list[EndpointSpec]:
    """Read an endpoints file (URL list or TOML); raise UsageError naming the file, line or entry and the fix."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the endpoints file: {exc.strerror}") from exc
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not UTF-8 text", hint="one OAI-PMH base URL per line, or TOML") from None
    specs = _from_toml(path, text) if path.suffix == ".toml" or "[[endpoint]]" in text else _from_lines(path, text)
    if not specs:
        raise UsageError(f"{path}: no endpoints", hint="one OAI-PMH base URL per line, or [[endpoint]] tables")
    seen: set[str] = set()
    for spec in specs:
        if spec.url in seen:
            raise UsageError(f"{path}: {spec.url} is listed twice", hint="list each endpoint once")
        seen.add(spec.url)
    return specs


def _check_url(path: Path, where: str, url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"{path}:{where}: {url!r} is not an http(s) URL", hint="give the OAI-PMH base URL")
    return url.strip()


def _from_lines(path: Path, text: str) -> list[EndpointSpec]:
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if line:
            out.append(EndpointSpec(_check_url(path, str(number), line)))
    return out


def _strings(path: Path, where: str, key: str, value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise UsageError(f"{path}: {where}.{key} must be a string or a list of strings")


def _from_toml(path: Path, text: str) -> list[EndpointSpec]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: not valid TOML: {exc}", hint="fix the syntax, or list one URL per line") from exc
    entries = data.get("endpoint")
    if not isinstance(entries, list):
        raise UsageError(f"{path}: no [[endpoint]] tables", hint="each provider is an [[endpoint]] with a url")
    out = []
    for i, entry in enumerate(entries):
        where = f"endpoint[{i}]"
        unknown = set(entry) - KEYS
        if unknown:
            raise UsageError(
                f"{path}: {where}: unknown key {sorted(unknown)[0]!r}", hint=f"keys: {', '.join(sorted(KEYS))}"
            )
        if not isinstance(entry.get("url"), str):
            raise UsageError(f"{path}: {where}.url is missing", hint='add url = "https://…/oai/request"')
        parallel = entry.get("parallel")
        if parallel is not None and (not isinstance(parallel, int) or isinstance(parallel, bool) or parallel < 1):
            raise UsageError(f"{path}: {where}.parallel must be a whole number >= 1")
        out.append(
            EndpointSpec(
                url=_check_url(path, where + ".url", entry["url"]),
                prefixes=_strings(path, where, "prefix", entry["prefix"]) if "prefix" in entry else [],
                sets=_strings(path, where, "set", entry["set"]) if "set" in entry else [],
                parallel=parallel,
            )
        )
    return out
