"""Offline syntax checks for PIDs, licences, dates and languages.

Each check is a pure function that returns the normalised value or raises ``ValueError`` with a
message that says what is wrong and how to fix it. Nothing here touches the network.
"""

from __future__ import annotations

import calendar
import datetime as dt
import difflib
import re
from functools import cache
from urllib.parse import urlsplit

import langcodes

from bridge import pid


def _words(text: str) -> tuple[str, ...]:
    """Split a space-separated list of names."""
    return tuple(text.split())


# DataCite 4.6 controlled lists (include/datacite-*-v4.xsd).
RELATION_TYPES = _words(
    "IsCitedBy Cites IsSupplementTo IsSupplementedBy IsContinuedBy Continues IsNewVersionOf IsPreviousVersionOf "
    "IsPartOf HasPart IsPublishedIn IsReferencedBy References IsDocumentedBy Documents IsCompiledBy Compiles "
    "IsVariantFormOf IsOriginalFormOf IsIdenticalTo HasMetadata IsMetadataFor Reviews IsReviewedBy IsDerivedFrom "
    "IsSourceOf Describes IsDescribedBy HasVersion IsVersionOf Requires IsRequiredBy Obsoletes IsObsoletedBy "
    "Collects IsCollectedBy HasTranslation IsTranslationOf"
)
RESOURCE_TYPES_GENERAL = _words(
    "Audiovisual Award Book BookChapter Collection ComputationalNotebook ConferencePaper ConferenceProceeding "
    "DataPaper Dataset Dissertation Event Image Instrument InteractiveResource Journal JournalArticle Model "
    "OutputManagementPlan PeerReview PhysicalObject Preprint Project Report Service Software Sound Standard "
    "StudyRegistration Text Workflow Other"
)
CONTRIBUTOR_TYPES = _words(
    "ContactPerson DataCollector DataCurator DataManager Distributor Editor HostingInstitution Other Producer "
    "ProjectLeader ProjectManager ProjectMember RegistrationAgency RegistrationAuthority RelatedPerson ResearchGroup "
    "RightsHolder Researcher Sponsor Supervisor Translator WorkPackageLeader"
)
RELATED_IDENTIFIER_TYPES = _words(
    "ARK arXiv bibcode CSTR DOI EAN13 EISSN Handle IGSN ISBN ISSN ISTC LISSN LSID PMID PURL RRID UPC URL URN w3id"
)
FUNDER_IDENTIFIER_TYPES = ("ISNI", "GRID", "ROR", "Crossref Funder ID", "Other")

CROSSREF_FUNDER_PREFIX = "10.13039"


# --- ORCID ------------------------------------------------------------------------------------

_ORCID = re.compile(r"^(?:(?:https?://)?(?:www\.)?orcid\.org/)?(\d{4}-\d{4}-\d{4}-\d{3}[\dXx])/?$")


def _mod11_2(digits: str) -> str:
    """Return the ISO 7064 MOD 11-2 check character for a string of digits."""
    total = 0
    for ch in digits:
        total = (total + int(ch)) * 2
    result = (12 - total % 11) % 11
    return "X" if result == 10 else str(result)


def check_orcid(value: str) -> str:
    """Return the ORCID as https://orcid.org/0000-… after checking its form and checksum."""
    text = str(value).strip()
    m = _ORCID.match(text)
    if not m:
        raise ValueError(
            f"'{text}' is not an ORCID; write it as 0000-0002-1825-0097 or https://orcid.org/0000-0002-1825-0097"
        )
    bare = m.group(1).upper()
    expected = _mod11_2(bare.replace("-", "")[:-1])
    if bare[-1] != expected:
        raise ValueError(f"ORCID {bare} fails its checksum (last digit should be {expected}); copy it from orcid.org")
    return f"https://orcid.org/{bare}"


# --- DOI and Handle ---------------------------------------------------------------------------

# Syntax and normal forms are bridge.pid's, so a PID is spelled the same everywhere.
check_doi = pid.check_doi
check_handle = pid.check_handle


# --- URL and arXiv ----------------------------------------------------------------------------


def check_url(value: str) -> str:
    """Return the URL unchanged after checking it is an absolute http(s) URL."""
    text = str(value).strip()
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or re.search(r"\s", text):
        raise ValueError(f"'{text}' is not an http(s) URL; write it in full, e.g. https://example.org/page")
    return text


