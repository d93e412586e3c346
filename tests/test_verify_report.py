"""Report renderers of bridge verify: JSON shape, JUnit XML structure, Markdown, plain table, atomic writes."""

from __future__ import annotations

import json

from lxml import etree

from bridge.verify.model import Report, Result
from bridge.verify.report import FULL_TABLE, headline, render, render_junit, render_table


def sample() -> Report:
    return Report(
        [
            Result(
                "10261/1",
                "handle",
                "passed",
                "resolves to http://x/handle/10261/1",
                "http://x/api/handles/10261/1",
                seconds=0.01,
            ),
            Result(
                "10261/1",
                "landing",
                "failed",
                "gone: HTTP 410 | withdrawn <b>&",
                "http://x/handle/10261/1",
                changed="newly-broken",
                seconds=0.02,
            ),
            Result("10.5072/a", "doi", "passed", "resolves", changed="fixed", seconds=0.005),
            Result("10261/1", "oai_dc", "pending", "not harvested yet", seconds=0.0),
            Result("10261/9", "handle", "passed", "resolves", subject="harvested"),
        ],
        run={"id": 7, "profile": "local", "started": "2026-01-02T03:04:05.000000Z", "tool_version": "0.1.0"},
    )


def test_json_has_the_documented_shape() -> None:
    data = json.loads(render(sample(), "json"))
    assert set(data) == {"summary", "results", "run"}
    assert data["summary"] == {"passed": 3, "failed": 1, "pending": 1, "total": 5, "newly_broken": 1, "fixed": 1}
    for result in data["results"]:
        assert {"pid", "check", "status", "detail", "changed"} <= set(result)
        assert result["status"] in ("passed", "failed", "pending")
        assert result["changed"] in ("newly-broken", "fixed", None)
    assert data["results"][0]["status"] == "failed"  # failures first
    assert data["results"][0]["url"] == "http://x/handle/10261/1"
    assert "url" not in next(r for r in data["results"] if r["check"] == "oai_dc")
    assert data["run"]["id"] == 7


def test_junit_parses_with_one_suite_per_check_and_one_case_per_pid_check() -> None:
    xml = render_junit(sample())
    root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("skipped"), root.get("errors")) == ("5", "1", "1", "0")
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert list(suites) == ["handle", "doi", "landing", "oai_dc"]  # report order of check kinds
    assert suites["handle"].get("tests") == "2"
    for suite in suites.values():
        assert suite.get("time") is not None and suite.get("timestamp") == "2026-01-02T03:04:05"
        assert suite[0].tag == "properties"  # properties come first, as the JUnit schema wants
        for case in suite.findall("testcase"):
            assert case.get("name") and case.get("classname") == f"bridge.verify.{suite.get('name')}"
            float(case.get("time"))
    failure = suites["landing"].find("testcase/failure")
    assert failure is not None and failure.get("type") == "newly-broken"
    assert "410 | withdrawn <b>&" in failure.get("message")  # escaped by lxml, parsed back intact
    assert "URL: http://x/handle/10261/1" in failure.text
    skipped = suites["oai_dc"].find("testcase/skipped")
    assert skipped is not None and skipped.get("message").startswith("pending:")
    assert suites["handle"].find("testcase/failure") is None


def test_junit_message_is_one_bounded_line() -> None:
    long = Report([Result("10261/1", "landing", "failed", "line one\nline two " + "x" * 900)])
    root = etree.fromstring(render_junit(long))
    message = root.find("testsuite/testcase/failure").get("message")
    assert "\n" not in message and len(message) <= 500 and message.endswith("…")


def test_markdown_lists_failures_pending_fixed_and_folds_passed() -> None:
    text = render(sample(), "markdown")
    assert text.startswith("## bridge verify: ❌ 1 failed")
    assert "### Failed (1)" in text and "### Pending (1)" in text
    assert "| `10261/1` | landing | gone: HTTP 410 \\| withdrawn <b>& ([checked](http://x/handle/10261/1)) |" in text
    assert "### Fixed since the last run (1)" in text and "- `10.5072/a` doi" in text
    assert "<details><summary>Passed (3)</summary>" in text
    assert "✅ all checks pass" in render(Report([Result("p", "handle", "passed", "ok")]), "markdown")


def test_table_lists_everything_when_small_and_only_problems_when_large() -> None:
    text = render_table(sample())
    assert text.splitlines()[0].split() == ["STATUS", "CHECK", "PID", "CHANGED", "DETAIL"]
    assert text.splitlines()[1].split()[:3] == ["FAILED", "landing", "10261/1"]
    assert text.rstrip().endswith(headline(sample()))
    many = Report([Result(f"10261/{i}", "handle", "passed", "ok") for i in range(FULL_TABLE + 1)])
    many.results.append(Result("10261/x", "handle", "failed", "broken"))
    big = render_table(many)
    assert "10261/x" in big and "10261/3 " not in big
    assert f"({FULL_TABLE + 1} passed checks not shown" in big
    assert "10261/3 " in render_table(many, full=True)


def test_empty_table_is_just_the_headline() -> None:
    assert render_table(Report([])) == "0 failed, 0 pending, 0 passed (0 checks)\n"


def test_headline_counts() -> None:
    assert headline(sample()) == "1 failed, 1 pending, 3 passed (5 checks); 1 newly broken, 1 fixed"
