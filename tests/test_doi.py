"""DOIs against the sandbox's DataCite API: deterministic names, draft then findable, lost answers read back."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable

import httpx
import pytest
from pydantic import SecretStr

from bridge.doi import DoiClient, doi_for
from bridge.embedded import sandbox_profile
from bridge.errors import ConfigError, RepositoryError
from bridge.publish import deposit_record, key_of
from bridge.settings import load_settings
from bridge.validate import validate_artifact

KEY = "0273967f9a271b1b2989753715411f54d0bafaa3b669a63147e8a7d1633f16ca"


class Wire:
    """Wrap httpx's Client.send (what the DataCite client sends through): lose or replace chosen answers."""

    def __init__(self) -> None:
        self.rules: list[tuple[str, str, str, list[int]]] = []  # (method, path part, action, [times])
        self.sent: list[tuple[str, str]] = []

    def add(self, method: str, part: str, action: str, times: int = 1) -> None:
        self.rules.append((method, part, action, [times]))

    def count(self, method: str) -> int:
        return sum(1 for m, _ in self.sent if m == method)

    def wrap(self, real: Callable) -> Callable:
        def send(client: httpx.Client, request: httpx.Request, **kwargs):
            for method, part, action, left in self.rules:
                if left[0] > 0 and request.method == method and part in str(request.url):
                    left[0] -= 1
                    if action == "busy":  # refused before the server did anything
                        return httpx.Response(
                            503, content=b'{"errors":[{"status":"503","title":"busy"}]}', request=request
                        )
                    self.sent.append((request.method, str(request.url)))
                    real(client, request, **kwargs).read()  # the server acts ...
                    raise httpx.ReadTimeout("the answer was lost", request=request)  # ... but nobody hears it
            self.sent.append((request.method, str(request.url)))
            return real(client, request, **kwargs)

        return send


@pytest.fixture
def wire(monkeypatch: pytest.MonkeyPatch) -> Wire:
    w = Wire()
    monkeypatch.setattr(httpx.Client, "send", w.wrap(httpx.Client.send))
    return w


@pytest.fixture
def client(sandbox) -> DoiClient:
    return DoiClient(sandbox_profile(sandbox), sleep=lambda seconds: None)


@pytest.fixture
def record(fixtures_dir) -> dict:
    validated = validate_artifact(fixtures_dir / "plant-classifier", load_settings())
    return deposit_record(validated, None, doi=doi_for("10.5072", key_of(validated)[1]))


def anonymous(sandbox, doi: str) -> httpx.Response:
    return httpx.get(f"{sandbox.urls['doi_api']}/dois/{doi}")


def test_doi_names_are_deterministic_per_deposit_key():
    first = doi_for("10.5072", KEY)
    assert first == doi_for("10.5072/", KEY)
    assert re.fullmatch(r"10\.5072/bridge\.[a-z2-7]{10}", first)
    assert doi_for("10.5072", "f" + KEY[1:]) != first
    assert doi_for("10.20350", KEY).endswith(first.split("/", 1)[1])


def test_reserve_makes_one_draft_then_publish_makes_it_findable(sandbox, client, record):
    doi = record["doi"]
    assert client.get(doi) is None
    state = client.reserve(record)
    assert (state.doi, state.state, state.url) == (doi, "draft", None)
    assert client.reserve(record).state == "draft"  # a second reservation reuses the draft
    assert sandbox.store.query("SELECT doi, state FROM doi") == [{"doi": doi, "state": "draft"}]
    assert anonymous(sandbox, doi).status_code == 404  # drafts are not public
    landing = f"{sandbox.base_url}/handle/10261/3"
    published = client.publish(dict(record, url=landing), landing)
    assert (published.state, published.url) == ("findable", landing)
    shown = anonymous(sandbox, doi).json()["data"]["attributes"]
    assert shown["state"] == "findable" and shown["url"] == landing
    assert shown["titles"][0]["title"] == record["titles"][0]["title"]


def test_lost_answer_to_the_reservation_is_read_back(sandbox, client, record, wire):
    wire.add("POST", "/dois", "lose")
    state = client.reserve(record)
    assert state.state == "draft"
    assert wire.count("POST") == 1
    assert len(sandbox.store.query("SELECT doi FROM doi")) == 1


def test_lost_answer_to_publishing_is_read_back_not_sent_again(sandbox, client, record, wire):
    client.reserve(record)
    landing = f"{sandbox.base_url}/handle/10261/7"
    wire.add("PUT", "/dois/", "lose")
    assert client.publish(record, landing).state == "findable"
    assert wire.count("PUT") == 1


def test_busy_server_is_asked_again_after_checking(sandbox, client, record, wire):
    client.reserve(record)
    landing = f"{sandbox.base_url}/handle/10261/8"
    wire.add("PUT", "/dois/", "busy")
    assert client.publish(record, landing).url == landing
    assert wire.count("PUT") == 1  # the refused attempt never reached the server; the second did


def test_invalid_metadata_is_a_repository_error_naming_the_problem(client, record):
    client.reserve(record)
    broken = copy.deepcopy(record)
    broken["types"]["resourceTypeGeneral"] = "Weights"
    with pytest.raises(RepositoryError, match="Resource type general") as caught:
        client.publish(broken, "https://example.org/handle/1/2")
    assert caught.value.message.startswith(f"publish DOI {record['doi']}")


def test_wrong_credentials_are_named_without_the_password(sandbox, record):
    profile = sandbox_profile(sandbox, name="prod").model_copy(update={"doi_password": SecretStr("nope-nope-77")})
    client = DoiClient(profile, sleep=lambda seconds: None)
    with pytest.raises(RepositoryError) as caught:
        client.reserve(record)
    text = " ".join(caught.value.lines())
    assert "refused the credentials" in text and "BRIDGE_PROD_DOI_PASSWORD" in text
    assert "nope-nope-77" not in text and "nope-nope-77" not in repr(client.api)


def test_missing_settings_are_config_errors(sandbox):
    profile = sandbox_profile(sandbox, name="prod")
    with pytest.raises(ConfigError, match="doi_prefix not set"):
        DoiClient(profile.model_copy(update={"doi_prefix": None}))
    with pytest.raises(ConfigError, match="no DataCite credentials") as caught:
        DoiClient(profile.model_copy(update={"doi_password": None}))
    assert "BRIDGE_PROD_DOI_USER" in (caught.value.hint or "")