_ARXIV = re.compile(r"^(?:arxiv:)?(\d{4}\.\d{4,5}(?:v\d+)?|[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7}(?:v\d+)?)$", re.I)


def check_arxiv(value: str) -> str:
    """Return the arXiv identifier as arXiv:<id>; accepts new (2101.00001) and old (hep-th/9901001) ids."""
    text = str(value).strip()
    m = _ARXIV.match(text)
    if not m:
        raise ValueError(f"'{text}' is not an arXiv identifier; write it as arXiv:2101.00001")
    return f"arXiv:{m.group(1)}"


def detect_identifier_type(value: str) -> str:
    """Return the DataCite relatedIdentifierType of a PID: DOI, then Handle, then URL, then arXiv."""
    text = str(value).strip()
    for kind, check in (("DOI", check_doi), ("Handle", check_handle), ("URL", check_url)):
        try:
            check(text)
        except ValueError:
            continue
        return kind
    if text.lower().startswith("arxiv:"):
        check_arxiv(text)  # raises with the arXiv-specific message
        return "arXiv"
    raise ValueError(
        f"cannot tell what kind of identifier '{text}' is; give a DOI (10.1234/abc), a Handle (10261/123), "
        "an http(s) URL or arXiv:2101.00001, or set identifier_type"
    )


def check_identifier_type(value: str) -> str:
    """Return the canonical DataCite relatedIdentifierType for a case-insensitive name."""
    return _pick(value, RELATED_IDENTIFIER_TYPES, "identifier type")


def check_identifier(value: str, identifier_type: str) -> str:
    """Return the identifier normalised for its type (syntax checked for DOI, Handle, URL, arXiv)."""
    checks = {"DOI": check_doi, "Handle": check_handle, "URL": check_url, "arXiv": check_arxiv}
    check = checks.get(identifier_type)
    return check(value) if check else str(value).strip()


# --- ROR --------------------------------------------------------------------------------------

_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"
_ROR = re.compile(r"^(?:(?:https?://)?(?:www\.)?ror\.org/)?(0[0-9a-hj-km-np-tv-z]{6}\d{2})/?$")


def ror_checksum(base: str) -> str:
    """Return the two ISO 7064 MOD 97-10 check digits of a ROR id's 7-character Crockford base32 part."""
    number = 0
    for ch in base:
        number = number * 32 + _CROCKFORD.index(ch)
    return f"{98 - (number * 100) % 97:02d}"


def check_ror(value: str) -> str:
    """Return the ROR id as https://ror.org/0xxxxxxdd after checking its form and checksum."""
    text = str(value).strip()
    m = _ROR.match(text.lower())
    if not m:
        raise ValueError(
            f"'{text}' is not a ROR id; write it as https://ror.org/02gfc7t72 (look the organisation up on ror.org)"
        )
    bare = m.group(1)
    expected = ror_checksum(bare[:7])
    if bare[7:] != expected:
        raise ValueError(
            f"ROR https://ror.org/{bare} fails its checksum (last two digits should be {expected}); "
            "copy it from ror.org"
        )
    return f"https://ror.org/{bare}"


# --- SPDX licences ----------------------------------------------------------------------------

