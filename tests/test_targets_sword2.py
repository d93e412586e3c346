"""The sword2 target against the sandbox's SWORD v2 server, with and without the REST API for read-back."""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from lxml import etree
from pydantic import SecretStr

from bridge.embedded import sandbox_profile
from bridge.errors import ConfigError, RepositoryError
from bridge.ledger import Ledger
from bridge.publish import deposit_record, dspace_metadata, key_of, planned_files
from bridge.settings import load_settings
from bridge.targets import KEY_PREFIX, DepositPlan, Journal, Lookup, make_target, target_spec
from bridge.targets.sword2 import Sword2Target
from bridge.targets.sword2_package import ATOM, DCTERMS, atom_entry, build_zip
from bridge.validate import validate_artifact


class Tamper(httpx.BaseTransport):
    """Forward to the real server; `hooks` may answer instead of it (before) or change its answer (after)."""

    def __init__(self) -> None:
        self.real = httpx.HTTPTransport()
        self.hooks: list[tuple[Callable[[httpx.Request], bool], str, Callable, list[int]]] = []
        self.sent: list[tuple[str, str]] = []

    def add(self, matches: Callable[[httpx.Request], bool], when: str, action: Callable, times: int = 1) -> None:
        self.hooks.append((matches, when, action, [times]))

    def forward(self, request: httpx.Request) -> httpx.Response:
        self.sent.append((request.method, request.url.path))
        response = self.real.handle_request(request)
        response.read()
        return response

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        for matches, when, action, left in self.hooks:
            if left[0] > 0 and matches(request):
                left[0] -= 1
                if when == "before":
                    return action(request)
                return action(request, self.forward(request))
        return self.forward(request)

    def count(self, method: str, part: str) -> int:
        return sum(1 for m, p in self.sent if m == method and part in p)


def plan_for(folder: Path) -> DepositPlan:
    validated = validate_artifact(folder, load_settings())
    _, key = key_of(validated)
    record = deposit_record(validated, None, doi="10.5072/bridge.testtestte")
    return DepositPlan(
        deposit_key=key,
        title=validated.artifact.metadata.title,
        collection="10261/2",
        metadata=dspace_metadata(validated, record, key),
        record=record,
        files=planned_files(validated, target_spec("sword2")),
        doi="10.5072/bridge.testtestte",
    )


@pytest.fixture
def tamper() -> Tamper:
    return Tamper()


@pytest.fixture
def make(sandbox, tamper, tmp_path: Path):
    made: list[Sword2Target] = []

    def build(*, rest: bool = True) -> Sword2Target:
        profile = sandbox_profile(sandbox)
        if not rest:
            profile = profile.model_copy(update={"rest_url": None})
        chosen = make_target(profile, "sword2", spool_dir=tmp_path / "spool", transport=tamper)
        assert isinstance(chosen, Sword2Target)
        chosen.sleep = lambda seconds: None
        made.append(chosen)
        return chosen

    yield build
    for chosen in made:
        chosen.close()


@pytest.fixture
def journal(tmp_path: Path):
    ledger = Ledger(tmp_path / "ledger.sqlite")
    yield lambda plan: Journal(ledger, plan.deposit_key, "local")
    ledger.close()


def items(sandbox) -> list[dict]:
    return sandbox.store.query("SELECT uuid, handle, in_archive FROM item ORDER BY created")


def test_atom_entry_carries_dublin_core_and_the_deposit_key(fixtures_dir):
    plan = plan_for(fixtures_dir / "plant-classifier")
    root = etree.fromstring(atom_entry(plan))
    assert root.findtext(f"{{{ATOM}}}title") == plan.title
    creators = [e.text for e in root.findall(f"{{{DCTERMS}}}creator")]
    assert creators == ["Carberry, Josiah", "Ejemplo-Pérez, Alba"]
    identifiers = [e.text for e in root.findall(f"{{{DCTERMS}}}identifier")]
    assert KEY_PREFIX + plan.deposit_key in identifiers
    assert "https://doi.org/10.5072/bridge.testtestte" in identifiers
    assert root.findtext(f"{{{ATOM}}}summary").startswith("Weights of a small convolutional")
    assert root.findtext(f"{{{DCTERMS}}}license") == "https://creativecommons.org/licenses/by/4.0/"
    assert root.findtext(f"{{{DCTERMS}}}issued") == "2026-11-20"
    assert root.find(f"{{{DCTERMS}}}description").get("{http://www.w3.org/XML/1998/namespace}lang") == "en"


def test_simplezip_package_keeps_folders_and_its_md5_is_that_of_the_bytes(fixtures_dir, tmp_path):
    plan = plan_for(fixtures_dir / "monitoring-logs")
    size, md5 = build_zip(plan, tmp_path / "p.zip")
    data = (tmp_path / "p.zip").read_bytes()
    assert size == len(data) and md5 == hashlib.md5(data).hexdigest()
    with zipfile.ZipFile(tmp_path / "p.zip") as archive:
        assert archive.testzip() is None
        assert sorted(archive.namelist()) == sorted(f.path for f in plan.files)
        assert all(i.compress_type == zipfile.ZIP_STORED for i in archive.infolist())
        member = next(f for f in plan.files if f.path == "metrics/node-metrics.csv")
        assert hashlib.md5(archive.read(member.path)).hexdigest() == member.md5


