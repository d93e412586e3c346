"""The OpenAIRE/DRIVER info:eu-repo vocabulary: access rights, embargo dates and grant agreements."""

from __future__ import annotations

from typing import Any

ACCESS_URI = {
    "open": "info:eu-repo/semantics/openAccess",
    "embargoed": "info:eu-repo/semantics/embargoedAccess",
    "restricted": "info:eu-repo/semantics/restrictedAccess",
    "closed": "info:eu-repo/semantics/closedAccess",
}
ACCESS_LABEL = {
    "open": "Open Access",
    "embargoed": "Embargoed Access",
    "restricted": "Restricted Access",
    "closed": "Closed Access",
}
EMBARGO_PREFIX = "info:eu-repo/date/embargoEnd/"
GRANT_PREFIX = "info:eu-repo/grantAgreement/"

# The European Commission as a funder: its Crossref Funder ID and its ROR id.
EC_FUNDER_IDS = ("10.13039/501100000780", "00k4n6c32")
EC_NAMES = ("european commission", "ec")


def is_access_uri(value: str | None) -> bool:
    """Tell whether value is one of the four info:eu-repo access-right URIs."""
    return value in ACCESS_URI.values()


def is_european_commission(funder_name: str | None, funder_id: str | None) -> bool:
    """Tell whether a funding reference names the European Commission."""
    if funder_id:
        return any(part in funder_id for part in EC_FUNDER_IDS)
    return (funder_name or "").strip().casefold() in EC_NAMES


def escape_segment(value: str) -> str:
    """Escape a grant-agreement segment: a '/' inside a field is written %2F."""
    return value.replace("%", "%25").replace("/", "%2F")


def grant_agreement(program: str, award_number: str, funder: str = "EC") -> str:
    """Return the mandatory 3-part form info:eu-repo/grantAgreement/<funder>/<program>/<id>."""
    return f"{GRANT_PREFIX}{funder}/{escape_segment(program)}/{escape_segment(award_number)}"


def program_from_uri(award_uri: str | None) -> str | None:
    """Return the programme segment of an info:eu-repo/grantAgreement award URI."""
    if not award_uri or not award_uri.startswith(GRANT_PREFIX):
        return None
    parts = award_uri[len(GRANT_PREFIX) :].split("/")
    return parts[1] if len(parts) >= 3 and parts[1] else None


def grant_agreements(record: dict[str, Any], default_program: str | None) -> list[str]:
    """Return the grant-agreement strings of the record's European Commission funding references.

    The programme comes from an ``info:eu-repo/grantAgreement/EC/<program>/…`` awardUri (where
    build_record keeps Funding.program) or else from the mapping's default; without either the
    mandatory 3-part form cannot be written, so that funding reference gets none.
    """
    out: list[str] = []
    for ref in record.get("fundingReferences", []):
        number = ref.get("awardNumber")
        if not number or not is_european_commission(ref.get("funderName"), ref.get("funderIdentifier")):
            continue
        program = program_from_uri(ref.get("awardUri")) or default_program
        if program:
            value = grant_agreement(program, number)
            if value not in out:
                out.append(value)
    return out


def embargo_end(date: str) -> str:
    """Return the info:eu-repo embargo-end date entry for a YYYY-MM-DD date."""
    return EMBARGO_PREFIX + date
