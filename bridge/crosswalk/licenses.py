"""SPDX licence ids to full names and URLs, for rightsList, dc:rights and dc.rights.license.

Ids and names come from the artefact checks (``bridge.artifact.checks``). Their URL is the SPDX
page; for the Creative Commons and Open Data Commons licences the licensor's own URL is the one
DataCite's examples, OpenAIRE and DSpace repositories use, so it is preferred here.
"""

from __future__ import annotations

from dataclasses import dataclass

from bridge.artifact import checks

SPDX_SCHEME_URI = "https://spdx.org/licenses/"

_LICENSOR_URL = {
    "CC0-1.0": "https://creativecommons.org/publicdomain/zero/1.0/",
    **{
        f"CC-{kind.upper()}-{version}": f"https://creativecommons.org/licenses/{kind}/{version}/"
        for kind in ("by", "by-sa", "by-nc", "by-nd", "by-nc-sa", "by-nc-nd")
        for version in ("3.0", "4.0")
    },
    "ODbL-1.0": "https://opendatacommons.org/licenses/odbl/1-0/",
    "ODC-By-1.0": "https://opendatacommons.org/licenses/by/1-0/",
    "PDDL-1.0": "https://opendatacommons.org/licenses/pddl/1-0/",
}


@dataclass(frozen=True)
class License:
    """One SPDX licence as the renderings need it."""

    spdx_id: str
    name: str
    url: str


def lookup(spdx_id: str) -> License:
    """Return the licence for an SPDX id (any letter case); raise ValueError when SPDX does not know it."""
    key = checks.check_spdx(spdx_id)
    return License(spdx_id=key, name=checks.license_name(key), url=_LICENSOR_URL.get(key) or checks.license_url(key))
