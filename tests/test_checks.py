"""Offline syntax checks: ORCID, DOI, Handle, ROR, SPDX, ISO 8601, BCP 47 and DataCite lists."""

from __future__ import annotations

import datetime as dt

import pytest

from bridge.artifact import checks

CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"


def iso7064_mod11_2_ok(orcid: str) -> bool:
    """Verify an ORCID the way ISO 7064 verifies a pure-system number: run through every character, expect 1."""
    chars = orcid.replace("-", "")
    p = 0
    for ch in chars[:-1]:
        p = ((p + int(ch)) * 2) % 11
    last = 10 if chars[-1] == "X" else int(chars[-1])
    return (p + last) % 11 == 1


def iso7064_mod97_10_ok(ror_id: str) -> bool:
    """Verify a ROR id: the base32 value followed by its two check digits is 1 modulo 97."""
    value = 0
    for ch in ror_id[:7]:
        value = value * 32 + CROCKFORD.index(ch)
    return (value * 100 + int(ror_id[7:])) % 97 == 1


# --- ORCID ---


@pytest.mark.parametrize("orcid", ["0000-0002-1825-0097", "0000-0001-5109-3700", "0000-0002-1694-233X"])
def test_real_orcids_pass_an_independent_checksum_and_the_check(orcid: str) -> None:
    assert iso7064_mod11_2_ok(orcid)
    assert checks.check_orcid(orcid) == f"https://orcid.org/{orcid}"


@pytest.mark.parametrize(
    "given",
    [
        "0000-0002-1825-0097",
        "https://orcid.org/0000-0002-1825-0097",
        "http://orcid.org/0000-0002-1825-0097",
        "orcid.org/0000-0002-1825-0097",
        " https://orcid.org/0000-0002-1825-0097/ ",
    ],
)
def test_orcid_forms_normalise_to_the_https_url(given: str) -> None:
    assert checks.check_orcid(given) == "https://orcid.org/0000-0002-1825-0097"


def test_orcid_lower_case_x_is_accepted_and_upper_cased() -> None:
    assert checks.check_orcid("0000-0002-1694-233x") == "https://orcid.org/0000-0002-1694-233X"


def test_orcid_with_a_wrong_check_digit_says_which_digit_is_right() -> None:
    assert not iso7064_mod11_2_ok("0000-0002-1825-0098")
    with pytest.raises(ValueError) as err:
        checks.check_orcid("0000-0002-1825-0098")
    assert str(err.value) == (
        "ORCID 0000-0002-1825-0098 fails its checksum (last digit should be 7); copy it from orcid.org"
    )


@pytest.mark.parametrize("bad", ["0000-0002-1825-009", "0000000218250097", "https://example.org/0000-0002-1825-0097"])
def test_malformed_orcids_are_rejected_with_the_expected_form(bad: str) -> None:
    with pytest.raises(ValueError, match="is not an ORCID; write it as 0000-0002-1825-0097"):
        checks.check_orcid(bad)


# --- DOI, Handle, URL, arXiv ---


@pytest.mark.parametrize(
    "given",
    [
        "10.5281/Zenodo.123",
        "doi:10.5281/Zenodo.123",
        "DOI: 10.5281/Zenodo.123",
        "https://doi.org/10.5281/Zenodo.123",
        "http://dx.doi.org/10.5281/Zenodo.123",
    ],
)
def test_doi_forms_normalise_to_the_bare_form_keeping_case(given: str) -> None:
    assert checks.check_doi(given) == "10.5281/Zenodo.123"


def test_doi_resolver_url_is_percent_decoded() -> None:
    assert checks.check_doi("https://doi.org/10.1000/a%2Fb") == "10.1000/a/b"


@pytest.mark.parametrize("bad", ["10.12/abc", "11.1234/abc", "10.1234/", "10.1234/has space", "zenodo.123"])
def test_malformed_dois_are_rejected(bad: str) -> None:
    with pytest.raises(ValueError, match=r"is not a DOI; a DOI looks like 10\.1234/abc"):
        checks.check_doi(bad)


@pytest.mark.parametrize(
    ("given", "bare"),
    [
        ("10261/12345", "10261/12345"),
        ("20.500.12345/abc-1", "20.500.12345/abc-1"),
        ("hdl:10261/12345", "10261/12345"),
        ("https://hdl.handle.net/10261/12345", "10261/12345"),
    ],
)
def test_handle_forms_normalise_to_the_bare_form(given: str, bare: str) -> None:
    assert checks.check_handle(given) == bare


