"""OAI-PMH headers, records and lists written as bytes around stored metadata fragments (no XML tree per request).

The markup is the same as lxml writes for the tree in responses.py: the same elements in the same namespace,
texts and attributes escaped the same way; the conformance tests validate it against the OAI-PMH XSD.
"""

from __future__ import annotations

import re
from typing import Any

from bridge.sandbox.oai.responses import OAI_NS, OAI_SCHEMA, is_deleted, now_stamp
from bridge.sandbox.oai.tokens import datestamp
from bridge.sandbox.render.common import XSI

DECLARATION = b"<?xml version='1.0' encoding='UTF-8'?>\n"
CLOSE = b"</OAI-PMH>"
_TEXT = {ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;", ord("\r"): "&#13;"}
_SPECIAL = re.compile("[&<>\r]")  # most texts hold none: a search is cheaper than translate
_ATTR = {**_TEXT, ord('"'): "&quot;", ord("\n"): "&#10;", ord("\t"): "&#9;"}


def text(value: str) -> str:
    """Escape character data."""
    return value.translate(_TEXT) if _SPECIAL.search(value) else value


def attr(value: str) -> str:
    """Escape a double-quoted attribute value (whitespace as references, so it survives normalisation)."""
    return value.translate(_ATTR)


def open_envelope(base_url: str, echo: dict[str, str]) -> bytes:
    """Return the XML declaration, `<OAI-PMH>`, `<responseDate>` and the `<request>` echoing the arguments."""
    arguments = "".join(f' {name}="{attr(value)}"' for name, value in echo.items())
    return (
        DECLARATION
        + (
            f'<OAI-PMH xmlns="{OAI_NS}" xmlns:xsi="{XSI}" xsi:schemaLocation="{OAI_NS} {OAI_SCHEMA}">'
            f"<responseDate>{now_stamp()}</responseDate><request{arguments}>{text(base_url)}</request>"
        ).encode()
    )


def set_specs(specs: list[str]) -> bytes:
    """Return the `<setSpec>` elements of a header (computed once per collection, not per record)."""
    return "".join(f"<setSpec>{text(s)}</setSpec>" for s in specs).encode()


def header(row: dict[str, Any], identifier: str, specs: bytes) -> bytes:
    """Return a record `<header>`; withdrawn or undiscoverable items carry status="deleted" (as DSpace)."""
    status = ' status="deleted"' if is_deleted(row) else ""
    head = f"<header{status}><identifier>{text(identifier)}</identifier><datestamp>{datestamp(row['last_modified'])}"
    return head.encode() + b"</datestamp>" + specs + b"</header>"


def record(row: dict[str, Any], identifier: str, specs: bytes, xml: bytes | None) -> bytes:
    """Return a `<record>`: the header, and the stored metadata unless the record is deleted."""
    if xml is None or is_deleted(row):
        return b"<record>" + header(row, identifier, specs) + b"</record>"
    return b"<record>" + header(row, identifier, specs) + b"<metadata>" + xml + b"</metadata></record>"


def resumption_token(token: str, complete: int, cursor: int) -> bytes:
    """Return `<resumptionToken>`; an empty token marks the last page of a list."""
    attributes = f'completeListSize="{complete}" cursor="{cursor}"'
    if not token:
        return f"<resumptionToken {attributes}/>".encode()
    return f"<resumptionToken {attributes}>{text(token)}</resumptionToken>".encode()
