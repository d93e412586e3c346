"""The exception tree: exit codes, problem formatting, OAI error codes."""

from __future__ import annotations

from bridge.errors import (
    EXIT_BROKEN,
    EXIT_FAILURE,
    EXIT_USAGE,
    BadResumptionToken,
    BridgeError,
    MetadataError,
    NoRecordsMatch,
    OAIError,
    Problem,
    RepositoryError,
    UsageError,
    VerificationError,
)


def test_exit_codes_follow_the_design() -> None:
    assert BridgeError("x").exit_code == EXIT_FAILURE == 1
    assert UsageError("x").exit_code == EXIT_USAGE == 2
    assert VerificationError("x").exit_code == EXIT_BROKEN == 3


def test_problem_names_file_line_and_field() -> None:
    p = Problem("fails its checksum", file="publish.yaml", field="creators.0.orcid", line=7)
    assert str(p) == "publish.yaml:7: creators.0.orcid: fails its checksum"
    assert str(Problem("no metadata", file="run-42")) == "run-42: no metadata"
    assert p.as_dict()["line"] == 7


def test_metadata_error_lists_every_problem_and_the_hint() -> None:
    err = MetadataError(
        [Problem("missing", file="publish.yaml", field="title"), Problem("bad", file="CITATION.cff", field="doi")],
        hint="fix the fields above",
    )
    assert err.lines() == [
        "publish.yaml: title: missing",
        "CITATION.cff: doi: bad",
        "hint: fix the fields above",
    ]
    assert "publish.yaml: title: missing" in str(err)


def test_oai_error_codes_map_to_subclasses() -> None:
    err = OAIError.for_code("badResumptionToken", "expired")
    assert isinstance(err, BadResumptionToken)
    assert err.code == "badResumptionToken"
    assert isinstance(OAIError.for_code("noRecordsMatch", ""), NoRecordsMatch)
    unknown = OAIError.for_code("somethingNew", "odd")
    assert type(unknown) is OAIError and unknown.code == "somethingNew"


def test_repository_errors_know_whose_fault_it_is() -> None:
    assert RepositoryError("x", status=503).retryable
    assert RepositoryError("x", status=429).retryable
    assert not RepositoryError("x", status=422).retryable
    assert not RepositoryError("x").retryable
