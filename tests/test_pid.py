"""bridge.pid: every accepted spelling of a DOI and a Handle, in one module that every room uses."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bridge.artifact import checks
from bridge.errors import UsageError
from bridge.pid import (
    bare_doi,
    bare_handle,
    check_doi,
    check_handle,
    doi_key,
    dois_in,
    is_placeholder,
    parse_pid,
)
from bridge.targets import Deposited

BRIDGE = Path(__file__).resolve().parent.parent / "bridge"
DOI_FORMS = [
    "10.5281/Zenodo.123",
    "doi:10.5281/Zenodo.123",
    "DOI: 10.5281/Zenodo.123",
    "info:doi/10.5281/Zenodo.123",
    "https://doi.org/10.5281/Zenodo.123",
    "http://doi.org/10.5281/Zenodo.123",
    "https://dx.doi.org/10.5281/Zenodo.123",
    "http://dx.doi.org/10.5281/Zenodo.123",
    "HTTPS://DOI.ORG/10.5281/Zenodo.123",
    "https://www.doi.org/10.5281/Zenodo.123",
    "  https://doi.org/10.5281/Zenodo.123  ",
]
HANDLE_FORMS = [
    "10261/12345",
    "hdl:10261/12345",
    "HDL: 10261/12345",
    "info:hdl/10261/12345",
    "https://hdl.handle.net/10261/12345",
    "http://hdl.handle.net/10261/12345",
    "https://hdl.handle.net/10261/12345/",
]


@pytest.mark.parametrize("given", DOI_FORMS)
def test_every_doi_form_gives_the_bare_doi_with_its_case(given: str) -> None:
    assert bare_doi(given) == check_doi(given) == "10.5281/Zenodo.123"
    assert parse_pid(given) == ("doi", "10.5281/Zenodo.123")


@pytest.mark.parametrize("given", HANDLE_FORMS)
def test_every_handle_form_gives_the_bare_handle(given: str) -> None:
    assert bare_handle(given) == check_handle(given) == "10261/12345"
    assert parse_pid(given) == ("handle", "10261/12345")


def test_dois_compare_case_insensitively_and_keep_their_case() -> None:
    assert doi_key(check_doi("10.5281/ZENODO.123")) == doi_key(check_doi("https://doi.org/10.5281/zenodo.123"))
    assert doi_key("10.5281/zenodo.123") != doi_key("10.5281/zenodo.124")
    assert doi_key("10.5281/Zenodo.X") == doi_key("10.5281/zenodo.x")
    assert dois_in(["https://doi.org/10.5072/ABC", "doi:10.5072/abc", "see doi:10.5072/other."]) == [
        "10.5072/ABC",
        "10.5072/other",
    ]


def test_resolver_urls_are_percent_decoded_and_sub_prefixes_accepted() -> None:
    assert bare_doi("https://doi.org/10.1000/a%2Fb") == "10.1000/a/b"
    assert bare_doi("10.1000.10/abc") == "10.1000.10/abc"
    assert bare_handle("https://hdl.handle.net/20.500.12345/a%2Fb") == "20.500.12345/a/b"


def test_landing_pages_and_own_resolvers_name_handles_only_where_asked() -> None:
    page = "https://digital.csic.es/handle/10261/42/"
    assert bare_handle(page) == "10261/42"
    assert bare_handle(page, landing_pages=False) is None
    with pytest.raises(ValueError, match="is not a Handle"):
        check_handle(page)  # metadata names a Handle by its Handle, not by a landing page
    assert bare_handle("http://127.0.0.1:8765/10261/7", ("http://127.0.0.1:8765/",)) == "10261/7"


@pytest.mark.parametrize("bad", ["10.12/abc", "11.1234/abc", "10.1234/", "10.1234/has space", "zenodo.123", ""])
def test_what_is_not_a_doi(bad: str) -> None:
    assert bare_doi(bad) is None
    with pytest.raises(ValueError, match=r"is not a DOI; a DOI looks like 10\.1234/abc"):
        check_doi(bad)


def test_what_is_neither_is_a_usage_error_naming_the_option() -> None:
    with pytest.raises(UsageError, match="--new-version-of 'csic/1' is neither a DOI nor a Handle"):
        parse_pid("csic/1", option="--new-version-of")
    assert is_placeholder("123456789/5") and not is_placeholder("10261/5")


def test_every_room_uses_the_same_functions() -> None:
    """The artefact checks and a target's read-back agree with bridge.pid, including http://dx.doi.org/."""
    assert checks.check_doi is check_doi and checks.check_handle is check_handle
    item = Deposited(
        item_id="x",
        handle=None,
        archived=True,
        metadata={"dc.identifier": [{"value": "http://dx.doi.org/10.5072/Abc"}]},
    )
    assert item.doi() == "10.5072/Abc"


def test_no_other_module_spells_pid_syntax() -> None:
    """DOI/Handle leads and patterns live in bridge/pid.py only (the sandbox, a server apart, keeps its own)."""
    spelled = re.compile(r"dx\\?\.doi|hdl:|info:doi|10\\\\?\.\\d\{4")
    offenders = [
        str(path.relative_to(BRIDGE.parent))
        for path in sorted(BRIDGE.rglob("*.py"))
        if path.name != "pid.py"
        and "sandbox" not in path.relative_to(BRIDGE).parts
        and spelled.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