@pytest.mark.parametrize("rest", [True, False], ids=["rest-readback", "download-and-hash"])
def test_deposit_archives_item_with_files_and_checksums(sandbox, make, journal, fixtures_dir, tmp_path, rest):
    target = make(rest=rest)
    plan = plan_for(fixtures_dir / "monitoring-logs")
    item = target.deposit(plan, journal(plan))
    assert item.archived and item.handle and item.handle.startswith("10261/")
    stored = sandbox.store.item(item.item_id)
    assert stored["in_archive"] and stored["handle"] == item.handle
    assert KEY_PREFIX + plan.deposit_key in [v["value"] for v in stored["metadata"]["dc.identifier"]]
    assert [v["value"] for v in stored["metadata"]["dc.title"]] == [plan.title]  # no "Untitled" placeholder
    local = {f.name: f.md5 for f in plan.files}
    assert {f.name: f.md5 for f in item.files} == local
    assert {b["name"]: b["md5"] for b in sandbox.store.item_bitstreams(item.item_id)} == local
    assert sandbox.store.one("SELECT COUNT(*) AS n FROM workspaceitem")["n"] == 0
    assert list((tmp_path / "spool").glob("*.zip")) == []  # the package spool is cleaned up
    found = target.find_existing(plan.deposit_key)
    if rest:
        assert found is not None and found.item_id == item.item_id
    else:
        assert found is Lookup.CANNOT_SEARCH  # SWORD cannot search: without REST only the ledger knows
    again = target.read_back(item.item_id)
    assert again is not None and again.handle == item.handle


def test_lost_answer_to_the_create_adopts_the_draft_through_rest(sandbox, make, tamper, journal, fixtures_dir):
    def timeout(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    tamper.add(lambda r: r.method == "POST" and "/swordv2/collection/" in r.url.path, "after", timeout)
    target = make(rest=True)
    plan = plan_for(fixtures_dir / "plant-classifier")
    item = target.deposit(plan, journal(plan))
    assert item.archived
    assert tamper.count("POST", "/swordv2/collection/") == 1
    assert [i["in_archive"] for i in items(sandbox)] == [1]


def test_lost_answer_to_the_create_without_rest_leaves_a_draft_behind(sandbox, make, tamper, journal, fixtures_dir):
    """The documented limitation: SWORD cannot list drafts, so an unrecorded creation is made again."""

    def timeout(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    tamper.add(lambda r: r.method == "POST" and "/swordv2/collection/" in r.url.path, "after", timeout)
    target = make(rest=False)
    plan = plan_for(fixtures_dir / "plant-classifier")
    assert target.deposit(plan, journal(plan)).archived
    assert sorted(i["in_archive"] for i in items(sandbox)) == [0, 1]


def test_lost_answer_to_completion_is_read_back_not_sent_again(sandbox, make, tamper, journal, fixtures_dir):
    complete = lambda r: r.method == "POST" and "/swordv2/edit/" in r.url.path  # noqa: E731
    tamper.add(complete, "after", lambda q, r: httpx.Response(502, text="bad gateway"))
    target = make(rest=True)
    plan = plan_for(fixtures_dir / "plant-classifier")
    item = target.deposit(plan, journal(plan))
    assert item.archived
    assert tamper.count("POST", "/swordv2/edit/") == 1
    assert len(items(sandbox)) == 1


def test_checksum_mismatch_stops_before_the_item_is_archived(sandbox, make, tamper, journal, fixtures_dir):
    def corrupt(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        body = response.json()
        for bs in body["_embedded"]["bitstreams"]:
            bs["checkSum"]["value"] = "f" * 32
        return httpx.Response(200, json=body)

    tamper.add(lambda r: r.method == "GET" and r.url.path.endswith("/bitstreams"), "after", corrupt, times=99)
    target = make(rest=True)
    plan = plan_for(fixtures_dir / "plant-classifier")
    with pytest.raises(RepositoryError, match="checksum mismatch") as caught:
        target.deposit(plan, journal(plan))
    assert "f" * 32 in caught.value.message
    assert [i["in_archive"] for i in items(sandbox)] == [0]  # never completed


def test_damaged_package_is_refused_by_its_content_md5(sandbox, make, tamper, journal, fixtures_dir):
    def damage(request: httpx.Request) -> httpx.Response:
        body = bytearray(request.read())
        body[len(body) // 2] ^= 0xFF
        headers = {k: v for k, v in request.headers.items() if k.lower() != "content-length"}
        return tamper.forward(httpx.Request(request.method, request.url, headers=headers, content=bytes(body)))

    tamper.add(lambda r: r.method == "POST" and "/swordv2/edit-media/" in r.url.path, "before", damage)
    target = make(rest=True)
    plan = plan_for(fixtures_dir / "plant-classifier")
    with pytest.raises(RepositoryError, match="412"):
        target.deposit(plan, journal(plan))
    assert [i["in_archive"] for i in items(sandbox)] == [0]
    assert target.deposit(plan, journal(plan)).archived  # the next run sends an intact package


def test_credentials_and_collection_errors(sandbox, make, tamper, journal, fixtures_dir):
    profile = sandbox_profile(sandbox).model_copy(update={"password": SecretStr("not-the-pw-42")})
    target = make_target(profile, "sword2", transport=tamper)
    plan = plan_for(fixtures_dir / "plant-classifier")
    with pytest.raises(ConfigError, match="refused the credentials") as caught:
        target.deposit(plan, journal(plan))
    assert "not-the-pw-42" not in " ".join(caught.value.lines())
    plan.collection = "10261/999"
    with pytest.raises(ConfigError, match="no collection 10261/999") as missing:
        make(rest=False).deposit(plan, journal(plan))
    assert "10261/2" in (missing.value.hint or "")
    with pytest.raises(ConfigError, match="no credentials"):
        make_target(profile.model_copy(update={"password": None}), "sword2")
