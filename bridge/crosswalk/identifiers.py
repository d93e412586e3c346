"""Identifier spelling: bare DOIs and Handles for DataCite, resolvable URLs for Dublin Core and DSpace.

Syntax checks and normalisation are ``bridge.pid``'s (DOIs, Handles) and the artefact checks' (the rest), so
an identifier is spelled the same way at validation time and in every rendering.
"""

from __future__ import annotations

import re

from bridge import pid
from bridge.artifact import checks

DOI_RESOLVER = "https://doi.org/"
HANDLE_RESOLVER = "https://hdl.handle.net/"

check_doi = pid.check_doi
check_handle = pid.check_handle
check_orcid = checks.check_orcid
check_ror = checks.check_ror
check_funder_id = checks.check_funder_id


def related(value: str, identifier_type: str | None = None) -> tuple[str, str]:
    """Return (relatedIdentifier, relatedIdentifierType), detecting the type when not given.

    Raises ValueError with a message that says how to write the identifier.
    """
    kind = checks.check_identifier_type(identifier_type) if identifier_type else checks.detect_identifier_type(value)
    return checks.check_identifier(value, kind), kind


def orcid_bare(value: str) -> str:
    """Return the 0000-0000-0000-0000 form of an ORCID iD."""
    return value.strip().rstrip("/").rsplit("/", 1)[-1]


def to_url(identifier: str, identifier_type: str) -> str:
    """Return a resolvable URL for an identifier, or scheme:value when there is no resolver."""
    kind = identifier_type.casefold()
    if kind == "doi":
        return DOI_RESOLVER + identifier
    if kind == "handle":
        return HANDLE_RESOLVER + identifier
    if kind == "arxiv":
        return "https://arxiv.org/abs/" + re.sub(r"^arxiv:", "", identifier, flags=re.IGNORECASE)
    if kind in {"url", "purl", "w3id", "urn"} or identifier.startswith(("http://", "https://")):
        return identifier
    return f"{kind}:{identifier}"
