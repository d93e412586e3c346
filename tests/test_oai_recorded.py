"""Recorded responses for every verb and every OAI error code (fixtures/oai/recorded): XSD-valid, parsed right."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from bridge import errors
from bridge.harvest import Harvester, Scope
from bridge.http import RetryPolicy, make_client
from bridge.ledger import Ledger
from bridge.oai.client import OAIClient

RECORDED = Path(__file__).resolve().parent.parent / "fixtures" / "oai" / "recorded"
URL = "http://127.0.0.1:8765/server/oai/request"
ERRORS = {
    "badArgument": errors.BadArgument,
    "badResumptionToken": errors.BadResumptionToken,
    "badVerb": errors.BadVerb,
    "cannotDisseminateFormat": errors.CannotDisseminateFormat,
    "idDoesNotExist": errors.IdDoesNotExist,
    "noMetadataFormats": errors.NoMetadataFormats,
    "noRecordsMatch": errors.NoRecordsMatch,
    "noSetHierarchy": errors.NoSetHierarchy,
}


def client_serving(route: dict[str | None, str]) -> OAIClient:
    """A client whose server answers by resumptionToken (None: the first request) with recorded files."""

    def handler(request: httpx.Request) -> httpx.Response:
        params = dict(request.url.params)
        name = "Identify.xml" if params.get("verb") == "Identify" else route[params.get("resumptionToken")]
        return httpx.Response(200, content=(RECORDED / name).read_bytes())

    return OAIClient(URL, client=make_client(transport=httpx.MockTransport(handler)), policy=RetryPolicy(attempts=1))


def test_every_verb_and_error_code_is_recorded() -> None:
    names = {p.name for p in RECORDED.glob("*.xml")}
    for verb in ("Identify", "ListMetadataFormats", "ListSets", "ListIdentifiers", "ListRecords", "GetRecord"):
        assert any(n.startswith(verb) for n in names), verb
    assert {f"error-{code}.xml" for code in ERRORS} <= names


@pytest.mark.parametrize("path", sorted(RECORDED.glob("*.xml")), ids=lambda p: p.name)
def test_recorded_responses_are_valid_oai_pmh(path: Path, assert_valid) -> None:
    assert_valid(path.read_bytes(), "oai-pmh-response.xsd")


@pytest.mark.parametrize(("code", "klass"), sorted(ERRORS.items()))
def test_each_error_code_raises_its_own_class(code: str, klass: type[errors.OAIError]) -> None:
    oai = client_serving({None: f"error-{code}.xml"})
    with pytest.raises(klass) as info:
        oai.harvest(verb="ListRecords", metadataPrefix="oai_dc")
    assert info.value.code == code


def test_identify_is_read_at_the_repository_granularity() -> None:
    identity = client_serving({}).identify()
    assert identity.seconds and identity.deleted_record == "transient"
    assert identity.earliest_datestamp and identity.response_date


def test_recorded_three_page_list_is_harvested_whole(tmp_path: Path) -> None:
    page1 = (RECORDED / "ListRecords-page1.xml").read_text()
    page2 = (RECORDED / "ListRecords-page2.xml").read_text()
    token1 = re.search(r"<resumptionToken[^>]*>([^<]+)<", page1).group(1)
    token2 = re.search(r"<resumptionToken[^>]*>([^<]+)<", page2).group(1)
    oai = client_serving(
        {None: "ListRecords-page1.xml", token1: "ListRecords-page2.xml", token2: "ListRecords-page3-last.xml"}
    )
    with Ledger(tmp_path / "l.sqlite") as ledger:
        stats = Harvester(oai, ledger).run(Scope(URL, "oai_dc"), window_size="none")
        rows = ledger.query("SELECT identifier, deleted, metadata FROM record ORDER BY identifier")
    assert stats.complete and stats.pages == 3
    assert len(rows) == 5 and sum(r["deleted"] for r in rows) == 1
    assert all("Recorded item" in r["metadata"] for r in rows if not r["deleted"])
