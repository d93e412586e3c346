"""The shared HTTP client: Retry-After parsing and the retry policy (MockTransport edge cases)."""

from __future__ import annotations

import datetime as dt
import email.utils
import random

import httpx
import pytest

from bridge.errors import TransportError
from bridge.http import (
    USER_AGENT,
    RetryPolicy,
    accept_encoding,
    make_client,
    retry_after_seconds,
    send_idempotent,
)


def response(status: int, **headers: str) -> httpx.Response:
    return httpx.Response(status, headers=headers)


def test_retry_after_delta_seconds_and_http_date() -> None:
    now = dt.datetime(2026, 11, 25, 12, 0, 0, tzinfo=dt.UTC)
    assert retry_after_seconds(response(503, **{"Retry-After": "7"})) == 7.0
    date = email.utils.format_datetime(now + dt.timedelta(seconds=30), usegmt=True)
    assert retry_after_seconds(response(503, **{"Retry-After": date}), now=now) == 30.0
    past = email.utils.format_datetime(now - dt.timedelta(seconds=30), usegmt=True)
    assert retry_after_seconds(response(503, **{"Retry-After": past}), now=now) == 0.0
    assert retry_after_seconds(response(503, **{"Retry-After": "soon"})) is None
    assert retry_after_seconds(response(503)) is None


def run_sequence(statuses: list[int | Exception], policy: RetryPolicy) -> tuple[httpx.Response, list[float], int]:
    calls = {"n": 0}
    waits: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        item = statuses[min(calls["n"], len(statuses) - 1)]
        calls["n"] += 1
        if isinstance(item, Exception):
            raise item
        return httpx.Response(item, headers={"Retry-After": "2"} if item == 503 else {})

    with make_client(transport=httpx.MockTransport(handler)) as client:
        resp = send_idempotent(
            lambda: client.get("http://127.0.0.1/x"), policy=policy, sleep=waits.append, rng=random.Random(1)
        )
    return resp, waits, calls["n"]


def test_retries_503_honouring_retry_after_then_succeeds() -> None:
    resp, waits, calls = run_sequence([503, 503, 200], RetryPolicy(attempts=5, jitter=0.0))
    assert resp.status_code == 200
    assert calls == 3
    assert waits == [2.0, 2.0]


def test_retry_after_is_capped() -> None:
    _, waits, _ = run_sequence([503, 200], RetryPolicy(attempts=3, max_wait=0.5, jitter=0.0))
    assert waits == [0.5]


def test_transport_errors_are_retried_then_reported() -> None:
    err = httpx.ConnectError("refused")
    resp, waits, calls = run_sequence([err, 200], RetryPolicy(attempts=3, base_wait=0.1, jitter=0.0))
    assert resp.status_code == 200 and calls == 2 and waits == [0.1]
    with pytest.raises(TransportError, match="after 3 attempts"):
        run_sequence([err], RetryPolicy(attempts=3, base_wait=0.1))


def test_client_errors_are_not_retried_and_last_5xx_is_returned() -> None:
    resp, waits, calls = run_sequence([404], RetryPolicy())
    assert (resp.status_code, calls, waits) == (404, 1, [])
    resp, waits, calls = run_sequence([503], RetryPolicy(attempts=3, jitter=0.0))
    assert resp.status_code == 503 and calls == 3


def test_client_sends_the_user_agent() -> None:
    seen = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen.update(request.headers)
        return httpx.Response(200)

    with make_client(transport=httpx.MockTransport(handler)) as client:
        client.get("http://127.0.0.1/")
    assert seen["user-agent"] == USER_AGENT
    assert "gzip" in seen["accept-encoding"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:8080/server/oai/request", "identity"),
        ("http://127.8.9.1/oai", "identity"),
        ("http://localhost/oai", "identity"),
        ("http://[::1]:9/oai", "identity"),
        ("https://digital.csic.es/dspace-oai/request", "gzip, deflate"),
        ("http://10.0.0.5/oai", "gzip, deflate"),
        ("http://[2001:db8::1]/oai", "gzip, deflate"),
    ],
)
def test_compressed_answers_are_asked_for_except_on_loopback(url: str, expected: str) -> None:
    assert accept_encoding(url) == expected


def test_the_oai_client_asks_loopback_for_identity_and_still_reads_gzip() -> None:
    import gzip

    from bridge.oai.client import OAIClient

    seen: list[str] = []
    body = (
        b'<?xml version="1.0"?><OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>2026-01-01T00:00:00Z'
        b'</responseDate><request verb="Identify">http://127.0.0.1/oai</request><Identify><repositoryName>x'
        b"</repositoryName></Identify></OAI-PMH>"
    )

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["accept-encoding"])
        # A server may compress whatever was asked; the answer is still read.
        return httpx.Response(200, content=gzip.compress(body), headers={"Content-Encoding": "gzip"})

    with OAIClient("http://127.0.0.1:9/oai") as own, OAIClient("https://digital.csic.es/dspace-oai/request") as far:
        # the clients the harvester makes for itself (no request is sent here)
        assert own.client.headers["accept-encoding"] == "identity"
        assert far.client.headers["accept-encoding"] == "gzip, deflate"
        mocked = make_client(
            transport=httpx.MockTransport(handler), headers={"Accept-Encoding": own.client.headers["accept-encoding"]}
        )
    with OAIClient("http://127.0.0.1:9/oai", client=mocked) as client:
        page = client.harvest(verb="Identify")
    assert seen == ["identity"]
    oai = "{http://www.openarchives.org/OAI/2.0/}"
    assert page.xml.findtext(f"{oai}Identify/{oai}repositoryName") == "x"
