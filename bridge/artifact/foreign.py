"""What the readers of other projects' files share: identifiers that name *another* work, and HTML as text.

A DOI or URL in CITATION.cff, .zenodo.json, an AI4OS file or a model card identifies the thing that file
describes (the code, its paper, a Zenodo record of it), never the deposit the bridge is about to make.
Readers therefore turn each one into a related identifier whose ``relation_type`` is a *role word*
(``described_work``, ``code``, ``paper`` …); the kind's mapping file says which DataCite relationType
each role is (``[relations]`` in mappings/*.toml). ``source`` records the file and field it came from,
for ``bridge validate --json`` and its warnings.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import lxml.etree
import lxml.html

from bridge import pid

# Hosts whose pages are a project's source code or its package, never the deposited artefact itself.
CODE_HOSTS = ("github.com", "gitlab.com", "bitbucket.org", "codeberg.org", "sourceforge.net", "git.")
def host(url: str) -> str:
    """Return the lower-case host of a URL without www., or '' for something that is not an http(s) URL."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https"):
        return ""
    name = (parts.hostname or "").lower()
    return name.removeprefix("www.")


def is_code_host(url: str) -> bool:
    """Tell whether a URL is on a source-code forge (GitHub, GitLab, …)."""
    name = host(url)
    return bool(name) and any(name == h or name.endswith("." + h) or name.startswith(h) for h in CODE_HOSTS)


def url_role(url: str, default: str = "described_work") -> str:
    """Return the role of a URL a file gives for the work it describes: code on a forge, else ``default``.

    A package index page (PyPI, CRAN …) or a homepage is the described work itself, never this deposit.
    """
    return "code" if is_code_host(url) else default


def related_key(identifier: str) -> str:
    """Return the form under which two spellings of one related identifier are equal.

    DOIs compare case-insensitively with or without ``doi:`` / ``https://doi.org/``; URLs with the scheme and host
    in lower case, without a default port, a trailing slash or a fragment.
    """
    text = str(identifier).strip()
    doi = pid.bare_doi(text)
    if doi:
        return "doi:" + pid.doi_key(doi)
    parts = urlsplit(text)
    if parts.scheme.lower() in ("http", "https") and parts.hostname:
        netloc = parts.hostname.lower().removeprefix("www.")
        if parts.port and parts.port not in (80, 443):
            netloc += f":{parts.port}"
        path = parts.path.rstrip("/")
        return urlunsplit(("https", netloc, path, parts.query, ""))
    return text.casefold()


def foreign(
    identifier: str,
    role: str,
    source: str,
    *,
    identifier_type: str | None = None,
    resource_type_general: str | None = None,
) -> dict[str, Any]:
    """Return a related item for an identifier another project's file gives, with its role and origin."""
    doi = pid.bare_doi(identifier)
    item: dict[str, Any] = {"identifier": doi or identifier.strip(), "relation_type": role, "source": source}
    if doi:
        item["identifier_type"] = "DOI"
    elif identifier_type:
        item["identifier_type"] = identifier_type
    if resource_type_general:
        item["resource_type_general"] = resource_type_general
    return item


_BLOCKS = {"p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "blockquote", "tr", "table"}
_TAG = re.compile(r"<\s*/?\s*[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?\s*>")


def looks_like_html(text: str) -> bool:
    """Tell whether a text carries HTML tags."""
    return bool(_TAG.search(text))


def html_to_text(text: str) -> str:
    """Return the plain text of an HTML fragment, one paragraph per block element, tags dropped (lxml.html)."""
    if not looks_like_html(text):
        return text.strip()
    try:
        root = lxml.html.fragment_fromstring(text, create_parent="div")
    except (ValueError, lxml.etree.ParserError):
        return _TAG.sub("", text).strip()
    for bad in root.xpath(".//script | .//style"):
        bad.drop_tree()
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag.lower() in _BLOCKS:
            element.tail = "\n\n" + (element.tail or "")
            if element.tag.lower() == "li":
                element.text = "- " + (element.text or "")
    raw = root.text_content()
    paragraphs = [" ".join(block.split()) for block in re.split(r"\n\s*\n", raw)]
    return "\n\n".join(p for p in paragraphs if p)