# Hugging Face model-card licence ids (hf.co/docs/hub/repositories-licenses) that have an SPDX id.
HF_LICENSES: dict[str, str] = dict(
    pair.split("=")
    for pair in _words(
        "apache-2.0=Apache-2.0 mit=MIT afl-3.0=AFL-3.0 artistic-2.0=Artistic-2.0 bsl-1.0=BSL-1.0 "
        "bsd-2-clause=BSD-2-Clause bsd-3-clause=BSD-3-Clause bsd-3-clause-clear=BSD-3-Clause-Clear c-uda=C-UDA-1.0 "
        "cc0-1.0=CC0-1.0 cc-by-2.0=CC-BY-2.0 cc-by-2.5=CC-BY-2.5 cc-by-3.0=CC-BY-3.0 cc-by-4.0=CC-BY-4.0 "
        "cc-by-sa-3.0=CC-BY-SA-3.0 cc-by-sa-4.0=CC-BY-SA-4.0 cc-by-nc-2.0=CC-BY-NC-2.0 cc-by-nc-3.0=CC-BY-NC-3.0 "
        "cc-by-nc-4.0=CC-BY-NC-4.0 cc-by-nd-4.0=CC-BY-ND-4.0 cc-by-nc-nd-3.0=CC-BY-NC-ND-3.0 "
        "cc-by-nc-nd-4.0=CC-BY-NC-ND-4.0 cc-by-nc-sa-2.0=CC-BY-NC-SA-2.0 cc-by-nc-sa-3.0=CC-BY-NC-SA-3.0 "
        "cc-by-nc-sa-4.0=CC-BY-NC-SA-4.0 cdla-sharing-1.0=CDLA-Sharing-1.0 cdla-permissive-1.0=CDLA-Permissive-1.0 "
        "cdla-permissive-2.0=CDLA-Permissive-2.0 wtfpl=WTFPL ecl-2.0=ECL-2.0 epl-1.0=EPL-1.0 epl-2.0=EPL-2.0 "
        "etalab-2.0=etalab-2.0 eupl-1.1=EUPL-1.1 eupl-1.2=EUPL-1.2 agpl-3.0=AGPL-3.0-only gpl-2.0=GPL-2.0-only "
        "gpl-3.0=GPL-3.0-only lgpl-2.1=LGPL-2.1-only lgpl-3.0=LGPL-3.0-only isc=ISC lppl-1.3c=LPPL-1.3c ms-pl=MS-PL "
        "mpl-2.0=MPL-2.0 odc-by=ODC-By-1.0 odbl=ODbL-1.0 osl-3.0=OSL-3.0 postgresql=PostgreSQL ofl-1.1=OFL-1.1 "
        "ncsa=NCSA unlicense=Unlicense zlib=Zlib pddl=PDDL-1.0"
    )
)
# Hugging Face ids with no SPDX identifier (RAIL and vendor licences, ambiguous families, other).
HF_LICENSES_WITHOUT_SPDX = frozenset(
    _words(
        "other unknown openrail openrail++ bigscience-openrail-m creativeml-openrail-m bigscience-bloom-rail-1.0 "
        "bigcode-openrail-m llama2 llama3 llama3.1 llama3.2 llama3.3 llama4 gemma deepfloyd-if-license bsd cc gfdl "
        "gpl lgpl lgpl-lr h-research intel-research apple-ascl apple-amlr fair-noncommercial-research-license "
        "openmdw-1.0"
    )
)

# Full names for the licences research outputs use most (the vendored SPDX index carries ids only).
_LICENSE_NAMES: dict[str, str] = {
    "Apache-2.0": "Apache License 2.0",
    "MIT": "MIT License",
    "BSD-2-Clause": 'BSD 2-Clause "Simplified" License',
    "BSD-3-Clause": 'BSD 3-Clause "New" or "Revised" License',
    "BSD-3-Clause-Clear": "BSD 3-Clause Clear License",
    "CC0-1.0": "Creative Commons Zero v1.0 Universal",
    "CC-BY-3.0": "Creative Commons Attribution 3.0 Unported",
    "CC-BY-4.0": "Creative Commons Attribution 4.0 International",
    "CC-BY-SA-3.0": "Creative Commons Attribution Share Alike 3.0 Unported",
    "CC-BY-SA-4.0": "Creative Commons Attribution Share Alike 4.0 International",
    "CC-BY-NC-4.0": "Creative Commons Attribution Non Commercial 4.0 International",
    "CC-BY-ND-4.0": "Creative Commons Attribution No Derivatives 4.0 International",
    "CC-BY-NC-SA-4.0": "Creative Commons Attribution Non Commercial Share Alike 4.0 International",
    "CC-BY-NC-ND-4.0": "Creative Commons Attribution Non Commercial No Derivatives 4.0 International",
    "GPL-2.0-only": "GNU General Public License v2.0 only",
    "GPL-2.0-or-later": "GNU General Public License v2.0 or later",
    "GPL-3.0-only": "GNU General Public License v3.0 only",
    "GPL-3.0-or-later": "GNU General Public License v3.0 or later",
    "LGPL-2.1-only": "GNU Lesser General Public License v2.1 only",
    "LGPL-3.0-only": "GNU Lesser General Public License v3.0 only",
    "AGPL-3.0-only": "GNU Affero General Public License v3.0 only",
    "MPL-2.0": "Mozilla Public License 2.0",
    "EPL-2.0": "Eclipse Public License 2.0",
    "EUPL-1.2": "European Union Public License 1.2",
    "ODbL-1.0": "Open Data Commons Open Database License v1.0",
    "ODC-By-1.0": "Open Data Commons Attribution License v1.0",
    "PDDL-1.0": "Open Data Commons Public Domain Dedication & License 1.0",
    "CDLA-Permissive-2.0": "Community Data License Agreement Permissive 2.0",
    "CDLA-Sharing-1.0": "Community Data License Agreement Sharing 1.0",
    "etalab-2.0": "Etalab Open License 2.0",
    "Unlicense": "The Unlicense",
    "ISC": "ISC License",
    "BSL-1.0": "Boost Software License 1.0",
    "Zlib": "zlib License",
}


