"""Record one OAI-PMH response per verb and per error code from the sandbox into fixtures/oai/recorded/.

Run: python scripts/record_oai_fixtures.py   (the base URL is rewritten to http://127.0.0.1:8765 so the
files do not depend on the port). noSetHierarchy and noMetadataFormats cannot happen in the sandbox
(it always has sets and formats); those two files are written from the protocol's error format.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import httpx

from bridge.sandbox.app import SandboxConfig
from bridge.sandbox.server import running_sandbox
from bridge.sandbox.store import metadata_value

OUT = Path(__file__).resolve().parent.parent / "fixtures" / "oai" / "recorded"
BASE = "http://127.0.0.1:8765"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, running_sandbox(SandboxConfig(data_dir=Path(tmp), page_size=2)) as sb:
        coll = sb.store.collections()[0]["uuid"]
        items = []
        for i in range(5):
            md = {
                "dc.title": [metadata_value(f"Recorded item {i}", "en")],
                "dc.contributor.author": [metadata_value("García, Ana")],
                "dc.date.issued": [metadata_value("2026-11-20")],
                "dc.type": [metadata_value("dataset")],
                "dc.rights.license": [metadata_value("https://creativecommons.org/licenses/by/4.0/")],
            }
            if i == 0:
                md["dc.identifier.doi"] = [metadata_value("https://doi.org/10.5072/recorded-0")]
            items.append(sb.store.create_item(coll, md, timestamp=f"2026-11-2{i}T10:00:00.000Z"))
        sb.store.update_item(items[4]["uuid"], withdrawn=True, touch=False)
        host = sb.sandbox.config.oai_host
        ident = f"oai:{host}:{items[0]['handle']}"
        url = sb.urls["oai"]

        def get(name: str, **params: str) -> str:
            body = httpx.get(url, params=params).text
            body = body.replace(sb.base_url, BASE)
            (OUT / name).write_text(body, encoding="utf-8")
            return body

        get("Identify.xml", verb="Identify")
        get("ListMetadataFormats.xml", verb="ListMetadataFormats")
        get("ListSets.xml", verb="ListSets")
        first = get("ListIdentifiers-page1.xml", verb="ListIdentifiers", metadataPrefix="oai_dc")
        first = get("ListRecords-page1.xml", verb="ListRecords", metadataPrefix="oai_dc")
        token = re.search(r"<resumptionToken[^>]*>([^<]+)</resumptionToken>", first).group(1)
        second = httpx.get(url, params={"verb": "ListRecords", "resumptionToken": token}).text
        (OUT / "ListRecords-page2.xml").write_text(second.replace(sb.base_url, BASE), encoding="utf-8")
        token = re.search(r"<resumptionToken[^>]*>([^<]+)</resumptionToken>", second).group(1)
        get("ListRecords-page3-last.xml", verb="ListRecords", resumptionToken=token)
        get("GetRecord-oai_dc.xml", verb="GetRecord", metadataPrefix="oai_dc", identifier=ident)
        get("GetRecord-oai_datacite.xml", verb="GetRecord", metadataPrefix="oai_datacite", identifier=ident)
        deleted = f"oai:{host}:{items[4]['handle']}"
        get("GetRecord-deleted.xml", verb="GetRecord", metadataPrefix="oai_dc", identifier=deleted)
        get("error-badVerb.xml", verb="ListThings")
        get("error-badArgument.xml", verb="ListRecords", metadataPrefix="oai_dc", bogus="1")
        get("error-badResumptionToken.xml", verb="ListRecords", resumptionToken="oai_dc////999999/x")
        get("error-cannotDisseminateFormat.xml", verb="ListRecords", metadataPrefix="marc21")
        get(
            "error-idDoesNotExist.xml", verb="GetRecord", metadataPrefix="oai_dc", identifier=f"oai:{host}:10261/999999"
        )
        get("error-noRecordsMatch.xml", verb="ListRecords", metadataPrefix="oai_dc", **{"from": "2030-01-01"})
        template = (OUT / "error-noRecordsMatch.xml").read_text(encoding="utf-8")
        for code, verb, text in (
            ("noSetHierarchy", "ListSets", "This repository does not support sets"),
            ("noMetadataFormats", "ListMetadataFormats", "There are no metadata formats available for the item"),
        ):
            body = re.sub(r"<request[^>]*>", f'<request verb="{verb}">', template)
            body = re.sub(r'<error code="noRecordsMatch">[^<]*</error>', f'<error code="{code}">{text}</error>', body)
            (OUT / f"error-{code}.xml").write_text(body, encoding="utf-8")


if __name__ == "__main__":
    main()
