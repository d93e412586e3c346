"""The sandbox's DataCite crosswalk: a stored item's dc.* metadata → a kernel-4.6 `<resource>`.

It reads fields the way DSpace's ``DIM2DataCite.xsl`` does. The primary identifier is the item's DOI
(dc.identifier.doi, or a doi.org URL in dc.identifier.uri). An item without a DOI gets its Handle as
`identifierType="Handle"`: the kernel-4.6 XSD leaves identifierType free and OpenAIRE's guidelines for data
archives accept Handle there, so every archived item can be disseminated in oai_datacite (DOI registration at
DataCite itself of course needs a DOI; the bridge's own DataCite records always carry one).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from lxml import etree

from bridge.sandbox.render import vocab
from bridge.sandbox.render.common import (
    XML_LANG,
    XSI,
    Fields,
    bare_doi,
    clean,
    doi_of,
    first,
    lang_of,
    language_tag,
    original_files,
)

if TYPE_CHECKING:
    from bridge.sandbox.app import Sandbox

DATACITE_NS = "http://datacite.org/schema/kernel-4"
DATACITE_SCHEMA = "http://schema.datacite.org/meta/kernel-4.6/metadata.xsd"
OAI_DATACITE_NS = "http://schema.datacite.org/oai/oai-1.1/"
OAI_DATACITE_SCHEMA = "http://schema.datacite.org/oai/oai-1.1/oai.xsd"
SCHEMA_VERSION = "4.6"
# The DataCite repository (client) symbol the sandbox claims in oai_datacite; real ones look like CSIC.DIGITAL.
DATACENTRE_SYMBOL = "SANDBOX.OAIBRIDGE"
UNAVAILABLE = "(:unav)"  # DataCite's standard value for a mandatory property with no value

_D = f"{{{DATACITE_NS}}}"
_ORCID = re.compile(r"(\d{4}-\d{4}-\d{4}-\d{3}[\dX])")
_BRACKETED = re.compile(r"\s*\[([^\]]*)\]\s*$")
_YEAR = re.compile(r"^(\d{4})")
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:\S+$")
_CC = re.compile(r"creativecommons\.org/licenses/([a-z\-]+)/(\d\.\d)", re.IGNORECASE)
_GRANT = "info:eu-repo/grantAgreement/"


def _qualifier(key: str) -> str:
    parts = key.split(".", 2)
    return parts[2].casefold() if len(parts) == 3 else ""


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str | None) -> etree._Element:
    child = etree.SubElement(parent, _D + tag)
    for name, value in attrs.items():
        if value:
            child.set(XML_LANG if name == "lang" else name, value)
    if text is not None:
        child.text = clean(text)
    return child


def item_to_datacite(
    item: dict[str, Any], sandbox: Sandbox | None = None, *, files: list[dict[str, Any]] | None = None
) -> etree._Element:
    """Return the item's DataCite kernel-4.6 `<resource>` element."""
    f = Fields(item.get("metadata") or {})
    root = etree.Element(_D + "resource", nsmap={None: DATACITE_NS, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", f"{DATACITE_NS} {DATACITE_SCHEMA}")
    doi = doi_of(f.md)
    if doi:
        _sub(root, "identifier", doi, identifierType="DOI")
    else:
        _sub(root, "identifier", item.get("handle") or UNAVAILABLE, identifierType="Handle")
    _creators(root, f)
    titles = _sub(root, "titles")
    for key, v in f("dc.title"):
        q = _qualifier(key)
        kind = {"alternative": "AlternativeTitle", "subtitle": "Subtitle", "translated": "TranslatedTitle"}.get(q)
        _sub(titles, "title", v["value"], titleType=kind or ("Other" if q else None), lang=lang_of(v))
    if not len(titles):
        _sub(titles, "title", UNAVAILABLE)
    name = getattr(getattr(sandbox, "config", None), "name", None)
    _sub(root, "publisher", first(f.md, "dc.publisher") or name or UNAVAILABLE)
    _sub(root, "publicationYear", _publication_year(item, f))
    general, text = _resource_type(f)
    _sub(root, "resourceType", text, resourceTypeGeneral=general)
    _subjects(root, f)
    _contributors(root, f)
    _dates(root, f)
    language = next((tag for _, v in f("dc.language") if (tag := language_tag(str(v["value"])))), None)
    if language:
        _sub(root, "language", language)
    _alternate_identifiers(root, f, item, doi is not None)
    _related_identifiers(root, f)
    files = original_files(item, sandbox, files)
    _list(root, "sizes", "size", [f"{f['size']} bytes" for f in files] + _values(f.md, "dc.format.extent"))
    _list(root, "formats", "format", [f["mime"] for f in files] + _values(f.md, "dc.format.mimetype"))
    version = first(f.md, "dc.description.version")
    if version:
        _sub(root, "version", version)
    _rights(root, f)
    _descriptions(root, f)
    places = _values(f.md, "dc.coverage.spatial")
    if places:
        locations = _sub(root, "geoLocations")
        for place in places:
            _sub(_sub(locations, "geoLocation"), "geoLocationPlace", place)
    _funding(root, f)
    return root


def item_to_oai_datacite(
    item: dict[str, Any], sandbox: Sandbox | None = None, *, files: list[dict[str, Any]] | None = None
) -> etree._Element:
    """Return the item's `<oai_datacite>` 1.1 wrapper holding its kernel-4.6 `<resource>`."""
    ns = f"{{{OAI_DATACITE_NS}}}"
    root = etree.Element(ns + "oai_datacite", nsmap={None: OAI_DATACITE_NS, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", f"{OAI_DATACITE_NS} {OAI_DATACITE_SCHEMA}")
    etree.SubElement(root, ns + "schemaVersion").text = SCHEMA_VERSION
    etree.SubElement(root, ns + "datacentreSymbol").text = DATACENTRE_SYMBOL
    etree.SubElement(root, ns + "payload").append(item_to_datacite(item, sandbox, files=files))
    return root


def _values(md: dict[str, Any], name: str) -> list[str]:
    return [str(v["value"]) for v in md.get(name) or [] if v.get("value")]


def _list(root: etree._Element, wrapper: str, tag: str, values: list[str]) -> None:
    unique = list(dict.fromkeys(v for v in values if v))
    if unique:
        parent = _sub(root, wrapper)
        for value in unique:
            _sub(parent, tag, value)


def _person(parent: etree._Element, tag: str, v: dict[str, Any], orcids: dict[str, str]) -> None:
    """Fill a creator/contributor: name, Personal split at the comma, ORCID from [brackets] or authority."""
    raw = str(v["value"]).strip()
    orcid = None
    bracket = _BRACKETED.search(raw)
    if bracket and (found := _ORCID.search(bracket.group(1))):
        orcid, raw = found.group(1), raw[: bracket.start()].strip()
    authority = _ORCID.search(str(v.get("authority") or ""))
    orcid = orcid or (authority.group(1) if authority else None) or orcids.get(raw)
    family, comma, given = raw.partition(",")
    name_el = _sub(parent, f"{tag}Name", raw or UNAVAILABLE, nameType="Personal" if comma else None)
    if comma and family.strip() and given.strip():
        _sub(parent, "givenName", given.strip())
        _sub(parent, "familyName", family.strip())
    if orcid:
        _sub(parent, "nameIdentifier", f"https://orcid.org/{orcid}", nameIdentifierScheme="ORCID")
        parent[-1].set("schemeURI", "https://orcid.org")
        name_el.set("nameType", "Personal")


def _orcid_map(md: dict[str, Any]) -> dict[str, str]:
    """Map names to ORCIDs from Digital.CSIC's dc.contributor.orcid values, written `Name [0000-…]`."""
    out: dict[str, str] = {}
    for v in md.get("dc.contributor.orcid") or []:
        value = str(v.get("value") or "")
        bracket, orcid = _BRACKETED.search(value), _ORCID.search(value)
        if bracket and orcid:
            out[value[: bracket.start()].strip()] = orcid.group(1)
    return out


def _creators(root: etree._Element, f: Fields) -> None:
    creators = _sub(root, "creators")
    orcids = _orcid_map(f.md)
    for name in ("dc.contributor.author", "dc.creator"):
        for _, v in f(name):
            _person(_sub(creators, "creator"), "creator", v, orcids)
    if not len(creators):
        _sub(_sub(creators, "creator"), "creatorName", UNAVAILABLE)


def _contributors(root: etree._Element, f: Fields) -> None:
    orcids = _orcid_map(f.md)
    chosen = []
    for key, v in f("dc.contributor"):
        q = _qualifier(key)
        if q in ("author", "orcid", "funder"):
            continue
        chosen.append((vocab.CONTRIBUTOR_ALIASES.get(q) or vocab.CONTRIBUTOR.get(q) or "Other", v))
    if chosen:
        parent = _sub(root, "contributors")
        for kind, v in chosen:
            _person(_sub(parent, "contributor", contributorType=kind), "contributor", v, orcids)


def _publication_year(item: dict[str, Any], f: Fields) -> str:
    for name in ("dc.date.issued", "dc.date.available", "dc.date.accessioned"):
        match = _YEAR.match(first(f.md, name) or "")
        if match:
            return match.group(1)
    match = _YEAR.match(str(item.get("created") or item.get("last_modified") or ""))
    return match.group(1) if match else "0000"


def _resource_type(f: Fields) -> tuple[str, str]:
    """Return (resourceTypeGeneral, resourceType text) from dc.type and dc.type.* (COAR URIs included)."""
    general, used = None, None
    texts = []
    for _, v in f("dc.type"):
        value = str(v["value"]).strip()
        key = value.rstrip("/").rsplit("/", 1)[-1].casefold() if "://" in value else value.casefold()
        mapped = vocab.RESOURCE.get(key) or vocab.TYPE_ALIASES.get(key)
        if mapped and general is None:
            general, used = mapped, value
        if not _URI.match(value) or " " in value:
            texts.append(value)
    text = next((t for t in texts if t != used), None) or (used if used and not _URI.match(used) else None)
    return general or "Other", text or general or "Other"


def _subjects(root: etree._Element, f: Fields) -> None:
    chosen = list(f("dc.subject"))
    if chosen:
        parent = _sub(root, "subjects")
        for key, v in chosen:
            q = _qualifier(key)
            uri = v["value"] if q == "uri" and _URI.match(v["value"]) else None
            _sub(
                parent, "subject", v["value"], subjectScheme=vocab.SUBJECT_SCHEMES.get(q), valueURI=uri, lang=lang_of(v)
            )


def _dates(root: etree._Element, f: Fields) -> None:
    chosen = []
    for key, v in f("dc.date"):
        value, q = str(v["value"]), _qualifier(key)
        if value.startswith("info:eu-repo/date/embargoEnd/"):
            chosen.append(("Available", value.rsplit("/", 1)[-1]))
            continue
        chosen.append((vocab.DATE_ALIASES.get(q) or vocab.DATE.get(q) or "Other", value))
    if chosen:
        parent = _sub(root, "dates")
        for kind, value in chosen:
            _sub(parent, "date", value, dateType=kind)


def _alternate_identifiers(root: etree._Element, f: Fields, item: dict[str, Any], primary_is_doi: bool) -> None:
    chosen: list[tuple[str, str]] = []
    if primary_is_doi and item.get("handle"):
        chosen.append((item["handle"], "Handle"))
    for key, v in f("dc.identifier"):
        q, value = _qualifier(key), str(v["value"])
        if q in ("doi", "citation") or (q == "uri" and bare_doi(value)):
            continue
        chosen.append((value, vocab.ALTERNATE_TYPES.get(q) or (q or "Other")))
    if chosen:
        parent = _sub(root, "alternateIdentifiers")
        for value, kind in dict.fromkeys(chosen):
            _sub(parent, "alternateIdentifier", value, alternateIdentifierType=kind)


def _related(value: str) -> tuple[str, str] | None:
    """Return (relatedIdentifier, relatedIdentifierType) for an identifier-like value, None for plain text."""
    value = value.strip()
    doi = bare_doi(value)
    if doi:
        return doi, "DOI"
    lowered = value.casefold()
    for proxy in ("http://hdl.handle.net/", "https://hdl.handle.net/", "hdl:"):
        if lowered.startswith(proxy):
            return value[len(proxy) :], "Handle"
    if lowered.startswith("arxiv:"):
        return value, "arXiv"
    if lowered.startswith("urn:"):
        return value, "URN"
    if lowered.startswith(("http://", "https://")) and " " not in value:
        return value, "URL"
    return None


def _related_identifiers(root: etree._Element, f: Fields) -> None:
    chosen = []
    for key, v in f("dc.relation"):
        q = _qualifier(key)
        related = _related(str(v["value"]))
        if related is None:
            continue  # plain-text relations (e.g. Digital.CSIC's dc.relation.csic) and grant agreements
        relation = vocab.RELATION_ALIASES.get(q) or vocab.RELATION.get(q) or "References"
        chosen.append((related, relation))
    if chosen:
        parent = _sub(root, "relatedIdentifiers")
        for (value, kind), relation in chosen:
            _sub(parent, "relatedIdentifier", value, relatedIdentifierType=kind, relationType=relation)


def _rights(root: etree._Element, f: Fields) -> None:
    """Pair rights texts with licence URIs (dc.rights + dc.rights.uri, as DSpace stores a licence)."""
    texts: list[tuple[str, str | None]] = []  # (value, language)
    uris: list[tuple[str, str | None]] = []
    for _, v in f("dc.rights"):
        value = str(v["value"]).strip()
        bucket = uris if _URI.match(value) else texts
        if all(value != seen for seen, _ in bucket):  # dc.rights.license and dc.rights.uri may repeat a URL
            bucket.append((value, lang_of(v)))
    access = [u for u in uris if u[0].startswith("info:eu-repo/semantics/")]
    licences = [u for u in uris if u not in access]
    if not (texts or uris):
        return
    parent = _sub(root, "rightsList")
    for access_uri, _ in access:
        _sub(parent, "rights", rightsURI=access_uri)
    for i in range(max(len(texts), len(licences))):
        text, lang = texts[i] if i < len(texts) else (None, None)
        uri = licences[i][0] if i < len(licences) else None
        spdx = _spdx(uri) if uri else None
        el = _sub(parent, "rights", text, rightsURI=uri, lang=lang, rightsIdentifier=spdx)
        if spdx:
            el.set("rightsIdentifierScheme", "SPDX")
            el.set("schemeURI", "https://spdx.org/licenses/")


def _spdx(uri: str) -> str | None:
    """Return the SPDX id of a Creative Commons licence URL."""
    if "creativecommons.org/publicdomain/zero/1.0" in uri:
        return "CC0-1.0"
    match = _CC.search(uri)
    return f"CC-{match.group(1).upper()}-{match.group(2)}" if match else None


def _descriptions(root: etree._Element, f: Fields) -> None:
    chosen = []
    for key, v in f("dc.description"):
        kind = vocab.DESCRIPTION_TYPES.get(_qualifier(key))
        if kind:
            chosen.append((kind, v))
    if chosen:
        parent = _sub(root, "descriptions")
        for kind, v in chosen:
            _sub(parent, "description", v["value"], descriptionType=kind, lang=lang_of(v))


def _funding(root: etree._Element, f: Fields) -> None:
    """Funders from dc.contributor.funder / dc.description.sponsorship and OpenAIRE grant agreements."""
    chosen: list[tuple[str, str | None, str | None]] = []
    for name in ("dc.contributor.funder", "dc.description.sponsorship"):
        chosen.extend((value, None, None) for value in _values(f.md, name))
    for _, v in f("dc.relation"):
        value = str(v["value"])
        if value.startswith(_GRANT):
            parts = value[len(_GRANT) :].split("/")
            if parts and parts[0]:
                award = parts[2] if len(parts) > 2 and parts[2] else None
                title = parts[4] if len(parts) > 4 and parts[4] else None
                chosen.append((vocab.FUNDERS.get(parts[0], parts[0]), award, title))
    if chosen:
        parent = _sub(root, "fundingReferences")
        for funder, award, title in dict.fromkeys(chosen):
            ref = _sub(parent, "fundingReference")
            _sub(ref, "funderName", funder)
            if award:
                _sub(ref, "awardNumber", award)
            if title:
                _sub(ref, "awardTitle", title)
