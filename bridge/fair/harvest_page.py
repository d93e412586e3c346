"""Read what a repository offers machines: Link headers, HTML <link>/<meta>, JSON-LD, linksets, OAI records."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote, urlsplit

from lxml import html as lxml_html

from bridge.fair.evidence import Link

DIM_NS = "{http://www.dspace.org/xmlns/dspace/dim}"
DC_NS = "{http://purl.org/dc/elements/1.1/}"
# oai_dc element -> the dc.* field a DSpace repository would hold it in
OAI_DC_FIELDS = {
    "title": "dc.title",
    "creator": "dc.contributor.author",
    "subject": "dc.subject",
    "description": "dc.description.abstract",
    "publisher": "dc.publisher",
    "date": "dc.date.issued",
    "type": "dc.type",
    "format": "dc.format.mimetype",
    "identifier": "dc.identifier.uri",
    "language": "dc.language.iso",
    "relation": "dc.relation",
    "rights": "dc.rights",
}
_SIZE = re.compile(r"^\s*(\d+)\s*(?:B|bytes)?\s*$", re.IGNORECASE)

_LINK = re.compile(r"<([^>]*)>\s*((?:;\s*[A-Za-z*-]+\s*(?:=\s*(?:\"[^\"]*\"|[^;,\s]+))?\s*)*)")
_PARAM = re.compile(r";\s*([A-Za-z*-]+)\s*(?:=\s*(\"[^\"]*\"|[^;,\s]+))?")


def parse_link_header(value: str | None) -> list[Link]:
    """Parse an HTTP Link header (RFC 8288) into typed links; a link with several rel values becomes several."""
    out: list[Link] = []
    for match in _LINK.finditer(value or ""):
        params = {k.lower(): (v or "").strip('"') for k, v in _PARAM.findall(match.group(2))}
        for rel in params.get("rel", "").split():
            out.append(Link(rel, match.group(1), params.get("type"), params.get("anchor"), params.get("profile")))
    return out


def parse_linkset_json(data: Any) -> list[Link]:
    """Parse an application/linkset+json document (RFC 9264 §4.2)."""
    out: list[Link] = []
    for context in (data or {}).get("linkset") or [] if isinstance(data, dict) else []:
        if not isinstance(context, dict):
            continue
        anchor = context.get("anchor")
        for rel, targets in context.items():
            if rel == "anchor" or not isinstance(targets, list):
                continue
            for target in targets:
                if isinstance(target, dict) and isinstance(target.get("href"), str):
                    out.append(Link(rel, target["href"], target.get("type"), anchor, target.get("profile")))
    return out


def parse_page(text: str) -> tuple[list[Link], dict[str, list[str]], list[dict[str, Any]]]:
    """Return the HTML <link>s, <meta name> values and JSON-LD objects of a landing page (nothing is fetched)."""
    if not text.strip():
        return [], {}, []
    try:
        root = lxml_html.fromstring(text)
    except (ValueError, lxml_html.etree.ParserError):
        return [], {}, []
    links = []
    for el in root.iter("link"):
        href, rels = el.get("href"), (el.get("rel") or "").split()
        for rel in rels:
            if href:
                links.append(Link(rel, href, el.get("type"), None, el.get("profile")))
    meta: dict[str, list[str]] = {}
    for el in root.iter("meta"):
        name, content = el.get("name"), el.get("content")
        if name and content is not None:
            meta.setdefault(name.strip(), []).append(content)
    objects: list[dict[str, Any]] = []
    for el in root.iter("script"):
        if (el.get("type") or "").strip().lower() != "application/ld+json":
            continue
        try:
            data = json.loads(el.text or "")
        except ValueError:
            continue
        objects += [d for d in (data if isinstance(data, list) else [data]) if isinstance(d, dict)]
    return links, meta, objects


def dim_fields(record: Any) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for el in record.iter(f"{DIM_NS}field"):
        key = ".".join(p for p in (el.get("mdschema"), el.get("element"), el.get("qualifier")) if p)
        if el.text and el.text.strip():
            out.setdefault(key, []).append(el.text.strip())
    return out


def oai_dc_fields(record: Any) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for el in record.iter():
        tag = str(el.tag)
        if tag.startswith(DC_NS) and el.text and el.text.strip():
            name = tag[len(DC_NS) :]
            out.setdefault(OAI_DC_FIELDS.get(name, f"dc.{name}"), []).append(el.text.strip())
    return out


def name_of(url: str) -> str:
    return unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]) or url


def _media(jsonld: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for obj in jsonld:
        for key in ("distribution", "associatedMedia"):
            value = obj.get(key)
            out += [v for v in (value if isinstance(value, list) else [value]) if isinstance(v, dict)]
    return out


def jsonld_files(jsonld: list[dict[str, Any]]) -> list[Link]:
    return [
        Link("item", str(m.get("contentUrl")), m.get("encodingFormat"))
        for m in _media(jsonld)
        if isinstance(m.get("contentUrl"), str)
    ]


def jsonld_sizes(jsonld: list[dict[str, Any]]) -> dict[str, int]:
    out = {}
    for m in _media(jsonld):
        match = _SIZE.match(str(m.get("contentSize") or ""))
        if match and isinstance(m.get("contentUrl"), str):
            out[m["contentUrl"]] = int(match.group(1))
    return out
