"""Fault injection: the spec grammar, reproducible decisions, and what a client sees of each fault."""

from __future__ import annotations

import email.utils
import socket
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from lxml import etree

from bridge.errors import UsageError
from bridge.sandbox.app import SandboxConfig
from bridge.sandbox.faults import APIS, FaultInjector, api_of
from bridge.sandbox.seed import seed_store
from bridge.sandbox.server import running_sandbox

HANDLE = "/api/handles/10261/2"  # a small JSON answer of the Handle API
OAI = "/server/oai/request"
OAI_NS = {"o": "http://www.openarchives.org/OAI/2.0/"}


def outcome(client: httpx.Client, url: str, **kw) -> str:
    """Classify what the client saw: a status code, 'truncate' (short body) or 'reset' (no answer)."""
    try:
        return str(client.get(url, **kw).status_code)
    except httpx.RemoteProtocolError as exc:
        return "truncate" if "complete message body" in str(exc) else "reset"
    except httpx.ReadError:
        return "reset"


def raw_get(base_url: str, path: str) -> bytes:
    """Send one GET over a plain socket and return every byte the server sent before closing."""
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        try:
            while chunk := sock.recv(65536):
                data += chunk
        except ConnectionResetError:
            pass
    return data


# -- the spec -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("spec", "named"),
    [
        ("503", "expected KIND=VALUE"),
        ("503=often", "not a rate"),
        ("503=1.5", "outside 0…1"),
        ("503=0.1:soon", "RATE[:SECONDS][:date]"),
        ("slow=0.1", "RATE:DURATION"),
        ("slow=0.1:fast", "not a duration"),
        ("explode=0.1", "unknown fault kind 'explode'"),
        ("ftp:503=0.1", "unknown API 'ftp'"),
        ("rest:expire-tokens=5", "OAI-PMH only"),
        ("expire-tokens=0", "at least 1"),
        ("503=0.1,503=0.2", "given twice"),
        ("latency=1s:2s", "one DURATION"),
        ("truncate=0.1:5", "only a RATE"),
    ],
)
def test_bad_spec_names_the_part_and_the_grammar(spec: str, named: str) -> None:
    with pytest.raises(UsageError) as info:
        FaultInjector.from_spec(spec, seed=1)
    assert named in info.value.message
    assert "bad part" in info.value.message
    assert info.value.hint and "[API:]KIND=VALUE" in info.value.hint


def test_rates_adding_up_past_one_are_refused() -> None:
    with pytest.raises(UsageError, match=r"add up to 1\.2 for oai"):
        FaultInjector.from_spec("503=0.5,oai:reset=0.7", seed=1)


def test_spec_scopes_and_overrides() -> None:
    inj = FaultInjector.from_spec(
        " 503=0.1:3:date , oai:503=50%, rest+sword:slow=0.2:500ms, latency=20ms, oai:expire-tokens=50,", seed=1
    )
    assert inj.rules["oai"]["503"].rate == 0.5
    assert inj.rules["landing"]["503"].rate == 0.1
    assert (inj.rules["landing"]["503"].retry_after, inj.rules["landing"]["503"].retry_date) == (3, True)
    assert inj.rules["rest"]["slow"].delay == 0.5 and inj.rules["sword"]["slow"].rate == 0.2
    assert "slow" not in inj.rules["oai"]
    assert all(inj.rules[api]["latency"].delay == pytest.approx(0.02) for api in APIS)
    assert inj.token_ttl == 50


def test_paths_map_to_their_api() -> None:
    assert api_of("/server/api/core/items") == "rest"
    assert api_of("/server/swordv2/servicedocument") == "sword"
    assert api_of("/server/oai/request") == api_of("/dspace-oai/request") == "oai"
    assert api_of("/api/handles/10261/2") == api_of("/10261/2") == "handle"
    assert api_of("/datacite/dois") == api_of("/doi/api/handles/10.5072/x") == "doi"
    assert api_of("/handle/10261/2") == api_of("/bitstream/10261/2/1/a.csv") == "landing"