@cache
def _spdx_ids() -> dict[str, str]:
    """Map lower-cased SPDX ids and their SPDX aliases (deprecated ids) to the canonical id."""
    from license_expression import get_spdx_licensing

    table: dict[str, str] = {}
    for key, symbol in get_spdx_licensing().known_symbols.items():
        # LicenseRef-scancode-* are scancode's own keys, not SPDX list ids; exceptions are not licences.
        if key.startswith("LicenseRef-") or symbol.is_exception:
            continue
        table[key.lower()] = key
        for alias in symbol.aliases:
            if not alias.startswith("LicenseRef-"):
                table.setdefault(alias.lower(), key)
    return table


def check_spdx(value: str) -> str:
    """Return the canonical SPDX licence id for a case-insensitive id (cc-by-4.0 -> CC-BY-4.0)."""
    text = str(value).strip()
    if re.search(r"\s(?:AND|OR|WITH)\s", text, re.IGNORECASE):
        raise ValueError(f"'{text}' is a licence expression; give a single SPDX licence id such as CC-BY-4.0")
    ids = _spdx_ids()
    found = ids.get(text.lower())
    if found:
        return found
    close = difflib.get_close_matches(text.lower(), ids.keys(), n=1, cutoff=0.8)
    maybe = f" (did you mean {ids[close[0]]}?)" if close else ""
    raise ValueError(
        f"'{text}' is not an SPDX licence id{maybe}; use an id from https://spdx.org/licenses/ such as CC-BY-4.0"
    )


def check_hf_license(value: str) -> str:
    """Return the SPDX id for a Hugging Face licence id; RAIL, vendor and 'other' licences are errors."""
    text = str(value).strip()
    key = text.lower()
    if key in HF_LICENSES:
        return HF_LICENSES[key]
    if key in HF_LICENSES_WITHOUT_SPDX:
        raise ValueError(
            f"the Hugging Face licence '{text}' has no SPDX id, so the repository cannot state it; "
            "set license to an SPDX id (https://spdx.org/licenses/, e.g. CC-BY-4.0) in publish.yaml"
        )
    return check_spdx(text)


def license_url(spdx_id: str) -> str:
    """Return the SPDX page of a licence."""
    return f"https://spdx.org/licenses/{spdx_id}.html"


def license_name(spdx_id: str) -> str:
    """Return the licence's full name where known, else its SPDX id."""
    return _LICENSE_NAMES.get(spdx_id, spdx_id)


# --- ISO 8601 dates ---------------------------------------------------------------------------

_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?$")


def _lower_bound(text: str) -> dt.date:
    """Return the first day an ISO 8601 date or datetime covers; raise ValueError if it is not one."""
    m = _PARTIAL_DATE.match(text)
    if m:
        year, month, day = int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1)
        if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(year, month)[1]:
            raise ValueError(f"'{text}' is not a real date")
        return dt.date(year, month, day)
    if _DATETIME.match(text):
        try:
            return dt.datetime.fromisoformat(text).date()
        except ValueError:
            raise ValueError(f"'{text}' is not a real date and time") from None
    raise ValueError(f"'{text}' is not an ISO 8601 date")


def check_iso8601(value: str | dt.date) -> str:
    """Return an ISO 8601 date (YYYY, YYYY-MM, YYYY-MM-DD), datetime or interval a/b as a string."""
    if isinstance(value, dt.date):  # YAML turns unquoted dates into date/datetime objects
        return value.isoformat()
    text = str(value).strip()
    hint = "use YYYY, YYYY-MM, YYYY-MM-DD, YYYY-MM-DDThh:mm:ssZ, or an interval start/end"
    parts = text.split("/")
    if len(parts) > 2:
        raise ValueError(f"'{text}' is not an ISO 8601 date or interval; {hint}")
    try:
        bounds = [_lower_bound(p) for p in parts]
    except ValueError as exc:
        raise ValueError(f"{exc}; {hint}") from None
    if len(bounds) == 2 and bounds[0] > bounds[1]:
        raise ValueError(f"the interval '{text}' ends before it starts; write it as start/end")
    return text