@pytest.mark.parametrize("bad", ["csic/123", "10261", "10261/", "https://example.org/10261/1"])
def test_malformed_handles_are_rejected(bad: str) -> None:
    with pytest.raises(ValueError, match="is not a Handle"):
        checks.check_handle(bad)


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("10.5281/zenodo.1", "DOI"),  # also a valid Handle: DOI must win
        ("https://doi.org/10.5281/zenodo.1", "DOI"),
        ("10261/12345", "Handle"),
        ("https://hdl.handle.net/20.500.12345/7", "Handle"),
        ("https://github.com/org/repo", "URL"),
        ("arXiv:2101.00001v2", "arXiv"),
        ("arxiv:hep-th/9901001", "arXiv"),
    ],
)
def test_detect_identifier_type_tests_doi_then_handle_then_url_then_arxiv(value: str, kind: str) -> None:
    assert checks.detect_identifier_type(value) == kind


@pytest.mark.parametrize("bad", ["ftp://example.org/x", "just words", "arXiv:nonsense"])
def test_undetectable_identifiers_raise(bad: str) -> None:
    with pytest.raises(ValueError):
        checks.detect_identifier_type(bad)


def test_check_identifier_normalises_by_type() -> None:
    assert checks.check_identifier("https://doi.org/10.1234/X", "DOI") == "10.1234/X"
    assert checks.check_identifier("2101.00001", "arXiv") == "arXiv:2101.00001"
    assert checks.check_identifier(" 978-3-16-148410-0 ", "ISBN") == "978-3-16-148410-0"
    with pytest.raises(ValueError, match="not an http"):
        checks.check_identifier("www.example.org", "URL")


def test_identifier_type_names_are_canonicalised() -> None:
    assert checks.check_identifier_type("doi") == "DOI"
    assert checks.check_identifier_type("ARXIV") == "arXiv"
    with pytest.raises(ValueError, match="not a DataCite identifier type"):
        checks.check_identifier_type("swh")


@pytest.mark.parametrize("bad", ["example.org", "mailto:a@b.org", "https://", "https://exa mple.org"])
def test_urls_must_be_absolute_http(bad: str) -> None:
    with pytest.raises(ValueError, match="is not an http\\(s\\) URL"):
        checks.check_url(bad)


# --- ROR ---


@pytest.mark.parametrize("ror", ["02gfc7t72", "046ffzj20", "03yrm5c26"])
def test_ror_ids_pass_an_independent_checksum_and_the_check(ror: str) -> None:
    assert iso7064_mod97_10_ok(ror)
    assert checks.ror_checksum(ror[:7]) == ror[7:]
    assert checks.check_ror(f"https://ror.org/{ror}") == f"https://ror.org/{ror}"


@pytest.mark.parametrize(
    "given", ["02gfc7t72", "ror.org/02gfc7t72", "http://ror.org/02GFC7T72", "https://ror.org/02gfc7t72/"]
)
def test_ror_forms_normalise_to_the_url(given: str) -> None:
    assert checks.check_ror(given) == "https://ror.org/02gfc7t72"


def test_ror_with_wrong_check_digits_says_which_are_right() -> None:
    assert not iso7064_mod97_10_ok("02gfc7t73")
    with pytest.raises(ValueError) as err:
        checks.check_ror("https://ror.org/02gfc7t73")
    assert "fails its checksum (last two digits should be 72)" in str(err.value)


@pytest.mark.parametrize("bad", ["12gfc7t72", "02gfc7l72", "02gfc7u72", "02gfc7t7", "https://example.org/02gfc7t72"])
def test_malformed_ror_ids_are_rejected(bad: str) -> None:
    with pytest.raises(ValueError, match="is not a ROR id"):
        checks.check_ror(bad)


# --- SPDX ---


@pytest.mark.parametrize(
    ("given", "canonical"),
    [("cc-by-4.0", "CC-BY-4.0"), ("APACHE-2.0", "Apache-2.0"), ("mit", "MIT"), ("GPL-3.0", "GPL-3.0-only")],
)
def test_spdx_ids_are_matched_case_insensitively(given: str, canonical: str) -> None:
    assert checks.check_spdx(given) == canonical


def test_unknown_spdx_id_suggests_the_closest() -> None:
    with pytest.raises(ValueError) as err:
        checks.check_spdx("CC-BY-4")
    assert "is not an SPDX licence id (did you mean CC-BY-4.0?)" in str(err.value)


@pytest.mark.parametrize("bad", ["MIT OR Apache-2.0", "LicenseRef-scancode-bigscience-open-rail-m", "Proprietary"])
def test_expressions_scancode_refs_and_free_text_are_not_spdx_ids(bad: str) -> None:
    with pytest.raises(ValueError):
        checks.check_spdx(bad)


def test_every_hugging_face_mapping_lands_on_a_canonical_spdx_id() -> None:
    for hf_id, spdx_id in checks.HF_LICENSES.items():
        assert checks.check_spdx(spdx_id) == spdx_id, hf_id
        assert checks.check_hf_license(hf_id) == spdx_id


@pytest.mark.parametrize(
    ("hf", "spdx"), [("apache-2.0", "Apache-2.0"), ("gpl-3.0", "GPL-3.0-only"), ("odbl", "ODbL-1.0")]
)
def test_hugging_face_ids_map_to_spdx(hf: str, spdx: str) -> None:
    assert checks.check_hf_license(hf) == spdx