def test_same_seed_same_decisions_and_rates_close_to_the_spec() -> None:
    spec = "503=0.1,reset=0.05,truncate=0.05,slow=0.1:1ms"
    apis = [APIS[i % len(APIS)] for i in range(4000)]
    one, two, other = (FaultInjector.from_spec(spec, seed=s) for s in (42, 42, 43))
    seq_one = [one.decide(a) for a in apis]
    assert seq_one == [two.decide(a) for a in apis]
    assert [d.kind for d in seq_one] != [other.decide(a).kind for a in apis]
    counts = Counter(d.kind for d in seq_one)
    for kind, rate in (("503", 0.1), ("reset", 0.05), ("truncate", 0.05), ("slow", 0.1)):
        assert abs(counts[kind] / len(apis) - rate) < 0.02, (kind, counts)
        assert one.stats[kind] == counts[kind]
    assert one.stats["requests"] == len(apis)


def test_tokens_expire_once_n_newer_ones_were_issued() -> None:
    inj = FaultInjector.from_spec("oai:expire-tokens=3", seed=1)
    for token in ("t1", "t2", "t3"):
        inj.token_issued(token)
    assert not inj.token_expired("t1")
    inj.token_issued("t4")  # the fourth token pushes the oldest out
    assert inj.token_expired("t1")
    assert not any(inj.token_expired(t) for t in ("t2", "t3", "t4"))
    inj.token_issued("t2")  # issued again (a restarted list): young again
    inj.token_issued("t5")
    assert inj.token_expired("t3") and not inj.token_expired("t2")
    assert inj.token_expired("never-issued")
    assert inj.stats["expired-token"] == 3 and inj.stats["tokens-issued"] == 5
    assert not FaultInjector.from_spec("503=0.1", seed=1).token_expired("anything")


# -- against a running sandbox ------------------------------------------------------------------------
def observe(data_dir: Path, spec: str, seed: int, n: int) -> tuple[list[str], dict[str, int]]:
    with running_sandbox(SandboxConfig(data_dir=data_dir, faults=spec, seed=seed)) as sb:
        with httpx.Client(timeout=5) as client:
            seen = [outcome(client, sb.base_url + HANDLE) for _ in range(n)]
        return seen, dict(sb.sandbox.faults.stats)


def test_observed_rates_match_the_spec_and_repeat_for_a_seed(tmp_path: Path) -> None:
    spec = "503=0.1,truncate=0.05,reset=0.05,slow=0.05:5ms"
    seen, stats = observe(tmp_path / "a", spec, 7, 400)
    counts = Counter(seen)
    assert counts["503"] == stats["503"] and counts["truncate"] == stats["truncate"]
    assert (
        counts["reset"] == stats["reset"] and counts["200"] == 400 - stats["503"] - stats["truncate"] - stats["reset"]
    )
    for kind, rate in (("503", 0.1), ("truncate", 0.05), ("reset", 0.05)):
        assert abs(counts[kind] / 400 - rate) < 0.04, (kind, counts)
    again, _ = observe(tmp_path / "b", spec, 7, 150)
    assert again == seen[:150]
    other, _ = observe(tmp_path / "c", spec, 8, 150)
    assert other != seen[:150]


def test_503_carries_retry_after_in_seconds_or_as_a_date(tmp_path: Path) -> None:
    with running_sandbox(SandboxConfig(data_dir=tmp_path, faults="oai:503=1:3:date,503=1", seed=1)) as sb:
        r = httpx.get(sb.base_url + HANDLE)
        assert r.status_code == 503 and r.headers["retry-after"] == "1"
        r = httpx.get(sb.base_url + OAI, params={"verb": "Identify"})
        assert r.status_code == 503
        when = email.utils.parsedate_to_datetime(r.headers["retry-after"]).timestamp()
        assert 1 <= when - time.time() <= 4


def test_slow_and_latency_delay_the_answer(tmp_path: Path) -> None:
    with running_sandbox(SandboxConfig(data_dir=tmp_path, faults="slow=1:200ms,oai:latency=150ms", seed=1)) as sb:
        started = time.monotonic()
        assert httpx.get(sb.base_url + HANDLE).status_code == 200
        assert time.monotonic() - started >= 0.2
        started = time.monotonic()
        assert httpx.get(sb.base_url + OAI, params={"verb": "Identify"}).status_code == 200
        assert time.monotonic() - started >= 0.35  # slow and latency add up
        assert sb.sandbox.faults.stats["slow"] == 2 and sb.sandbox.faults.stats["latency"] == 1