def check_date(value: str | dt.date) -> dt.date:
    """Return a calendar date from YYYY-MM-DD (or a date object)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    m = _PARTIAL_DATE.match(text)
    if m and m.group(3):
        return _lower_bound(text)
    raise ValueError(f"'{text}' is not a full date; write it as YYYY-MM-DD, e.g. 2024-05-31")


def _tomorrow() -> dt.date:
    """The latest day that is not in the future anywhere on Earth (UTC+14 is a day ahead of UTC)."""
    return dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)


def check_past_date(value: str | dt.date) -> dt.date:
    """Return a calendar date (as check_date) that is not in the future: a creation date."""
    day = check_date(value)
    if day > _tomorrow():
        raise ValueError(f"{day.isoformat()} is in the future; give the date the artefact was created")
    return day


def check_past_iso8601(value: str | dt.date) -> str:
    """Return an ISO 8601 date or interval (as check_iso8601) that does not reach into the future."""
    text = check_iso8601(value)
    for part in text.split("/"):
        if _lower_bound(part) > _tomorrow():
            raise ValueError(f"'{text}' reaches into the future ({part}); give when the data were collected")
    return text


# --- languages and controlled lists -----------------------------------------------------------


def check_language(value: str) -> str:
    """Return the BCP 47 language tag in its standard form (EN_gb -> en-GB, eng -> en)."""
    text = str(value).strip()
    if not langcodes.tag_is_valid(text):
        raise ValueError(f"'{text}' is not a BCP 47 language tag; write e.g. en, es or en-GB")
    return langcodes.standardize_tag(text)


def _pick(value: str, allowed: list[str] | tuple[str, ...], what: str) -> str:
    text = str(value).strip()
    for item in allowed:
        if item.lower() == text.lower():
            return item
    close = difflib.get_close_matches(text, allowed, n=1, cutoff=0.6)
    maybe = f" (did you mean {close[0]}?)" if close else ""
    raise ValueError(f"'{text}' is not a DataCite {what}{maybe}; use one of: {', '.join(allowed)}")


def check_relation_type(value: str) -> str:
    """Return the canonical DataCite relationType (isDerivedFrom -> IsDerivedFrom)."""
    return _pick(value, RELATION_TYPES, "relationType")


def check_resource_type_general(value: str) -> str:
    """Return the canonical DataCite resourceTypeGeneral."""
    return _pick(value, RESOURCE_TYPES_GENERAL, "resourceTypeGeneral")


def check_contributor_type(value: str) -> str:
    """Return the canonical DataCite contributorType."""
    return _pick(value, CONTRIBUTOR_TYPES, "contributorType")


# --- funders ----------------------------------------------------------------------------------


def check_funder_id(value: str, funder_id_type: str | None = None) -> tuple[str, str]:
    """Return (funder id, funderIdentifierType); Crossref Funder IDs become https://doi.org/10.13039/… URLs."""
    text = str(value).strip()
    kind = _pick(funder_id_type, FUNDER_IDENTIFIER_TYPES, "funderIdentifierType") if funder_id_type else None
    if kind in (None, "Crossref Funder ID"):
        try:
            doi = check_doi(text)
        except ValueError:
            doi = None
        if doi and doi.startswith(CROSSREF_FUNDER_PREFIX + "/"):
            return f"https://doi.org/{doi}", "Crossref Funder ID"
        if kind:
            raise ValueError(f"'{text}' is not a Crossref Funder ID; write it as https://doi.org/10.13039/501100000780")
    if kind in (None, "ROR"):
        try:
            return check_ror(text), "ROR"
        except ValueError:
            if kind:
                raise
    if kind == "ISNI":
        digits = re.sub(r"[\s-]", "", text.removeprefix("https://isni.org/isni/")).upper()
        if not re.fullmatch(r"\d{15}[\dX]", digits) or _mod11_2(digits[:-1]) != digits[-1]:
            raise ValueError(f"'{text}' is not a valid ISNI (16 characters with an ISO 7064 check digit)")
        return digits, "ISNI"
    return text, kind or "Other"
