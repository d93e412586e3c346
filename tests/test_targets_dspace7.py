"""The dspace7 target against the sandbox's DSpace REST API, with lost answers, 503s and bad checksums injected."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from bridge.embedded import sandbox_profile
from bridge.errors import ConfigError, RepositoryError
from bridge.ledger import Ledger
from bridge.publish import deposit_record, dspace_metadata, key_of, planned_files
from bridge.settings import load_settings
from bridge.targets import (
    KEY_PREFIX,
    Deposited,
    DepositPlan,
    Journal,
    Lookup,
    bitstream_names,
    make_target,
    target_spec,
)
from bridge.targets.dspace7 import DSpace7Target, ProgressReader, section_of
from bridge.targets.dspace_rest import key_query, solr_phrase
from bridge.times import parse_time
from bridge.validate import validate_artifact


@dataclass
class Rule:
    """Tamper with the next `times` requests that match: answer instead of the server, or change its answer."""

    matches: Callable[[httpx.Request], bool]
    before: Callable[[httpx.Request], httpx.Response] | None = None
    after: Callable[[httpx.Request, httpx.Response], httpx.Response] | None = None
    times: int = 1


class Tamper(httpx.BaseTransport):
    """Forward every request to the real server; apply the first matching rule."""

    def __init__(self) -> None:
        self.real = httpx.HTTPTransport()
        self.rules: list[Rule] = []
        self.sent: list[tuple[str, str]] = []  # (method, path) of what reached the server

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        rule = next((r for r in self.rules if r.times > 0 and r.matches(request)), None)
        if rule is not None:
            rule.times -= 1
            if rule.before is not None:
                return rule.before(request)
        self.sent.append((request.method, request.url.path))
        response = self.real.handle_request(request)
        response.read()
        if rule is not None and rule.after is not None:
            return rule.after(request, response)
        return response

    def count(self, method: str, suffix: str) -> int:
        return sum(1 for m, p in self.sent if m == method and p.endswith(suffix))


def copy_response(response: httpx.Response, *, status: int | None = None, body: bytes | None = None) -> httpx.Response:
    headers = [(k, v) for k, v in response.headers.items() if k.lower() not in ("content-length", "content-encoding")]
    return httpx.Response(
        status or response.status_code, headers=headers, content=response.content if body is None else body
    )


def on(method: str, suffix: str) -> Callable[[httpx.Request], bool]:
    return lambda r: r.method == method and r.url.path.rstrip("/").endswith(suffix)


def is_upload(method: str, path: str) -> bool:
    """An upload through the draft or straight into its bundle."""
    return method == "POST" and ("/submission/workspaceitems/" in path or path.endswith("/bitstreams"))


def plan_for(folder: Path, target: str = "dspace7", collection: str = "10261/2") -> DepositPlan:
    validated = validate_artifact(folder, load_settings())
    _, key = key_of(validated)
    record = deposit_record(validated, None)
    return DepositPlan(
        deposit_key=key,
        title=validated.artifact.metadata.title,
        collection=collection,
        metadata=dspace_metadata(validated, record, key),
        record=record,
        files=planned_files(validated, target_spec(target)),
    )


@pytest.fixture
def tamper() -> Tamper:
    return Tamper()


@pytest.fixture
def target(sandbox, tamper):
    chosen = make_target(sandbox_profile(sandbox), "dspace7", transport=tamper)
    assert isinstance(chosen, DSpace7Target)
    chosen.sleep = lambda seconds: None
    yield chosen
    chosen.close()


@pytest.fixture
def journal(tmp_path: Path):
    ledger = Ledger(tmp_path / "ledger.sqlite")
    yield lambda plan: Journal(ledger, plan.deposit_key, "local")
    ledger.close()


def items(sandbox) -> list[dict]:
    return sandbox.store.query("SELECT uuid, handle, in_archive FROM item")


def workspace_count(sandbox) -> int:
    return sandbox.store.one("SELECT COUNT(*) AS n FROM workspaceitem")["n"]


def test_deposit_archives_item_with_key_metadata_and_matching_checksums(sandbox, target, journal, fixtures_dir):
    plan = plan_for(fixtures_dir / "plant-classifier")
    item = target.deposit(plan, journal(plan))
    assert item.archived and item.handle and item.handle.startswith("10261/")
    stored = sandbox.store.item(item.item_id)
    assert stored["in_archive"] and stored["handle"] == item.handle
    assert KEY_PREFIX + plan.deposit_key in [v["value"] for v in stored["metadata"]["dc.identifier.other"]]
    assert stored["metadata"]["dc.title"][0]["value"] == plan.title
    assert stored["metadata"]["dc.contributor.author"][0]["value"] == "Carberry, Josiah"
    local = {f.name: f.md5 for f in plan.files}
    assert {f.name: f.md5 for f in item.files} == local
    assert {b["name"]: b["md5"] for b in sandbox.store.item_bitstreams(item.item_id)} == local
    assert workspace_count(sandbox) == 0
    steps = [(r["step"], r["status"]) for r in journal(plan).ledger.steps(plan.deposit_key, "local")]
    assert steps[:2] == [("workspace-item", "started"), ("workspace-item", "done")]
    assert ("deposit", "done") in steps


def test_find_existing_same_title_and_resolve(sandbox, target, journal, fixtures_dir):
    plan = plan_for(fixtures_dir / "plant-classifier")
    assert target.find_existing(plan.deposit_key) is Lookup.ABSENT
    item = target.deposit(plan, journal(plan))
    found = target.find_existing(plan.deposit_key)
    assert isinstance(found, Deposited) and found.item_id == item.item_id and found.files
    assert target.find_existing("0" * 64) is Lookup.ABSENT
    same = target.find_same_title(plan.title)
    assert [d.item_id for d in same] == [item.item_id]
    assert target.find_same_title(plan.title + " v2") == []
    resolved = target.resolve(item.handle)
    assert isinstance(resolved, Deposited) and resolved.item_id == item.item_id
    assert target.resolve("10261/999999") is Lookup.ABSENT


def test_checksum_mismatch_is_an_error_and_the_bad_copy_is_removed(sandbox, target, tamper, journal, fixtures_dir):
    def corrupt(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        body = response.json()
        for f in body["sections"]["upload"]["files"]:
            f["checkSum"]["value"] = "0" * 32  # as if the bytes had been damaged on the way
        return copy_response(response, body=json.dumps(body).encode())

    tamper.rules.append(
        Rule(lambda r: r.method == "POST" and "/submission/workspaceitems/" in r.url.path, after=corrupt)
    )
    plan = plan_for(fixtures_dir / "plant-classifier")
    with pytest.raises(RepositoryError, match="checksum mismatch") as caught:
        target.deposit(plan, journal(plan))
    assert "model.safetensors" in caught.value.message and "0" * 32 in caught.value.message
    assert [i for i in items(sandbox) if i["in_archive"]] == []
    (draft,) = items(sandbox)
    assert sandbox.store.item_bitstreams(draft["uuid"]) == []  # the damaged copy was removed
    # The next run uploads the file again into the same draft and deposits it.
    item = target.deposit(plan, journal(plan))
    assert item.item_id == draft["uuid"] and item.archived
    assert [b["md5"] for b in sandbox.store.item_bitstreams(item.item_id)] == [plan.files[0].md5]


def test_lost_answer_to_the_deposit_is_read_back_not_sent_again(sandbox, target, tamper, journal, fixtures_dir):
    lost = Rule(on("POST", "/workflow/workflowitems"), after=lambda q, r: httpx.Response(503, text="gateway timeout"))
    tamper.rules.append(lost)
    plan = plan_for(fixtures_dir / "plant-classifier")
    item = target.deposit(plan, journal(plan))
    assert item.archived
    assert tamper.count("POST", "/workflow/workflowitems") == 1
    assert len(items(sandbox)) == 1 and workspace_count(sandbox) == 0
    statuses = [(r["step"], r["status"]) for r in journal(plan).ledger.steps(plan.deposit_key, "local")]
    assert ("deposit", "failed") in statuses


def test_lost_answer_to_workspace_item_creation_adopts_the_orphan(sandbox, target, tamper, journal, fixtures_dir):
    def timeout(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    tamper.rules.append(Rule(on("POST", "/submission/workspaceitems"), after=timeout))
    plan = plan_for(fixtures_dir / "plant-classifier")
    item = target.deposit(plan, journal(plan))
    assert item.archived
    assert tamper.count("POST", "/submission/workspaceitems") == 1  # the orphan was adopted, not duplicated
    assert len(items(sandbox)) == 1 and workspace_count(sandbox) == 0


def submitter_uuid(sandbox) -> str:
    return sandbox.store.one("SELECT uuid FROM eperson WHERE email = ?", (sandbox.submitter.email,))["uuid"]


def test_blank_drafts_of_killed_runs_are_deleted_without_a_ledger(sandbox, target, tamper, journal, fixtures_dir):
    collection = sandbox.store.collections()[0]["uuid"]
    me = submitter_uuid(sandbox)
    for _ in range(2):  # what runs killed between creating a draft and writing its metadata leave
        sandbox.store.create_workspaceitem(collection, me)
    human = sandbox.store.create_workspaceitem(collection, me)  # someone's real draft: it has a title
    sandbox.store.update_item(human["item"], metadata={"dc.title": [{"value": "My thesis, half done"}]})
    plan = plan_for(fixtures_dir / "plant-classifier")
    item = target.deposit(plan, journal(plan))  # a fresh ledger: nothing recorded about the killed runs
    assert item.archived
    assert [i["uuid"] for i in items(sandbox) if i["in_archive"]] == [item.item_id]
    left = sandbox.store.query("SELECT item FROM workspaceitem")
    assert left == [{"item": human["item"]}]  # the blank ones are gone, the titled one stays
    assert tamper.count("DELETE", "") == 2
    steps = [(r["step"], r["status"]) for r in journal(plan).ledger.steps(plan.deposit_key, "local")]
    assert steps.count(("cleanup", "done")) == 2


def test_a_run_whose_blank_draft_is_deleted_by_another_starts_again(sandbox, target, tamper, journal, fixtures_dir):
    def taken(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        # Another run's cleanup deletes the new draft before its metadata is written.
        sandbox.store.delete_item(response.json()["_embedded"]["item"]["uuid"])
        return response

    tamper.rules.append(Rule(on("POST", "/submission/workspaceitems"), after=taken))
    plan = plan_for(fixtures_dir / "plant-classifier")
    item = target.deposit(plan, journal(plan))
    assert item.archived
    assert tamper.count("POST", "/submission/workspaceitems") == 2
    assert len(items(sandbox)) == 1 and workspace_count(sandbox) == 0


def test_503_before_an_upload_is_retried_after_reading_the_draft(sandbox, target, tamper, journal, fixtures_dir):
    busy = Rule(
        lambda r: r.method == "POST" and "/submission/workspaceitems/" in r.url.path,
        before=lambda r: httpx.Response(503, headers={"Retry-After": "0"}, json={"message": "busy"}),
    )
    tamper.rules.append(busy)
    plan = plan_for(fixtures_dir / "monitoring-logs")
    item = target.deposit(plan, journal(plan))
    assert item.archived
    names = sorted(b["name"] for b in sandbox.store.item_bitstreams(item.item_id))
    assert names == sorted(f.name for f in plan.files)  # each file exactly once
    assert len(items(sandbox)) == 1


def test_expired_login_is_renewed_and_the_write_sent_again(sandbox, target, tamper, journal, fixtures_dir):
    tamper.rules.append(
        Rule(on("PATCH", ""), before=lambda r: httpx.Response(401, json={"message": "Authentication is required"}))
    )
    plan = plan_for(fixtures_dir / "plant-classifier")
    item = target.deposit(plan, journal(plan))
    assert item.archived
    assert tamper.count("POST", "/authn/login") == 2


def test_resume_finds_the_draft_the_ledger_names_and_uploads_only_what_is_missing(
    sandbox, target, tamper, journal, fixtures_dir
):
    class Stop(Exception):
        pass

    uploads = {"n": 0}

    def third_upload(request: httpx.Request) -> bool:
        if is_upload(request.method, request.url.path):
            uploads["n"] += 1
            return uploads["n"] == 3
        return False

    def stop(request: httpx.Request) -> httpx.Response:
        raise Stop  # the process dies here: nothing after this point happens

    tamper.rules.append(Rule(third_upload, before=stop))
    plan = plan_for(fixtures_dir / "monitoring-logs")
    with pytest.raises(Stop):
        target.deposit(plan, journal(plan))
    (draft,) = items(sandbox)
    assert len(sandbox.store.item_bitstreams(draft["uuid"])) == 2
    item = target.deposit(plan, journal(plan))
    assert item.item_id == draft["uuid"] and item.archived
    assert len(sandbox.store.item_bitstreams(item.item_id)) == len(plan.files)
    sent = sum(1 for m, p in tamper.sent if is_upload(m, p))
    assert sent == len(plan.files)  # nothing uploaded twice
    assert tamper.count("POST", "/submission/workspaceitems") == 1  # one draft


def test_files_after_the_first_go_straight_into_the_bundle(sandbox, target, tamper, journal, fixtures_dir):
    plan = plan_for(fixtures_dir / "monitoring-logs")
    assert len(plan.files) >= 3
    item = target.deposit(plan, journal(plan))
    assert item.archived
    assert {f.name: f.md5 for f in item.files} == {f.name: f.md5 for f in plan.files}
    through_draft = sum(1 for m, p in tamper.sent if m == "POST" and "/submission/workspaceitems/" in p)
    assert through_draft == 1  # only the first: its answer (the whole draft) grows with every file
    assert sum(1 for m, p in tamper.sent if m == "POST" and p.endswith("/bitstreams")) == len(plan.files) - 1


def test_a_repository_refusing_bundle_uploads_gets_them_through_the_draft(
    sandbox, target, tamper, journal, fixtures_dir
):
    refused = Rule(
        lambda r: r.method == "POST" and r.url.path.endswith("/bitstreams"),
        before=lambda r: httpx.Response(403, json={"message": "Access is denied"}),
    )
    tamper.rules.append(refused)
    plan = plan_for(fixtures_dir / "monitoring-logs")
    item = target.deposit(plan, journal(plan))
    assert item.archived
    assert {f.name: f.md5 for f in item.files} == {f.name: f.md5 for f in plan.files}
    assert refused.times == 0  # tried once, then never again
    through_draft = sum(1 for m, p in tamper.sent if m == "POST" and "/submission/workspaceitems/" in p)
    assert through_draft == len(plan.files)


def test_a_damaged_bundle_upload_is_removed_and_named(sandbox, target, tamper, journal, fixtures_dir):
    def corrupt(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        body = response.json()
        body["checkSum"]["value"] = "f" * 32
        return copy_response(response, body=json.dumps(body).encode())

    tamper.rules.append(Rule(lambda r: r.method == "POST" and r.url.path.endswith("/bitstreams"), after=corrupt))
    plan = plan_for(fixtures_dir / "monitoring-logs")
    with pytest.raises(RepositoryError, match="checksum mismatch") as caught:
        target.deposit(plan, journal(plan))
    assert "f" * 32 in caught.value.message
    (draft,) = items(sandbox)
    assert len(sandbox.store.item_bitstreams(draft["uuid"])) == 1  # the first file; the damaged copy is gone
    assert tamper.count("DELETE", "") == 1
    item = target.deposit(plan, journal(plan))
    assert item.item_id == draft["uuid"] and item.archived
    assert sorted(b["md5"] for b in sandbox.store.item_bitstreams(item.item_id)) == sorted(f.md5 for f in plan.files)


def test_wrong_password_is_a_config_error_without_the_password(sandbox, tamper):
    profile = sandbox_profile(sandbox).model_copy(update={"password": SecretStr("wrong-pw-123")})
    chosen = make_target(profile, "dspace7", transport=tamper)
    with pytest.raises(ConfigError) as caught:
        chosen.find_existing("0" * 64)
    assert "refused the credentials" in caught.value.message
    assert "wrong-pw-123" not in " ".join(caught.value.lines())
    assert "BRIDGE_SANDBOX_PASSWORD" in (caught.value.hint or "")


def test_missing_credentials_and_urls_are_config_errors(sandbox):
    bare = sandbox_profile(sandbox).model_copy(update={"password": None, "token": None})
    with pytest.raises(ConfigError, match="no credentials"):
        make_target(bare, "dspace7").find_existing("0" * 64)
    with pytest.raises(ConfigError, match="no rest_url"):
        make_target(bare.model_copy(update={"rest_url": None}), "dspace7")
    with pytest.raises(ConfigError, match="no sword_url"):
        make_target(bare.model_copy(update={"sword_url": None}), "sword2")


def test_helpers():
    assert section_of("dc.title") == "traditionalpageone"
    assert section_of("dc.subject") == section_of("dc.description.abstract") == "traditionalpagetwo"
    assert section_of("dc.identifier.other") == "traditionalpageone"
    a, b = parse_time("2026-11-25T10:00:00.123+0000"), parse_time("2026-11-25T10:00:00.123000Z")
    assert a is not None and a == b
    assert parse_time("yesterday") is None
    assert solr_phrase('a "b" \\c') == '"a \\"b\\" \\\\c"'
    assert key_query("ab").startswith('dc.identifier.other:"oai-bridge:deposit:ab" OR dc.identifier:')
    names = bitstream_names(["logs/a.log", "b/a.log", "m.csv"], keep_dirs=False)
    assert names == {"logs/a.log": "logs_a.log", "b/a.log": "b_a.log", "m.csv": "m.csv"}
    assert bitstream_names(["logs/a.log"], keep_dirs=True) == {"logs/a.log": "logs/a.log"}


def test_uploads_stream_from_disk_in_chunks(tmp_path):
    path = tmp_path / "big.bin"
    path.write_bytes(bytes(range(256)) * 1200)  # 300 KiB
    reads: list[int] = []
    with path.open("rb") as fh:
        body = ProgressReader(fh, "big.bin", path.stat().st_size, lambda name, done, total: reads.append(done))
        request = httpx.Request("POST", "http://127.0.0.1/x", files={"file": ("big.bin", body, "application/x")})
        assert int(request.headers["Content-Length"]) > path.stat().st_size  # known without reading the file
        assert reads == []
        sent = b"".join(request.stream)
    assert path.read_bytes() in sent
    assert len(reads) >= 5 and reads[-1] == path.stat().st_size  # read piecewise, never whole
    assert max(b - a for a, b in zip([0, *reads], reads, strict=False)) <= 64 * 1024
