"""Read what a landing page offers machines: RFC 8288 Link headers, HTML <link> and <meta>, JSON-LD, linksets."""

from __future__ import annotations

import json
import re
from typing import Any

from lxml import html as lxml_html

from bridge.fair.evidence import Link

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