@pytest.mark.parametrize("hf", ["other", "openrail", "llama3", "creativeml-openrail-m"])
def test_hugging_face_ids_without_spdx_ask_for_an_spdx_id(hf: str) -> None:
    with pytest.raises(ValueError) as err:
        checks.check_hf_license(hf)
    assert "has no SPDX id" in str(err.value)
    assert "https://spdx.org/licenses/" in str(err.value)


def test_license_url_and_name() -> None:
    assert checks.license_url("CC-BY-4.0") == "https://spdx.org/licenses/CC-BY-4.0.html"
    assert checks.license_name("CC-BY-4.0") == "Creative Commons Attribution 4.0 International"
    assert checks.license_name("Apache-2.0") == "Apache License 2.0"
    assert checks.license_name("0BSD") == "0BSD"  # no name known: the id stands in


# --- ISO 8601 ---


@pytest.mark.parametrize(
    "good",
    [
        "2024",
        "2024-02",
        "2024-02-29",
        "2024-02-29T13:45:00Z",
        "2024-02-29T13:45+01:00",
        "2023-01-01/2023-12-31",
        "2023-01/2023-03",
        "2023-01-01T00:00:00Z/2023-01-02T00:00:00Z",
    ],
)
def test_iso8601_accepts_dates_datetimes_and_intervals(good: str) -> None:
    assert checks.check_iso8601(good) == good


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        ("2023-02-29", "not a real date"),
        ("2023-13", "not a real date"),
        ("23-01-01", "not an ISO 8601 date"),
        ("01/02/2023", "not an ISO 8601 date"),
        ("2024-01-01/2023-01-01", "ends before it starts"),
        ("2020/2021/2022", "not an ISO 8601 date or interval"),
    ],
)
def test_iso8601_rejects_bad_dates_and_intervals(bad: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        checks.check_iso8601(bad)


def test_iso8601_accepts_date_objects_from_yaml() -> None:
    assert checks.check_iso8601(dt.date(2024, 5, 31)) == "2024-05-31"


def test_check_date_needs_a_full_calendar_date() -> None:
    assert checks.check_date("2024-05-31") == dt.date(2024, 5, 31)
    assert checks.check_date(dt.datetime(2024, 5, 31, 10, 0)) == dt.date(2024, 5, 31)
    with pytest.raises(ValueError, match="not a full date; write it as YYYY-MM-DD"):
        checks.check_date("2024-05")
    with pytest.raises(ValueError, match="not a real date"):
        checks.check_date("2024-06-31")


# --- BCP 47 and DataCite lists ---


@pytest.mark.parametrize(
    ("given", "tag"), [("en", "en"), ("ES", "es"), ("en-gb", "en-GB"), ("en_GB", "en-GB"), ("eng", "en")]
)
def test_language_tags_are_normalised(given: str, tag: str) -> None:
    assert checks.check_language(given) == tag


@pytest.mark.parametrize("bad", ["english", "xx-zz", "e"])
def test_invalid_language_tags_are_rejected(bad: str) -> None:
    with pytest.raises(ValueError, match="is not a BCP 47 language tag"):
        checks.check_language(bad)


def test_datacite_controlled_lists_canonicalise_case_and_suggest() -> None:
    assert checks.check_relation_type("isDerivedFrom") == "IsDerivedFrom"
    assert checks.check_resource_type_general("dataset") == "Dataset"
    assert checks.check_contributor_type("contactperson") == "ContactPerson"
    with pytest.raises(ValueError, match="did you mean IsDerivedFrom"):
        checks.check_relation_type("IsDerivedForm")


def test_funder_ids() -> None:
    ec = ("https://doi.org/10.13039/501100000780", "Crossref Funder ID")
    assert checks.check_funder_id("10.13039/501100000780") == ec
    assert checks.check_funder_id("https://doi.org/10.13039/501100000780", "crossref funder id") == ec
    assert checks.check_funder_id("02gfc7t72") == ("https://ror.org/02gfc7t72", "ROR")
    assert iso7064_mod11_2_ok("0000000121051091")  # ISNI uses the same check character as ORCID
    assert checks.check_funder_id("0000 0001 2105 1091", "ISNI") == ("0000000121051091", "ISNI")
    with pytest.raises(ValueError, match="not a valid ISNI"):
        checks.check_funder_id("0000 0001 2105 1092", "ISNI")
    assert checks.check_funder_id("https://example.org/funder") == ("https://example.org/funder", "Other")
    with pytest.raises(ValueError, match="not a Crossref Funder ID"):
        checks.check_funder_id("10.5281/zenodo.1", "Crossref Funder ID")
    with pytest.raises(ValueError, match="fails its checksum"):
        checks.check_funder_id("02gfc7t73", "ROR")
