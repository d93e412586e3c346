"""Compare what was deposited (the receipt's ``deposited``) with what a repository or DataCite shows now.

Each function returns the list of differences, empty when everything matches. Comparisons are as strict
as the renderings allow: titles and creators must match after Unicode NFC and whitespace folding; the DOI
and the Handle must be among the identifiers in any of their URL forms; every deposited licence must be
among the rights (as its URL, SPDX id or name); the type must appear in one of the forms the crosswalks
give it (DataCite resourceTypeGeneral, DSpace dc.type, COAR URI, info:eu-repo type) because DSpace's
own dissemination crosswalks render a type through its dc.type, not through what DataCite was told.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bridge.pid import bare_doi, dois_in, names_handle
from bridge.verify.urls import normal_text, normal_url, same_url

MAX_SHOWN = 3


def type_forms(deposited: dict[str, Any], datacite: dict[str, Any] | None, mapping: Any | None) -> set[str]:
    """Return every casefolded form the deposited resource type may take in a repository's rendering."""
    forms: set[str] = set()
    types = (datacite or {}).get("types") or {}
    candidates = [deposited.get("resourceTypeGeneral"), types.get("resourceTypeGeneral"), types.get("resourceType")]
    if mapping is not None:
        candidates += [mapping.dspace.type, mapping.dspace.coar_type, mapping.oai_dc.type, mapping.oai_dc.type_text]
    for value in candidates:
        forms.update(_type_keys(value))
    return forms


def _type_keys(value: object) -> set[str]:
    if not isinstance(value, str) or not value.strip():
        return set()
    text = value.strip().casefold()
    keys = {text}
    if "://" in text or text.startswith("info:"):
        keys.add(text.rstrip("/").rsplit("/", 1)[-1])  # a COAR URI's c_1843, an info:eu-repo URI's last word
    return keys


def oai_dc(
    deposited: dict[str, Any], dc: dict[str, list[str]], *, handle: str, doi: str | None, forms: set[str]
) -> list[str]:
    """Return the differences between the deposit and a harvested oai_dc record."""
    return [
        *_titles(deposited.get("titles") or [], dc.get("title") or []),
        *_creators(deposited.get("creators") or [], dc.get("creator") or []),
        *_identifiers(deposited.get("identifiers") or [], dc.get("identifier") or [], handle, doi),
        *_rights(deposited.get("rights") or [], dc.get("rights") or []),
        *_types(forms, dc.get("type") or []),
    ]


def oai_datacite(
    deposited: dict[str, Any], record: dict[str, Any], *, handle: str, doi: str | None, forms: set[str]
) -> list[str]:
    """Return the differences between the deposit and a harvested oai_datacite record (bridge.oai.records)."""
    identifiers = [record.get("identifier") or ""]
    identifiers += [a.get("alternateIdentifier") or "" for a in record.get("alternateIdentifiers") or []]
    if (record.get("identifierType") or "").upper() == "DOI" and record.get("identifier"):
        identifiers.append(f"https://doi.org/{record['identifier']}")
    rights: list[str] = []
    for r in record.get("rights") or []:
        rights += [v for v in (r.get("rights"), r.get("rightsURI"), r.get("rightsIdentifier")) if v]
    harvested_types = [record.get("resourceTypeGeneral") or "", record.get("resourceType") or ""]
    return [
        *_titles(deposited.get("titles") or [], record.get("titles") or []),
        *_creators(deposited.get("creators") or [], record.get("creators") or []),
        *_identifiers(deposited.get("identifiers") or [], identifiers, handle, doi),
        *_rights(deposited.get("rights") or [], rights),
        *_types(forms, harvested_types),
        *_year(deposited.get("publicationYear"), record.get("publicationYear")),
    ]