def test_truncate_sends_fewer_bytes_than_content_length(tmp_path: Path) -> None:
    with running_sandbox(SandboxConfig(data_dir=tmp_path, faults="truncate=1", seed=1)) as sb:
        with pytest.raises(httpx.RemoteProtocolError, match="complete message body"):
            httpx.get(sb.base_url + OAI, params={"verb": "Identify"})
        raw = raw_get(sb.base_url, HANDLE)
        head, _, body = raw.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200")
        length = int(next(line for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:"))[15:])
        assert 0 < len(body) < length


def test_reset_drops_the_connection_without_an_answer(tmp_path: Path) -> None:
    with running_sandbox(SandboxConfig(data_dir=tmp_path, faults="reset=1", seed=1)) as sb:
        with pytest.raises(httpx.TransportError):
            httpx.get(sb.base_url + HANDLE)
        assert raw_get(sb.base_url, HANDLE) == b""
        assert sb.sandbox.faults.stats["reset"] == 2


def test_scoped_faults_leave_other_apis_alone(tmp_path: Path) -> None:
    with running_sandbox(SandboxConfig(data_dir=tmp_path, faults="oai:503=1", seed=1)) as sb, httpx.Client() as c:
        assert {outcome(c, sb.base_url + OAI, params={"verb": "Identify"}) for _ in range(5)} == {"503"}
        assert {outcome(c, sb.base_url + HANDLE) for _ in range(5)} == {"200"}
        assert {outcome(c, sb.base_url + "/server/api") for _ in range(5)} == {"200"}
        assert sb.sandbox.faults.stats_by_api["oai"]["503"] == 5
        assert "503" not in sb.sandbox.faults.stats_by_api["handle"]


def test_probes_are_never_faulted(tmp_path: Path) -> None:
    with running_sandbox(SandboxConfig(data_dir=tmp_path, faults="503=1", seed=1)) as sb:
        r = httpx.get(sb.base_url + HANDLE, headers={"X-Bridge-Sandbox-Probe": "1"})
        assert r.status_code == 200
        assert "requests" not in sb.sandbox.faults.stats


def test_oai_lag_alone_injects_nothing(tmp_path: Path) -> None:
    with running_sandbox(SandboxConfig(data_dir=tmp_path, oai_lag=5)) as sb:
        assert httpx.get(sb.base_url + HANDLE).status_code == 200
        assert sb.sandbox.faults is not None and sb.sandbox.faults.stats == {}


def list_identifiers(client: httpx.Client, base: str, **params: str) -> tuple[list[str], str | None, str | None]:
    """Return (identifiers, resumptionToken, OAI error code) of one ListIdentifiers page."""
    doc = etree.fromstring(client.get(base + OAI, params={"verb": "ListIdentifiers", **params}).content)
    error = doc.find("o:error", OAI_NS)
    token = doc.findtext(".//o:resumptionToken", namespaces=OAI_NS)
    ids = [e.text for e in doc.iterfind(".//o:header/o:identifier", OAI_NS)]
    return ids, token or None, error.get("code") if error is not None else None


def test_expired_token_gives_bad_resumption_token_and_a_harvest_in_one_go_works(tmp_path: Path) -> None:
    config = SandboxConfig(data_dir=tmp_path, faults="oai:expire-tokens=2", seed=1, page_size=10)
    with running_sandbox(config) as sb, httpx.Client() as c:
        seed_store(sb.store, 45, seed=3)
        # A harvest that follows its tokens at once never meets an expired one.
        ids, token, error = list_identifiers(c, sb.base_url, metadataPrefix="oai_dc")
        while token:
            more, token, error = list_identifiers(c, sb.base_url, resumptionToken=token)
            assert error is None
            ids += more
        assert len(set(ids)) >= 40
        # A checkpointed token goes stale once two newer tokens were handed out.
        _, saved, _ = list_identifiers(c, sb.base_url, metadataPrefix="oai_dc")
        list_identifiers(c, sb.base_url, metadataPrefix="oai_datacite")
        list_identifiers(c, sb.base_url, metadataPrefix="oai_dc", **{"from": "2000-01-01"})
        assert saved is not None
        assert list_identifiers(c, sb.base_url, resumptionToken=saved)[2] == "badResumptionToken"
        assert sb.sandbox.faults.stats["expired-token"] == 1