def datacite_attributes(deposited: dict[str, Any], attributes: dict[str, Any], *, landing_url: str | None) -> list[str]:
    """Return the differences between the deposit and the DOI's DataCite REST attributes."""
    problems: list[str] = []
    if attributes.get("state") != "findable":
        problems.append(f"state is {attributes.get('state')!r}, not 'findable'")
    if landing_url and not same_url(attributes.get("url"), landing_url):
        problems.append(f"url is {attributes.get('url')!r}, expected {landing_url}")
    titles = [t.get("title", "") for t in attributes.get("titles") or [] if isinstance(t, dict)]
    creators = [c.get("name", "") for c in attributes.get("creators") or [] if isinstance(c, dict)]
    types = attributes.get("types") or {}
    problems += _titles(deposited.get("titles") or [], titles)
    problems += _creators(deposited.get("creators") or [], creators)
    problems += _year(deposited.get("publicationYear"), attributes.get("publicationYear"))
    expected_type = deposited.get("resourceTypeGeneral")
    if expected_type and types.get("resourceTypeGeneral") != expected_type:
        problems.append(f"resourceTypeGeneral is {types.get('resourceTypeGeneral')!r}, expected {expected_type!r}")
    return problems


def _shown(values: Iterable[str]) -> str:
    items = [repr(v) for v in values]
    more = f" and {len(items) - MAX_SHOWN} more" if len(items) > MAX_SHOWN else ""
    return ", ".join(items[:MAX_SHOWN]) + more


def _titles(expected: list[str], found: list[str]) -> list[str]:
    have = {normal_text(t) for t in found}
    missing = [t for t in expected if normal_text(t) not in have]
    if not missing:
        return []
    return [f"title {_shown(missing)} not found (repository shows {_shown(found) or 'none'})"]


def _creators(expected: list[str], found: list[str]) -> list[str]:
    want = [normal_text(c) for c in expected]
    have = [normal_text(c) for c in found]
    problems = []
    missing = [c for c in want if c not in have]
    extra = [c for c in have if c not in want]
    if missing:
        problems.append(f"creator {_shown(missing)} missing")
    if extra:
        problems.append(f"unexpected creator {_shown(extra)}")
    return problems


def _identifiers(expected: list[str], found: list[str], handle: str, doi: str | None) -> list[str]:
    problems = []
    found_dois = {d.lower() for d in dois_in(found)}
    if doi and doi.lower() not in found_dois:
        problems.append(f"DOI {doi} not among the identifiers")
    if handle and not any(names_handle(v, handle) for v in found):
        problems.append(f"Handle {handle} not among the identifiers")
    for value in expected:
        if (bare_doi(value) or "").lower() in found_dois or names_handle(value, handle):
            continue
        if bare_doi(value):
            problems.append(f"DOI {bare_doi(value)} not among the identifiers")
        elif not any(same_url(value, v) for v in found if "://" in v) and value not in found:
            problems.append(f"identifier {value!r} not among the identifiers")
    return list(dict.fromkeys(problems))


def _rights(expected: list[str], found: list[str]) -> list[str]:
    missing = [value for value in expected if not any(_same_rights(value, f) for f in found)]
    return [f"rights {_shown(missing)} not found (repository shows {_shown(found) or 'none'})"] if missing else []


def _same_rights(expected: str, found: str) -> bool:
    if "://" in expected or "://" in found:
        # http vs https and a trailing slash are the same licence page (CC URLs appear in every variant)
        return _schemeless(expected) == _schemeless(found) or _spdx_url(expected) == _schemeless(found)
    return expected.strip().casefold() == found.strip().casefold() or _spdx_name(expected) == normal_text(found)


def _schemeless(url: str) -> str:
    return normal_url(url).split("://", 1)[-1].removesuffix("/legalcode").casefold()


def _spdx_url(value: str) -> str | None:
    lic = _license(value)
    return _schemeless(lic.url) if lic else None


def _spdx_name(value: str) -> str | None:
    lic = _license(value)
    return normal_text(lic.name) if lic else None


def _license(value: str) -> Any:
    if "://" in value or ":" in value:
        return None
    from bridge.crosswalk import licenses

    try:
        return licenses.lookup(value)
    except ValueError:
        return None


def _types(forms: set[str], found: list[str]) -> list[str]:
    if not forms:
        return []
    have = set().union(*(_type_keys(t) for t in found)) if found else set()
    if have & forms:
        return []
    return [f"type {_shown(sorted(found)) or 'none'} is none of the deposited type's forms ({_shown(sorted(forms))})"]


def _year(expected: object, found: object) -> list[str]:
    if expected in (None, "") or str(expected) == str(found):
        return []
    return [f"publicationYear is {found!r}, expected {expected!r}"]
